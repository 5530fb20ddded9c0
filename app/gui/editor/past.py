"""Which one-shot times the editor refuses as past, as the service does on save: a new task's,
and an edited task's where its timing changed — but not those of a one-shot that has run,
which are its history, not a time to come (app/core/edits.py). Which have run is read off
the GUI thread as the editor opens or reloads.

Signals:
    read(): which one-shots have run is known; the form is checked again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.core.edits import checked_spec
from app.core.task import Task, TaskSpec
from app.gui.background import Background
from app.gui.qt import QObject, Signal
from app.service import Service
from app.store import task_queries

TIMING_KEYS = ("schedule", "start_at", "end_at", "timezone")


def one_shots_run(service: Service, task: Task) -> frozenset[datetime]:
    with service.store.read():
        return task_queries.one_shots_run(task)


class PastCheck(QObject):
    read = Signal()

    def __init__(self, background: Background, service: Service,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.background, self.service = background, service
        self.before: TaskSpec | None = None  # the stored task edited; None for a new one
        self.fired: frozenset[datetime] = frozenset()

    def edit(self, task: Task) -> None:
        """Check the form as an edit of `task` (as stored now)."""
        self.before, self.fired = task.spec, frozenset()
        if any(part.kind == "date" for part in task.spec.schedule.each):
            self.background.run(lambda: one_shots_run(self.service, task), self._on_read,
                                owner=self, title="Cannot read the task's runs")

    def _on_read(self, fired: frozenset[datetime]) -> None:
        self.fired = fired
        self.read.emit()

    def spec(self, data: dict[str, Any], now: datetime) -> TaskSpec:
        """The form's task, refused as the service refuses it (`checked_spec`)."""
        before = self.before.to_json() if self.before is not None else None
        check_past = before is None or any(data.get(k) != before.get(k) for k in TIMING_KEYS)
        return checked_spec(data, now, check_past, self.before, self.fired)
