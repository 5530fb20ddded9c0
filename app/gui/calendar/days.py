"""The time grid in a scroll area, with a fixed header of day names and each day's counts
(click a count for the day's list, double-click a day to show it alone); where it opens."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from app.gui.calendar.boxes import first_fitting
from app.gui.calendar.data import CalendarData
from app.gui.calendar.hours import GUTTER, HOUR_PX
from app.gui.calendar.week import TimeGrid
from app.gui.qt import (
    QEvent,
    QFont,
    QFrame,
    QHelpEvent,
    QMouseEvent,
    QObject,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QRectF,
    QResizeEvent,
    QScrollArea,
    Qt,
    QToolTip,
    QWidget,
    Signal,
)
from app.gui.widgets.display import blend

HEADER_H = 40


class DayHeader(QWidget):
    """Day names above the time grid, with each day's count (click: the day's list).

    Signals:
        day_list_requested(date), day_requested(date): as the grids'.
    """

    day_list_requested = Signal(object)
    day_requested = Signal(object)

    def __init__(self, grid: TimeGrid, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = grid

    def _day_at(self, x: float) -> date | None:
        days = self.grid.dates()
        if not days or x < GUTTER:
            return None
        return days[min(len(days) - 1, int((x - GUTTER) // self.grid.column_width()))]

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        pal = self.palette()
        base = pal.color(QPalette.ColorRole.Base)
        p.fillRect(self.rect(), pal.color(QPalette.ColorRole.Window))
        data = self.grid.data
        if data is None:
            return
        today = data.now.astimezone().date()  # (the view's clock, as read)
        bold = QFont(self.font())
        bold.setBold(True)
        for i, d in enumerate(self.grid.dates()):
            col = self.grid.column(i)
            rect = QRectF(col.left(), 0, col.width(), self.height())
            p.setPen(QPen(blend(base, pal.color(QPalette.ColorRole.Text), 0.14), 1))
            p.drawLine(rect.topLeft(), rect.bottomLeft())
            room = int(rect.width() - 10)
            p.setFont(bold if d == today else self.font())
            p.setPen(pal.color(QPalette.ColorRole.Text))
            # narrow columns drop the month, then the weekday, before eliding anything
            p.drawText(rect.adjusted(6, 2, -4, -self.height() / 2),
                       int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                       first_fitting(p, [f"{d:%a} {d.day} {d:%b}", f"{d:%a} {d.day}", str(d.day)],
                                     room))
            p.setFont(self.font())
            parts = self._counts(d)
            p.setPen(pal.color(QPalette.ColorRole.Link if parts else
                               QPalette.ColorRole.PlaceholderText))
            # and the counts drop the arrow, then the words
            tiers = ([" · ".join(parts) + " ▸", " · ".join(parts),
                      " · ".join(part.split()[0] for part in parts)] if parts else ["nothing"])
            p.drawText(rect.adjusted(6, self.height() / 2, -4, -2),
                       int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                       first_fitting(p, tiers, room))
        p.end()

    def _counts(self, d: date) -> list[str]:
        """A day's counts in words: “8 runs”, “305 planned” (none: no word)."""
        assert self.grid.data is not None
        day = self.grid.data.day(d)
        runs, planned = sum(day.past.values()), sum(day.future.values())
        return ([f"{runs:,} run{'s' if runs != 1 else ''}"] if runs else []) + (
            [f"{planned:,} planned"] if planned else [])

    def event(self, event: QEvent) -> bool:
        """A day's tooltip says its counts whole (a narrow column shows them bare, “8 ·
        305”), and what a click and a double-click do."""
        if isinstance(event, QHelpEvent) and event.type() == QEvent.Type.ToolTip:
            d = self._day_at(event.pos().x())
            if d is None or self.grid.data is None:
                QToolTip.hideText()
                return True
            said = ", ".join(self._counts(d)) or "nothing"
            click = "click for the list of this day, " if self.grid.data.day(d).total else ""
            QToolTip.showText(event.globalPos(), f"{d:%a} {d.day} {d:%b}: {said}\n"
                              f"{click[:1].upper() + click[1:]}"
                              f"{'d' if click else 'D'}ouble-click to show this day alone.",
                              self)
            return True
        return super().event(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        d = self._day_at(event.position().x())
        if d is not None and self.grid.data is not None and self.grid.data.day(d).total:
            self.day_list_requested.emit(d)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        d = self._day_at(event.position().x())
        if d is not None:
            self.day_requested.emit(d)


class TimeView(QScrollArea):
    """The time grid in a scroll area, the day header fixed above it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = TimeGrid()
        self.header = DayHeader(self.grid, self)
        self.setWidget(self.grid)
        self.setFocusProxy(self.grid)  # the keys go to the entries (the arrows pick)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setViewportMargins(0, HEADER_H, 0, 0)
        self.grid.installEventFilter(self)

    def set_data(self, data: CalendarData | None) -> None:
        self.grid.set_data(data)
        self.header.update()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        vp = self.viewport().geometry()
        self.header.setGeometry(vp.left(), vp.top() - HEADER_H, vp.width(), HEADER_H)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.grid and event.type() == QEvent.Type.Resize:
            self.header.update()
        return False

    def scroll_to_hour(self, hour: float) -> None:
        self.verticalScrollBar().setValue(int(hour * HOUR_PX))

    def scroll_to_work(self, data: CalendarData | None, dates: list[date],
                       now: datetime) -> None:
        """Open where there is something to see: with today shown and something of today
        from an hour ago on, at the current hour with an hour and a half above it (what just
        ran, now, then what comes next; it opened half an hour above the first of those, so
        with nothing run in the last hour the current hour sat under the day header); else
        at the first event of the days shown (a little above it); with none, at two hours
        before now when today is shown, else at 07:00."""
        cell = self.grid.cursor_cell
        rect = self.grid.cell_rect(cell) if cell is not None else None
        if self.grid.keep_in_sight and rect is not None:  # the keys brought it here: the cursor
            self.grid.show_rect(rect)
            return
        today = now.date() if now.date() in dates else None
        days = data.days if data is not None else {}
        y_of = self.grid.y_of
        recent = [e.start for e in (days[today].entries if today in days else ())
                  if e.start >= now - timedelta(hours=1)]
        firsts = [y_of(min(e.start for e in day.entries), d) / HOUR_PX
                  for d, day in days.items() if d in dates and day.entries]
        if today is not None and recent:  # less room above in a window too low for it
            room = min(1.5, max(0.0, self.viewport().height() / HOUR_PX - 2))
            hour = y_of(now, today) // HOUR_PX - room
        elif firsts:
            hour = min(firsts) - 0.5
        else:
            hour = now.hour - 2 if today is not None else 7
        self.scroll_to_hour(max(0.0, hour))
