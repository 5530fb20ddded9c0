"""What the month grid and the week/day time grid share: hit areas, selection, the keys
and the mouse (how their boxes look is `boxes`).

Signals shared by both grids are declared on `CalendarGrid`:
    entry_picked(Entry): an entry was clicked, or reached with the arrow keys (select it).
    block_picked(str): a count or block (many entries), a month's day or the time grid's cell
        was reached with the arrow keys or clicked: no entry is selected then, and these are
        its words and how its list opens (one signal, so a screen reader hears one change).
    day_pointed(date): that block's day (Week and Day open on it).
    entry_activated(Entry): an entry was double-clicked, or Enter pressed on the selected
        one (open its run or its task), as in the task table.
    reschedule_requested(Entry, datetime): a one-shot prediction was dropped at a new time.
    day_list_requested(date): a busy day's count (or "+N more") was clicked; a datetime: a
        block of the time grid was (its list opens at the block's time).
    day_requested(date): a day was double-clicked (show that day).
    period_requested(date): the cursor went past the days shown, or a period on (Page Up,
        Page Down): show the period, in the same mode, that holds this day.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from app.gui.calendar.cursor import OWN_KEYS
from app.gui.calendar.data import CalendarData, Entry
from app.gui.calendar.words import KIND_COLOURS, entry_key, tooltip
from app.gui.qt import (
    QAccessible,
    QAccessibleAnnouncementEvent,
    QApplication,
    QEvent,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPalette,
    QPen,
    QPointF,
    QRectF,
    QResizeEvent,
    QScrollArea,
    Qt,
    QToolTip,
    QWidget,
    Signal,
    is_dark,
)


def status_counts(entries: list[Entry]) -> Counter[str]:
    """The runs among `entries` by status."""
    return Counter(e.status for e in entries if not e.predicted)


def planned_counts(entries: list[Entry]) -> Counter[str]:
    """The predictions among `entries` by the colour of their kind."""
    return Counter(KIND_COLOURS.get(e.kind, "running") for e in entries if e.predicted)


@dataclass
class Hit:
    """Something clickable on a grid: an entry, a "more" link, an aggregate, a day."""

    rect: QRectF
    kind: str  # entry | more | day
    day: date
    entry: Entry | None = None
    # what a block stands for: its runs by status, its predictions by their kind's colour
    counts: Counter[str] = field(default_factory=Counter)
    planned: Counter[str] = field(default_factory=Counter)
    start: datetime | None = None  # a time grid's block: its time (its list opens there)
    hour: int | None = None  # a time grid's: the row of its start (its cursor's cell)


class CalendarGrid(QWidget):
    """Base of the month and time grids: data, hit areas, click/drag to signals."""

    entry_picked = Signal(object)
    block_picked = Signal(str)
    day_pointed = Signal(object)  # a date
    entry_activated = Signal(object)
    reschedule_requested = Signal(object, object)
    day_list_requested = Signal(object)
    day_requested = Signal(object)
    period_requested = Signal(object)  # a date

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data: CalendarData | None = None
        self.hits: list[Hit] = []
        self._dirty = True
        self._press: QPointF | None = None
        self._press_hit: Hit | None = None
        self._dragging = False
        # the selected entry's `entry_key`, or a block's `block_key`
        self.picked: tuple[object, ...] | None = None
        self._said: str | None = None  # the words of the block or cell said last
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # arrows pick, Enter opens

    def set_data(self, data: CalendarData | None) -> None:
        self.data = data
        self._dirty = True
        self.update()
        if data is not None:
            self.follow_cursor()

    def follow_cursor(self) -> None:
        """A read landed: the block or day the cursor is on said again if its words changed
        (its counts, or what a period reached with the keys holds, said “reading…” until
        then), unless an entry has been selected since."""
        if self._said is None or self.picked is None or self.picked[0] != "block":
            return
        self.ensure_layout()
        hit = self._picked_hit()
        words = f"{self.block_words(hit)} · {self.opens(hit)}" if hit is not None else None
        if words is not None and words != self._said:
            self.say(words)

    def cursor_day(self) -> date | None:
        """The day the keyboard is on (None: nowhere yet)."""
        if self.picked is not None and self.picked[0] == "block" and isinstance(
                self.picked[1], date):
            return self.picked[1]  # (a day of a period still being read, too)
        hit = self._picked_hit()
        return hit.day if hit is not None else None

    def say(self, words: str) -> None:
        """Say where the cursor is: the line under the grid and the grid's description
        (the view's), and — while the grid has the keyboard — an announcement for a screen
        reader that does not follow them (a read landing as the hour passed announced the
        cursor's cell over the task editor a person was typing in)."""
        self._said = words
        self.block_picked.emit(words)
        if self.hasFocus():
            QAccessible.updateAccessibility(QAccessibleAnnouncementEvent(self, words))

    def picked_entry(self) -> Entry | None:
        """The selected entry as last read, if it is still drawn as its own box."""
        self.ensure_layout()
        hit = self._picked_hit()
        return hit.entry if hit is not None else None

    def _picked_hit(self) -> Hit | None:
        if self.picked is None:
            return None
        if self.picked[0] == "block":
            blocks = self._blocks(self.picked[1])
            at = self.picked[2]
            return blocks[at] if isinstance(at, int) and 0 <= at < len(blocks) else None
        return self.hit_for(lambda e: entry_key(e) == self.picked)

    def stops(self) -> list[Hit]:
        """What the arrow keys step through, in reading order: the entries drawn and the
        blocks standing for many (a day, or a time from its top, then from the left)."""
        hits = [h for h in self.hits if h.kind == "more" or (
            h.kind == "entry" and h.entry is not None)]
        return sorted(hits, key=lambda h: (h.day, h.rect.top(), h.rect.left()))

    def block_key(self, hit: Hit) -> tuple[object, ...]:
        """What stays the same of a block across reads and resizes (the line under the grid
        takes room from it): its day, and which of the day's blocks it is."""
        at = next((i for i, h in enumerate(self._blocks(hit.day)) if h is hit), -1)
        return ("block", hit.day, at)

    def _blocks(self, day: object) -> list[Hit]:
        return [h for h in self.stops() if h.day == day and h.entry is None]

    def block_words(self, hit: Hit) -> str:
        """What a block stands for, in words (the selected line, its tooltip)."""
        raise NotImplementedError

    def opens(self, hit: Hit) -> str:
        """What opens a block's list, said after its words."""
        return "Enter or click to open the list"

    def pick(self, entry: Entry | None) -> None:
        """Select an entry (None: nothing), and say so."""
        self.picked = entry_key(entry) if entry is not None else None
        self.update()
        if entry is not None:
            self.entry_picked.emit(entry)

    def paint_picked(self, p: QPainter) -> None:
        """A frame in the highlight colour around the selected entry (thicker with focus)."""
        hit = self._picked_hit()
        if hit is None:
            return
        width = 3 if self.hasFocus() else 2
        p.setPen(QPen(self.palette().color(QPalette.ColorRole.Highlight), width))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(hit.rect.adjusted(-1, -1, 1, 1))

    def pick_block(self, hit: Hit) -> None:
        """Select a block (a busy day's count, an hour's or a cluster's), and say so."""
        self.day_pointed.emit(hit.day)
        self.say(f"{self.block_words(hit)} · {self.opens(hit)}")
        self.picked = self.block_key(hit)
        self.update()

    def step_to(self, stops: list[Hit], current: Hit | None, key: Qt.Key) -> Hit | None:
        """Where an arrow goes: Left/Up and Right/Down step through `stops` (the first or last
        when none is picked; at an end it stays); None: not an arrow, or nothing drawn."""
        step = {Qt.Key.Key_Right: 1, Qt.Key.Key_Down: 1, Qt.Key.Key_Left: -1,
                Qt.Key.Key_Up: -1}.get(key)
        if step is None or not stops:
            return None
        at = stops.index(current) + step if current in stops else (
            0 if step > 0 else len(stops) - 1)
        return stops[max(0, min(len(stops) - 1, at))]

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """The arrows step through what is drawn, entries and blocks (`step_to`); Enter
        opens the selected one (an entry's run or task editor, a block's list, as clicking
        it does); other keys go on (scrolling, shortcuts)."""
        self.ensure_layout()
        key = event.key()
        current = self._picked_hit()
        hit = self.step_to(self.stops(), current, Qt.Key(key))
        if hit is not None:
            if hit.entry is not None:
                self.pick(hit.entry)
            else:
                self.pick_block(hit)
            self.show_hit(hit)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and current is not None:
            if current.entry is not None:
                self.entry_activated.emit(current.entry)
            else:
                self.day_list_requested.emit(current.start or current.day)
        else:
            super().keyPressEvent(event)

    def show_hit(self, hit: Hit) -> None:
        """Bring a hit into view where the grid scrolls (the time grid's scroll area)."""
        self.show_rect(hit.rect)

    def show_rect(self, rect: QRectF) -> None:
        """Bring `rect` into view where the grid scrolls."""
        viewport = self.parentWidget()
        area = viewport.parentWidget() if viewport is not None else None
        if isinstance(area, QScrollArea):
            centre = rect.center()
            area.ensureVisible(int(centre.x()), int(centre.y()), 40, int(rect.height() / 2) + 20)

    def dark(self) -> bool:
        return is_dark(self.palette())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._dirty = True

    def _layout(self) -> None:
        """Compute the grid's geometry and hit areas (each grid its own)."""
        raise NotImplementedError

    def ensure_layout(self) -> None:
        """Lay the grid out again if its data or size changed since the last paint."""
        if self._dirty:
            self._layout()
            self._dirty = False

    def hit_at(self, pos: QPointF) -> Hit | None:
        for hit in reversed(self.hits):  # later ones are drawn on top
            if hit.rect.contains(pos):
                return hit
        return None

    def draggable(self, entry: Entry | None) -> bool:
        return (entry is not None and entry.one_shot and entry.predicted
                and self.data is not None and entry.start > self.data.now)

    # -- the mouse: each grid says where a drag points and what its drop means --------------

    def _drag_to(self, pos: QPointF, hit: Hit) -> None:
        """Follow a drag of `hit`'s entry to `pos` (what the grid paints while dragging)."""
        raise NotImplementedError

    def _dropped(self, hit: Hit) -> datetime | None:
        """The new start of the entry dragged from `hit`, or None when it did not move."""
        raise NotImplementedError

    def _end_drag(self) -> None:
        """Forget what the last drag pointed at."""
        raise NotImplementedError

    def _more_tip(self, hit: Hit) -> str:
        """The tooltip of a count or "+N more" that opens its day's list."""
        raise NotImplementedError

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position()
            self._press_hit = self.hit_at(self._press)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._press is None:
            hit = self.hit_at(pos)
            pointing = hit is not None and hit.kind in ("entry", "more")
            self.setCursor(Qt.CursorShape.PointingHandCursor if pointing
                           else Qt.CursorShape.ArrowCursor)
            return
        hit = self._press_hit
        far = (pos - self._press).manhattanLength() >= QApplication.startDragDistance()
        if not self._dragging and far and hit is not None and self.draggable(hit.entry):
            self._dragging = True
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        if self._dragging and hit is not None:
            self._drag_to(pos, hit)
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        hit = self._press_hit
        if self._dragging and hit is not None and hit.entry is not None:
            moved = self._dropped(hit)
            if moved is not None:
                self.reschedule_requested.emit(hit.entry, moved)
        elif self._press is not None and hit is not None and hit is self.hit_at(event.position()):
            if hit.kind == "entry":
                self.pick(hit.entry)
            elif hit.kind == "more":
                self.day_list_requested.emit(hit.start or hit.day)
        self._press = None
        self._press_hit = None
        self._dragging = False
        self._end_drag()
        self.setCursor(Qt.CursorShape.ArrowCursor)
        self.update()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        hit = self.hit_at(event.position())
        if hit is not None and hit.kind == "entry" and hit.entry is not None:
            self.pick(hit.entry)
            self.entry_activated.emit(hit.entry)
        elif hit is not None and hit.kind == "day":
            self.day_requested.emit(hit.day)

    def event(self, event: QEvent) -> bool:
        if (isinstance(event, QKeyEvent) and event.type() == QEvent.Type.ShortcutOverride
                and event.key() in OWN_KEYS and not event.modifiers()
                and self.cursor_day() is not None):
            event.accept()  # Page Up/Down move the cursor a period on, the period with it
            return True
        if isinstance(event, QHelpEvent) and event.type() == QEvent.Type.ToolTip:
            hit = self.hit_at(QPointF(event.pos()))
            if hit is not None and hit.entry is not None and self.data is not None:
                QToolTip.showText(event.globalPos(), tooltip(hit.entry, self.data.now), self)
            elif hit is not None and hit.kind == "more" and self.data is not None:
                QToolTip.showText(event.globalPos(), self._more_tip(hit), self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)

    def entries_shown(self) -> list[Entry]:
        """Entries drawn as their own boxes (tests)."""
        return [h.entry for h in self.hits if h.kind == "entry" and h.entry is not None]

    def hit_for(self, predicate: Any) -> Hit | None:
        """The first hit whose entry matches (tests)."""
        for hit in self.hits:
            if hit.entry is not None and predicate(hit.entry):
                return hit
        return None
