"""The editor's look at a task's links to the others, as it is typed: the checks the service
makes on save (`app.core.references.check`: a name taken, an unknown or cyclic upstream or
fallback), against the other tasks read once off the GUI thread. Each set of links is looked
at once: with 10,000 tasks a look costs ~90 ms, and typing a command changes no link. The name
is also looked at alone (`check_name`), so a name taken is said while the rest of the task is
still being typed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from app.core import references
from app.core.errors import ValidationError
from app.core.references import Snapshot
from app.core.task import TaskSpec, validate_name


class _Last:
    """The answer of the last look, kept while what it looked at is unchanged."""

    def __init__(self) -> None:
        self.key: Any = None
        self.error: ValidationError | None = None
        self.known = False

    def check(self, key: Any, look: Callable[[], object]) -> None:
        if not self.known or self.key != key:
            try:
                look()
                self.error = None
            except ValidationError as exc:
                self.error = exc
            self.key, self.known = key, True
        if self.error is not None:
            raise self.error


class LinkCheck:
    def __init__(self) -> None:
        self.snapshot: Snapshot | None = None  # the other tasks, once read
        self._links = _Last()
        self._name = _Last()

    def set(self, snapshot: Snapshot) -> None:
        self.snapshot, self._links, self._name = snapshot, _Last(), _Last()

    def check(self, spec: TaskSpec, own: int | None) -> None:
        """ValidationError naming the field, as the service would (`own`: the id of the
        task edited; secrets are stored only on save, so not checked here)."""
        snapshot = self.snapshot
        if snapshot is None:
            return
        self._links.check((spec.name, spec.depends_on, spec.schedule.after, spec.fallback, own),
                          lambda: references.check(replace(
                              snapshot, secrets=set(spec.secret_env.values())), [(spec, own)]))

    def check_name(self, name: str, own: int | None) -> None:
        """ValidationError on "name" when `name` could not be stored: not a name, or taken
        by another task, ignoring letter case (a task keeps or recases its own; ~3.5 ms a
        look with 10,000 tasks)."""
        name = validate_name(name)
        snapshot = self.snapshot
        if snapshot is not None:
            self._name.check((name, own), lambda: references.check_name(snapshot, name, own))
