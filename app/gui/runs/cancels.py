"""The Runs view's cancels: Cancel in the detail asks the service, and the status bar hears
that it was asked, then how the run ended — once, however the end is heard (this window's
engine's events, or a viewer's re-read row).

Signals:
    message(str): the cancel's outcome, for the status bar.
"""

from __future__ import annotations

from collections.abc import Callable

from app.core.run import Run
from app.core.task import FINISHED_STATUSES
from app.engine.events import RunChanged
from app.gui.background import Background
from app.gui.qt import QObject, Signal
from app.gui.widgets import display
from app.service import Service


class Cancels(QObject):
    message = Signal(str)

    def __init__(self, service: Service, background: Background,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.background = background
        self._cancelling: set[int] = set()  # runs whose cancel was asked, until they end

    def request(self, run_id: int) -> None:
        """Cancel through the service; say it was asked, then how it ended."""
        service = self.service
        self._cancelling.add(run_id)

        def done(run: Run) -> None:
            if run.status in FINISHED_STATUSES:
                self._say_ended(run.id, run.task_name, run.status)
            elif run.id in self._cancelling:  # not ended meanwhile
                self.message.emit(f"Run {run.id} of {run.task_name}: cancel requested.")

        def failed(error: BaseException) -> None:
            self._cancelling.discard(run_id)
            self.background.report("Cannot cancel the run", error)

        self.background.run(lambda: service.cancel_run(run_id), done, failed, owner=self,
                            title="Cannot cancel the run")

    def on_rows_changed(self, run_of: Callable[[int], Run | None]) -> None:
        """Rows were read again: a viewer hears a cancelled run's end this way."""
        for run_id in list(self._cancelling):
            ended = run_of(run_id)
            if ended is not None and ended.status in FINISHED_STATUSES:
                self._say_ended(run_id, ended.task_name, ended.status)

    def on_runs_changed(self, events: list[RunChanged]) -> None:
        if not self._cancelling:  # (every run's change comes here: thousands a second)
            return
        for event in events:
            if event.run_id in self._cancelling and event.status in FINISHED_STATUSES:
                self._say_ended(event.run_id, event.task_name, event.status)

    def _say_ended(self, run_id: int, task_name: str, status: str) -> None:
        """The cancel's "requested" gives way to how the run ended (once)."""
        if run_id in self._cancelling:
            self._cancelling.discard(run_id)
            self.message.emit(f"Run {run_id} of {task_name}: {display.status_words(status)}.")
