"""The editor's look at a task's action on this machine as it is typed: the check the service
makes on save (`app.preflight.verify_change`: the program on PATH or an executable file, a
relative one counted from the working folder; the module found; the folder and the shell
program there), run off the GUI thread (it touches the file system) once typing pauses.

A look answers for one action and PATH; while the person types on, the answer for what they
typed before is not shown, and a newer look follows as soon as the running one is done.

Signals:
    checked(): a look finished; `error_for` now answers for what it looked at.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app import preflight
from app.core.errors import EnvironmentCheckError
from app.core.task import Action, TaskSpec
from app.gui.background import Background
from app.gui.qt import QObject, QTimer, Signal
from app.preflight import EnginePath

PAUSE_MS = 300  # typing paused this long: look

Key = tuple[Action, str | None]  # the action and the task's PATH


class MachineCheck(QObject):
    checked = Signal()

    def __init__(self, background: Background, before: TaskSpec | None,
                 engine: Callable[[], EnginePath | None], parent: QObject | None = None
                 ) -> None:
        """`before`: the stored task edited (its action kept as it is is not looked at, as
        the service does not); None for a new task. `engine`: the PATH the engine running
        the home's tasks has, when it is another process's (`preflight.engine_path`)."""
        super().__init__(parent)
        self.background = background
        self.before = before
        self.engine = engine
        self._wanted: Key | None = None
        self._answer: tuple[Key, EnvironmentCheckError | None] | None = None
        self._looking = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PAUSE_MS)
        self._timer.timeout.connect(self._on_timer_timeout)

    @property
    def busy(self) -> bool:
        """Is a look due or under way?"""
        return self._looking or self._timer.isActive()

    def error_for(self, action: Action, path: str | None) -> EnvironmentCheckError | None:
        """What the last look found wrong with this action (None: nothing, or not looked at
        yet: a look is then due once typing pauses)."""
        key = (action, path)
        if self._answer is not None and self._answer[0] == key:
            return self._answer[1]
        if key != self._wanted:
            self._wanted = key
            self._timer.start()
        return None

    def _on_timer_timeout(self) -> None:
        if self._looking or self._wanted is None:
            return  # the look under way is followed by one for what is wanted now
        key, before = self._wanted, self.before
        self._looking = True

        def look() -> EnvironmentCheckError | None:
            try:
                preflight.verify_change(key[0], key[1], before, self.engine())
            except EnvironmentCheckError as exc:
                return exc
            return None

        self.background.run(look, lambda error: self._on_looked(key, error),
                            self._on_look_failed, owner=self,
                            title="Cannot check the action")

    def _on_looked(self, key: Key, error: Any) -> None:
        self._looking = False
        self._answer = (key, error)
        if key != self._wanted:
            self._timer.start()
        self.checked.emit()

    def _on_look_failed(self, error: BaseException) -> None:
        self._looking = False
        self.background.report("Cannot check the action", error)
