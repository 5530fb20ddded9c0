"""The month grid: six weeks of days, each with the runs and predictions that fit, a "+N
more" link when a few do not, and a count by status for a busy day (never a pile). The
arrows move a day cursor through the days, empty ones too: Left and Right by the day, Up and
Down through the day's entries and on by the week; past the grid's first or last day the
month before or after is shown and the cursor goes on in it (it stopped at the grid's edges).
Page Up and Page Down go to the same day a month back or on, Home and End to the ends of
the cursor's week.

Painted in one pass from `CalendarData` (already grouped by day off the GUI thread), so a
month costs the same whatever the number of tasks. Clicking an entry opens it, the count
or "+N more" opens the day's list, double-clicking a day shows it in the day view, and a
one-shot task's prediction can be dragged to another day (same time of day).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from app.gui.calendar.boxes import paint_entry
from app.gui.calendar.data import BUSY, Entry
from app.gui.calendar.paint import CalendarGrid, Hit
from app.gui.calendar.words import (
    MORE,
    busiest_lines,
    chain_detail,
    counts_said,
    is_prediction,
    summary,
)
from app.gui.qt import (
    QColor,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPointF,
    QRectF,
    Qt,
    QWidget,
)
from app.gui.widgets import display
from app.gui.widgets.display import blend, clock

KEYPAD = Qt.KeyboardModifier.KeypadModifier
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def listed_first(entries: list[Entry], room: int) -> list[Entry]:
    """The entries a cell with `room` lines lists above its "+N more", in time order: its
    failed runs first picked, then the earliest of the rest. Today's cell of a few runs
    listed its first two by time, and the failure a minute after them was inside "+9
    more", only the week and the day views showing it."""
    if len(entries) <= room:
        return entries
    failed = [i for i, e in enumerate(entries) if not e.predicted and e.status in display.FAILED]
    picked = set(failed[:room])
    for i in range(len(entries)):
        if len(picked) >= room:
            break
        picked.add(i)
    return [e for i, e in enumerate(entries) if i in picked]


class MonthGrid(CalendarGrid):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CalendarMonth")
        self.setMinimumSize(420, 240)  # fits an 800×500 window
        self.cells: dict[date, QRectF] = {}
        self._drop: date | None = None
        self._pointer = QPointF()

    # -- geometry --------------------------------------------------------------------------

    def header_height(self) -> float:
        return self.fontMetrics().height() + 8.0

    def line_height(self) -> float:
        return self.fontMetrics().height() + 4.0

    def _layout(self) -> None:
        self.cells = {}
        self.hits = []
        self.summed: set[date] = set()  # days shown as counts, not as their fires
        self._labels: set[int] = set()  # ids of the summed days' counts by their numbers
        if self.data is None:
            return
        top = self.header_height()
        w = self.width() / 7
        h = (self.height() - top) / 6
        for i, d in enumerate(self.data.period.dates):
            row, col = divmod(i, 7)
            cell = QRectF(col * w, top + row * h, w, h)
            self.cells[d] = cell
            self.hits.append(Hit(cell, "day", d))
            self._layout_day(d, cell)

    def _layout_day(self, d: date, cell: QRectF) -> None:
        assert self.data is not None
        day = self.data.day(d)
        line = self.line_height()
        first = cell.top() + line + 2
        lines = max(1, int((cell.bottom() - first - 2) // line))
        total = day.total
        if total == 0:
            return
        slot = [QRectF(cell.left() + 3, first + i * line, cell.width() - 6, line - 2)
                for i in range(lines)]
        if total <= lines and len(day.entries) == total:
            for rect, entry in zip(slot, day.entries, strict=False):
                self.hits.append(Hit(rect, "entry", d, entry))
            return
        if total <= BUSY and len(day.entries) >= min(total, lines - 1):
            for rect, entry in zip(slot[:-1], listed_first(day.entries, lines - 1),
                                   strict=False):
                self.hits.append(Hit(rect, "entry", d, entry))
            self.hits.append(Hit(slot[-1], "more", d))
            return
        # busy, or its fires not listed (counted past the forecast's listing): its counts; a
        # weekend of a few fires showed "+12 more…" and nothing else
        self.summed.add(d)
        count = QRectF(cell.right() - 90, cell.top() + 1, 87, line)
        label = Hit(count, "more", d)
        self._labels.add(id(label))
        self.hits.append(label)
        self.hits.append(Hit(QRectF(cell.left() + 3, first, cell.width() - 6,
                                    cell.bottom() - first - 2), "more", d))

    # -- painting --------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        self.ensure_layout()
        p = QPainter(self)
        pal = self.palette()
        dark = self.dark()
        base = pal.color(QPalette.ColorRole.Base)
        ink = pal.color(QPalette.ColorRole.Text)
        muted = pal.color(QPalette.ColorRole.PlaceholderText)
        grid = blend(base, ink, 0.18)
        p.fillRect(self.rect(), base)
        top = self.header_height()
        w = self.width() / 7
        p.setPen(muted)
        for col, name in enumerate(WEEKDAYS):
            p.drawText(QRectF(col * w, 0, w, top), int(Qt.AlignmentFlag.AlignCenter), name)
        if self.data is None:
            return
        today = self.data.now.astimezone().date()  # (the view's clock, as read)
        bold = QFont(self.font())
        bold.setBold(True)
        for d, cell in self.cells.items():
            if d == today:
                p.fillRect(cell, blend(base, pal.color(QPalette.ColorRole.Highlight), 0.08))
            elif d.month != self.data.period.anchor.month:
                p.fillRect(cell, blend(base, ink, 0.04))
            p.setPen(QPen(grid, 1))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(cell)
            self._paint_day(p, d, cell, d == today, bold, dark)
        if self._drop is not None and self._drop in self.cells:
            highlight = pal.color(QPalette.ColorRole.Highlight)
            p.setPen(QPen(highlight, 2))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(self.cells[self._drop].adjusted(1, 1, -1, -1))
        if self._dragging and self._press_hit is not None and self._press_hit.entry:
            ghost = QRectF(self._press_hit.rect)
            ghost.moveCenter(self._pointer)
            p.setFont(self.font())
            paint_entry(p, ghost, self._press_hit.entry, self._chip_text(self._press_hit.entry),
                        pal, dark, ghost=True)
        self.paint_picked(p)
        p.end()

    def _paint_day(self, p: QPainter, d: date, cell: QRectF, today: bool, bold: QFont,
                   dark: bool) -> None:
        assert self.data is not None
        pal = self.palette()
        line = self.line_height()
        label = self._label(d)
        number = QRectF(cell.left() + 5, cell.top() + 1, cell.width() - 10, line)
        if today:
            p.setFont(bold)
            p.setPen(pal.color(QPalette.ColorRole.Highlight) if not dark
                     else pal.color(QPalette.ColorRole.Link))
        else:
            p.setFont(self.font())
            in_month = d.month == self.data.period.anchor.month
            p.setPen(pal.color(QPalette.ColorRole.Text if in_month
                               else QPalette.ColorRole.PlaceholderText))
        p.drawText(number, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), label)
        p.setFont(self.font())
        day = self.data.day(d)
        for hit in self.hits:
            if hit.day != d:
                continue
            if hit.kind == "entry" and hit.entry is not None:
                paint_entry(p, hit.rect, hit.entry, self._chip_text(hit.entry), pal, dark)
            elif hit.kind == "more" and d not in self.summed:
                shown = sum(1 for h in self.hits if h.day == d and h.kind == "entry")
                p.setPen(pal.color(QPalette.ColorRole.Link))
                p.drawText(hit.rect.adjusted(4, 0, 0, 0),
                           int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                           f"+{day.total - shown} more…")
        if d in self.summed:
            self._paint_busy(p, d, cell)

    def _paint_busy(self, p: QPainter, d: date, cell: QRectF) -> None:
        assert self.data is not None
        pal = self.palette()
        dark = self.dark()
        day = self.data.day(d)
        line = self.line_height()
        p.setPen(pal.color(QPalette.ColorRole.Link))
        p.drawText(QRectF(cell.right() - 93, cell.top() + 1, 88, line),
                   int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                   self.count_text(d))
        y = cell.top() + line + 2
        room = max(1, int((cell.bottom() - y - 2) // line))
        rows = self.busy_lines(d)
        for key, words, n in rows:
            at = QRectF(cell.left() + 19, y, cell.width() - 22, line)
            p.setPen(pal.color(QPalette.ColorRole.Text))
            if key == MORE:  # the rest, in words, from where the dots are
                p.setPen(pal.color(QPalette.ColorRole.Link))
                at, text = at.adjusted(-13, 0, 0, 0), words
            else:  # a run's dot filled, a prediction's hollow (as its box is dashed)
                text = f"{n:,} {words}"
                self._dot(p, QRectF(cell.left() + 6, y + line / 2 - 4, 8, 8),
                          display.status_colour(key, dark), is_prediction(words))
            text = p.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight,
                                              int(at.width() - 2))
            p.drawText(at, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), text)
            y += line
        # then the busiest tasks, as many as fit: who makes the day busy
        p.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
        for line_text in busiest_lines(day, room - len(rows)):
            text = p.fontMetrics().elidedText(line_text, Qt.TextElideMode.ElideRight,
                                              int(cell.width() - 24))
            p.drawText(QRectF(cell.left() + 19, y, cell.width() - 22, line),
                       int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), text)
            y += line

    @staticmethod
    def _label(d: date) -> str:
        return f"{d.day} {d.strftime('%b')}" if d.day == 1 else str(d.day)

    def count_text(self, d: date) -> str:
        """A summed day's count beside its date, in the room the date leaves (“985 ▸”, “985”,
        “1.3k”, then elided, or nothing): in a narrow cell “1 Jan” ran into it (“1 Ja985”)."""
        assert self.data is not None
        bold = QFont(self.font())
        bold.setBold(True)  # (today's date is bold: the wider)
        room = min(88, int(self.cells[d].width() - 10 - 6
                           - QFontMetrics(bold).horizontalAdvance(self._label(d))))
        total = self.data.day(d).total
        short = f"{total / 1000:.1f}k" if total >= 1000 else f"{total}"
        metrics = self.fontMetrics()
        if room < metrics.horizontalAdvance(short[:1] + "…"):
            return ""
        return next((t for t in (f"{total:,} ▸", f"{total:,}", short)
                     if metrics.horizontalAdvance(t) <= room),
                    metrics.elidedText(short, Qt.TextElideMode.ElideRight, room))

    def busy_lines(self, d: date) -> list[tuple[str, str, int]]:
        """A summed day's lines under its count, as many as its cell has room for, the last
        saying the rest when they do not all fit (`summary`): they add up to its count."""
        assert self.data is not None
        cell = self.cells[d]
        line = self.line_height()
        room = max(1, int((cell.bottom() - (cell.top() + line + 2) - 2) // line))
        return summary(self.data.day(d), room)

    @staticmethod
    def _dot(p: QPainter, rect: QRectF, colour: QColor, predicted: bool) -> None:
        p.save()
        p.setPen(QPen(colour, 1.5) if predicted else Qt.PenStyle.NoPen)
        p.setBrush(Qt.BrushStyle.NoBrush if predicted else colour)
        p.drawEllipse(rect.adjusted(0.75, 0.75, -0.75, -0.75) if predicted else rect)
        p.restore()

    @staticmethod
    def _chip_text(entry: Entry) -> str:
        glyph = "" if entry.predicted else display.GLYPHS.get(entry.status, "•") + " "
        return f"{glyph}{clock(entry.start)} {entry.task_name}"

    # -- mouse -----------------------------------------------------------------------------

    def _drag_to(self, pos: QPointF, hit: Hit) -> None:
        self._pointer = pos
        self._drop = next((d for d, c in self.cells.items() if c.contains(pos)), None)

    def _dropped(self, hit: Hit) -> datetime | None:
        if self._drop is None or self._drop == hit.day or hit.entry is None:
            return None
        return datetime.combine(self._drop, hit.entry.start.astimezone().time()).astimezone()

    def _end_drag(self) -> None:
        self._drop = None

    def stops(self) -> list[Hit]:
        """Each day (its cell: the day cursor, an empty day too), then what is drawn in it; a
        summed day is one stop (its counts), not two (its number's count too)."""
        hits = [h for h in self.hits if id(h) not in self._labels and (
            h.kind in ("day", "more") or (h.kind == "entry" and h.entry is not None))]
        return sorted(hits, key=lambda h: (h.day, h.kind != "day", h.rect.top(), h.rect.left()))

    def step_to(self, stops: list[Hit], current: Hit | None, key: Qt.Key) -> Hit | None:
        """The arrows move a day cursor: Left and Right to the day before or after, Up and
        Down through the day (the day, then what is drawn in it), past its ends to the same
        weekday a week up or down. Days were not stops, so an empty one could not be reached
        and Right stepped entry by entry. The cursor starts on today (else the month's 1st);
        past the grid's ends `keyPressEvent` takes it on."""
        arrows = (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down)
        if key not in arrows or self.data is None or not stops:
            return None
        days = {h.day: h for h in stops if h.kind == "day"}
        if current not in stops:
            today = self.data.now.astimezone().date()
            return days.get(today, days.get(self.data.period.anchor.replace(day=1)))
        assert current is not None
        ahead = key in (Qt.Key.Key_Right, Qt.Key.Key_Down)
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            return days.get(current.day + timedelta(days=1 if ahead else -1), current)
        same = [h for h in stops if h.day == current.day]
        at = same.index(current) + (1 if ahead else -1)
        if 0 <= at < len(same):
            return same[at]
        return days.get(current.day + timedelta(days=7 if ahead else -7), current)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """What steps off the grid (an arrow past its first or last day, Page Up and Down:
        the same day a month back or on) shows that day's month with the cursor on it; Home
        and End go to the ends of the cursor's week; the rest is `step_to`'s."""
        self.ensure_layout()
        day = self.cursor_day()
        target = None if day is None or event.modifiers() & ~KEYPAD else self._target(
            day, Qt.Key(event.key()))
        if target is None:
            super().keyPressEvent(event)
            return
        if target not in self.cells or event.key() in (Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
            self.period_requested.emit(target)  # (the selection goes with the period)
        self.picked = ("block", target, 0)  # the day, once its month is read
        self.day_pointed.emit(target)
        hit = self._picked_hit() if self.data is not None and target in self.cells else None
        self.say(f"{self.block_words(hit)} · {self.opens(hit)}" if hit is not None
                 else f"{target:%a} {target.day} {target:%b}: reading…")
        self.update()

    def _target(self, day: date, key: Qt.Key) -> date | None:
        """Where `key` takes the cursor from `day` when it leaves the grid or goes by the
        week's ends or the month; None: `step_to`'s step within the grid."""
        if key in (Qt.Key.Key_Home, Qt.Key.Key_End):
            return day + timedelta(days=(0 if key == Qt.Key.Key_Home else 6) - day.weekday())
        if key in (Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
            month = day.month - 1 + (1 if key == Qt.Key.Key_PageDown else -1)
            year, month = day.year + month // 12, month % 12 + 1
            last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
            return date(year, month, min(day.day, last))
        hit = self._picked_hit()
        same = [h for h in self.stops() if h.day == day]
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            target = day + timedelta(days=1 if key == Qt.Key.Key_Right else -1)
        elif key == Qt.Key.Key_Up and (hit is None or hit.kind == "day"):
            target = day - timedelta(days=7)
        elif key == Qt.Key.Key_Down and (hit is None or not same or hit is same[-1]):
            target = day + timedelta(days=7)
        else:
            return None
        return None if target in self.cells and hit is not None else target

    def _total(self, d: date) -> str:
        assert self.data is not None
        return display.plural(self.data.day(d).total, "run or prediction",
                              "runs and predictions")

    def block_words(self, hit: Hit) -> str:
        """A summed day's count, or a day (the cursor) with its counts by status and kind."""
        d = hit.day
        if hit.kind != "day":
            return f"{d:%a} {d.day} {d:%b}: {self._total(d)}"
        assert self.data is not None
        said = counts_said(self.data.day(d))
        counts = f"{self._total(d)} ({said})" if said else "no runs or predictions"
        return f"{d:%a} {d.day} {d:%b}: {counts}"

    def opens(self, hit: Hit) -> str:
        return "Enter to open its list" if hit.kind == "day" else super().opens(hit)

    def _more_tip(self, hit: Hit) -> str:
        """A summed day's counts all said, when of more than one kind (its lines may end in
        “+3 more”)."""
        assert self.data is not None
        said = counts_said(day := self.data.day(hit.day))  # (what chains run after too)
        several = len(summary(day, 99)) > 1 or bool(chain_detail(day))
        counts = f" ({said})" if hit.day in self.summed and several else ""
        return f"{self._total(hit.day)}{counts}: click for the list"
