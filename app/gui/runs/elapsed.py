"""A running run's Duration: its time so far, moving on once a second while one is shown
(the Runs table's rows and the run's details), idle otherwise."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from app.core.run import Run
from app.gui.qt import QObject, QTimer
from app.gui.widgets import display

ELAPSED_MS = 1000  # how often a running run's time so far moves on


def going(run: Run) -> bool:
    """A run whose Duration is its time so far: running, not ended."""
    return run.status == "running" and run.started_at is not None and run.finished_at is None


class Elapsed(QObject):
    """Says a running run's time so far and calls `tick` each second while one was said;
    the owner stops it (`stop`) once it shows none."""

    def __init__(self, tick: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)  # (tests set it)
        self._timer = QTimer(self)
        self._timer.setInterval(ELAPSED_MS)
        self._timer.timeout.connect(tick)

    def text(self, run: Run) -> str | None:
        """'12 s' for a running run (the ticks go on), None for any other."""
        if not going(run):
            return None
        assert run.started_at is not None
        if not self._timer.isActive():
            self._timer.start()
        return display.so_far(run.started_at, self.now())

    def stop(self) -> None:
        self._timer.stop()

    @property
    def ticking(self) -> bool:
        return self._timer.isActive()
