"""The editor's look at a task's links to the others, as it is typed: the checks the service
makes on save (`app.core.references.check`: a name taken, an unknown or cyclic upstream or
fallback), against the other tasks read once off the GUI thread. Each set of links is looked
at once: with 10,000 tasks a look costs ~90 ms, and typing a command changes no link."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from app.core import references
from app.core.errors import ValidationError
from app.core.references import Snapshot
from app.core.task import TaskSpec


class LinkCheck:
    def __init__(self) -> None:
        self.snapshot: Snapshot | None = None  # the other tasks, once read
        self._last: tuple[Any, ValidationError | None] | None = None

    def set(self, snapshot: Snapshot) -> None:
        self.snapshot, self._last = snapshot, None

    def check(self, spec: TaskSpec, own: int | None) -> None:
        """ValidationError naming the field, as the service would (`own`: the id of the
        task edited; secrets are stored only on save, so not checked here)."""
        if self.snapshot is None:
            return
        key = (spec.name, spec.depends_on, spec.schedule.after, spec.fallback, own)
        if self._last is None or self._last[0] != key:
            try:
                references.check(replace(self.snapshot, secrets=set(spec.secret_env.values())),
                                 [(spec, own)])
                self._last = (key, None)
            except ValidationError as exc:
                self._last = (key, exc)
        if self._last[1] is not None:
            raise self._last[1]
