"""What is selected in the calendar: one entry (a run or a predicted fire), the same in the
month and the week (switching modes keeps it), said in the line under the grid; its task is
what the task actions act on. A block of many (a busy day's count, an hour's) is the grids'
own pick: it names no task.

Signals:
    changed(): another entry was selected, or none.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.core.task import Task
from app.gui.calendar.footer import PickedLine
from app.gui.calendar.model import Entry
from app.gui.calendar.paint import CalendarGrid
from app.gui.calendar.words import entry_key
from app.gui.qt import QObject, Signal


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

    def tasks(self) -> list[tuple[int, Task | None]]:
        """The selected entry's task, for the task actions."""
        return [(self.entry.task_id, None)] if self.entry is not None else []
