"""What is selected in the calendar: one entry (a run or a predicted fire), the same in the
month and the week (switching modes keeps it), said in the line under the grid; its task is
what the task actions act on. A block of many (a busy day's count, an hour's) is the grids'
own pick: it names no task.

The selection follows what is read: a read that lands puts it on the entry as read now (a
run that ended reads so in the line), and drops it once the entry is gone from a day that
lists everything it holds (its task deleted, a prediction whose time passed); a task deleted
in this window drops it at once, wherever it is listed. The line said “Selected: friday
evening: planned at …” of a task deleted a moment before.

Signals:
    changed(): another entry was selected, or none.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.core.task import Task
from app.gui.calendar.footer import PickedLine
from app.gui.calendar.model import CalendarData, Entry
from app.gui.calendar.paint import CalendarGrid
from app.gui.calendar.words import entry_key
from app.gui.qt import QObject, Signal
from app.service import Change


class Picking(QObject):
    """The selected entry of a calendar's grids, and its line."""

    changed = Signal()

    def __init__(self, grids: Sequence[CalendarGrid], line: PickedLine,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.grids = tuple(grids)
        self.line = line
        self.entry: Entry | None = None

    def pick(self, entry: Entry | None) -> None:
        """Select an entry (None: nothing) in every grid, and say what it is."""
        self.entry = entry
        for grid in self.grids:
            grid.picked = entry_key(entry) if entry is not None else None
            grid.update()
        self.line.show_entry(entry)
        self.changed.emit()

    def pick_block(self, words: str, source: CalendarGrid) -> None:
        """`source` selected a block or a cell (its own pick), said in `words`: no entry is
        selected any more, and the line says the block, in one change. The grids used to
        unselect first and say after: the line hid, so the grid's description went out over
        AT-SPI without the cell, then with it, and Orca spoke the period before each cell."""
        self.entry = None
        for grid in self.grids:
            if grid is not source:
                grid.picked = None
                grid.update()
        self.line.show_block(words)
        self.changed.emit()

    def tasks(self) -> list[tuple[int, Task | None]]:
        """The selected entry's task, for the task actions."""
        return [(self.entry.task_id, None)] if self.entry is not None else []

    def follow(self, data: CalendarData) -> None:
        """A whole read landed: the selected entry as read now, or nothing once it is gone
        from a day that lists all it holds (a busy day listing only some of its entries may
        hold it unlisted: it stays)."""
        entry = self.entry
        if entry is None or not data.complete:
            return
        day = data.days.get(entry.start.astimezone().date())
        if day is None:  # another period (its change drops the selection itself)
            return
        key = entry_key(entry)
        now = next((e for e in day.entries if entry_key(e) == key), None)
        if now is not None:
            if now != entry:
                self.pick(now)
        elif len(day.entries) >= day.total:
            self.pick(None)

    def on_service_change(self, change: Change) -> None:
        """A task deleted here: its entry is selected no more."""
        if self.entry is not None and self.entry.task_id in change.deleted_tasks:
            self.pick(None)
