"""The time grid's frame: a column per day shown, a row per hour, and the keyboard's cursor
over its cells, a day by an hour, empty ones too (`cursor`); what is drawn in it is
`week.TimeGrid`'s. The cursor is tinted under the boxes and framed over them, said in the
line under the grid and the grid's description (the view's), and announced."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

from app.gui.calendar.cursor import MOVES, Cell, cell_words, cursor_colour, step
from app.gui.calendar.data import Entry, day_start
from app.gui.calendar.paint import CalendarGrid, Hit
from app.gui.calendar.words import opens
from app.gui.qt import (
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPalette,
    QPen,
    QPointF,
    QRectF,
    Qt,
    QWidget,
)
from app.gui.widgets.display import blend

HOUR_PX = 48.0
GUTTER = 52.0


class HourGrid(CalendarGrid):
    """Days by hours, with a cursor; a subclass lays out `hits` and fills `counts`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cursor_cell: Cell | None = None  # the keyboard's cell
        self.keep_in_sight = False  # the keys took the cursor to another period: open there
        # what starts in each cell: runs by status, predictions as "planned"
        self.counts: defaultdict[Cell, Counter[str]] = defaultdict(Counter)
        # the boxes drawn across a cell that began in an earlier hour, in time order
        self.going: defaultdict[Cell, list[Entry]] = defaultdict(list)

    # -- geometry --------------------------------------------------------------------------

    def dates(self) -> list[date]:
        return self.data.period.dates if self.data is not None else []

    def column_width(self) -> float:
        return (self.width() - GUTTER) / max(1, len(self.dates()))

    def column(self, i: int) -> QRectF:
        w = self.column_width()
        return QRectF(GUTTER + i * w, 0, w, 24 * HOUR_PX)

    def y_of(self, moment: datetime, d: date) -> float:
        seconds = (moment - day_start(d)).total_seconds()
        return max(0.0, min(24 * HOUR_PX, seconds * HOUR_PX / 3600))

    def moment_at(self, pos: QPointF) -> tuple[date, datetime] | None:
        days = self.dates()
        if not days or pos.x() < GUTTER:
            return None
        i = min(len(days) - 1, int((pos.x() - GUTTER) // self.column_width()))
        seconds = max(0.0, min(24 * 3600 - 1, pos.y() * 3600 / HOUR_PX))
        return days[i], day_start(days[i]) + timedelta(seconds=seconds)

    # -- the cursor ------------------------------------------------------------------------

    def cursor_day(self) -> date | None:
        return self.cursor_cell.day if self.cursor_cell is not None else None

    def cell_rect(self, cell: Cell) -> QRectF | None:
        days = self.dates()
        if cell.day not in days:
            return None
        col = self.column(days.index(cell.day))
        return QRectF(col.left(), cell.hour * HOUR_PX, col.width(), HOUR_PX)

    def cell_stops(self, cell: Cell) -> list[Hit]:
        """The entries and blocks that start in `cell`, as Down steps through them."""
        return [h for h in self.stops() if h.day == cell.day and h.hour == cell.hour]

    def cell_words(self, cell: Cell) -> str:
        """`cell` in words, and what Enter does there; “reading…” until what it holds is
        known (its period read, its predictions worked out)."""
        d = cell.day
        over = day_start(d) + timedelta(hours=cell.hour + 1) <= (
            self.data.now if self.data is not None else datetime.now().astimezone())
        if self.data is None or d not in self.dates() or not (self.data.complete or over):
            return f"{d:%A} {d.day} {d:%B}, {cell.hour:02d}:00, reading…"
        counts = Counter(self.counts.get(cell, Counter()))
        planned = counts.pop("planned", 0)
        words = cell_words(cell, counts, planned, over, self.going.get(cell, ()))
        stops = self.cell_stops(cell)
        if len(stops) == 1 and stops[0].entry is not None:
            return f"{words} · Enter to {opens(stops[0].entry)}"
        if planned or counts or stops:
            return f"{words} · Enter to open the list"
        going = self.going.get(cell, [])
        return f"{words} · Enter to {opens(going[0])}" if len(going) == 1 else words

    def start_cell(self) -> Cell:
        """Where the cursor starts: now, with today shown; else the first day, at the
        first hour in sight."""
        assert self.data is not None
        now = self.data.now.astimezone()
        if now.date() in self.dates():
            return Cell(now.date(), min(23, int(self.y_of(now, now.date()) // HOUR_PX)))
        return Cell(self.dates()[0], min(23, math.ceil(-self.y() / HOUR_PX)))

    def move_cursor(self, cell: Cell) -> None:
        """Put the cursor on `cell` (on a day not shown: its period is asked for), and say
        it; nothing is selected then but the cell."""
        self.cursor_cell = cell
        self.keep_in_sight = cell.day not in self.dates()
        if self.keep_in_sight:
            self.period_requested.emit(cell.day)
        self.picked = None
        self.day_pointed.emit(cell.day)
        self.say(self.cell_words(cell))
        rect = self.cell_rect(cell)
        if rect is not None:
            self.show_rect(rect)
        self.update()

    def follow_cursor(self) -> None:
        """A read landed: the cursor on the same weekday and hour in another period
        (Today, ◀ ▶), said again when its words changed, unless something was selected."""
        dates = self.dates()
        if self.cursor_cell is None or not dates:
            return
        cell = self.cursor_cell
        if cell.day not in dates:
            self.cursor_cell = cell = Cell(dates[cell.day.weekday() % len(dates)], cell.hour)
        self.ensure_layout()
        words = self.cell_words(cell)
        if self._said is not None and self.picked is None and words != self._said:
            self.say(words)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """The keys move the cursor (`cursor.step`); Down steps into its cell's entries and
        blocks first, Up back out; Enter opens what is selected, else the cell's (its one
        entry or block, or the day's list at its hour), as clicking there does."""
        self.ensure_layout()
        move = MOVES.get(Qt.Key(event.key()))
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and self.cursor_cell is None:
            super().keyPressEvent(event)
            return
        if (move is None and not enter) or not self.dates() or (
                event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier):
            QWidget.keyPressEvent(self, event)  # (on: scrolling, the window's keys)
            return
        if self.cursor_cell is None:
            self.move_cursor(self.start_cell())
            return
        stops = self.cell_stops(self.cursor_cell)
        current = self._picked_hit()
        at = stops.index(current) if current in stops else -1
        if enter:
            self._open(stops[at] if at >= 0 else stops[0] if len(stops) == 1 else None)
        elif move == "down" and at + 1 < len(stops):
            self._pick_stop(stops[at + 1])
        elif move == "up" and at >= 0:
            self._pick_stop(stops[at - 1]) if at > 0 else self.move_cursor(self.cursor_cell)
        elif move is not None:
            self.move_cursor(step(self.cursor_cell, move, self.dates()))

    def _pick_stop(self, hit: Hit) -> None:
        if hit.entry is not None:
            self.pick(hit.entry)
            self._said = None
        else:
            self.pick_block(hit)
        self.show_hit(hit)

    def _open(self, hit: Hit | None) -> None:
        """Enter: an entry's run or task, a block's list, else the cell's list at its hour
        when anything starts in it, else the one box drawn across it."""
        assert self.cursor_cell is not None
        cell = self.cursor_cell
        if hit is not None and hit.entry is not None:
            self.entry_activated.emit(hit.entry)
        elif hit is not None:
            self.day_list_requested.emit(hit.start or hit.day)
        elif sum(self.counts.get(cell, Counter()).values()):
            self.day_list_requested.emit(day_start(cell.day) + timedelta(hours=cell.hour))
        elif len(going := self.going.get(cell, [])) == 1:  # the one box across it, as a click
            self.entry_activated.emit(going[0])

    def _paint_cursor(self, p: QPainter, frame: bool) -> None:
        """The cursor's cell: tinted under the boxes, framed over them (thicker with
        focus), in a highlight that stands out from the grid in either palette."""
        rect = self.cell_rect(self.cursor_cell) if self.cursor_cell is not None else None
        if rect is None:
            return
        pal = self.palette()
        base, light = pal.color(QPalette.ColorRole.Base), pal.color(QPalette.ColorRole.Highlight)
        tint = blend(base, light, 0.16 if self.hasFocus() else 0.08)
        if not frame:
            p.fillRect(rect, tint)
            return
        p.setPen(QPen(cursor_colour(light, tint), 2 if self.hasFocus() else 1))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(rect.adjusted(1, 1, -1, -1))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        """A click puts the cursor where it was: on what was clicked's cell, or on an
        empty place's (said, as the keys would)."""
        clicked = self._press is not None and not self._dragging
        hit = self.hit_at(event.position())
        super().mouseReleaseEvent(event)
        found = self.moment_at(event.position()) if clicked else None
        if found is not None and hit is not None and hit.hour is not None:
            self.cursor_cell = Cell(hit.day, hit.hour)
            self._said = None
        elif found is not None:
            self.move_cursor(Cell(found[0], min(23, int(event.position().y() // HOUR_PX))))

