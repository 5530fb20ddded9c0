"""Where a task's runs execute (`runs_on`): `local` — the engine's own worker processes, the
default — or `celery` / `celery:QUEUE` — a Celery worker (`tickwork worker --queue QUEUE`)
reached through the broker. One rule, read by the task spec, the CLI and the editor."""

from __future__ import annotations

import re
from typing import Final, Protocol

from app.core.errors import ValidationError

LOCAL: Final = "local"
CELERY: Final = "celery"
DEFAULT_QUEUE: Final = "tickwork"  # the queue of a bare `celery`
_QUEUE = re.compile(r"[A-Za-z0-9_.\-]{1,64}")


def parse_runs_on(value: object, field: str = "runs_on") -> str:
    """`local`, `celery` or `celery:QUEUE`, normalised; ValidationError naming `field`."""
    if value is None:
        return LOCAL
    if not isinstance(value, str):
        raise ValidationError(field, "must be 'local', 'celery' or 'celery:QUEUE'")
    text = value.strip()
    if text in (LOCAL, CELERY):
        return text
    kind, sep, queue = text.partition(":")
    if kind == CELERY and sep:
        if not _QUEUE.fullmatch(queue):
            raise ValidationError(field, f"queue {queue!r}: use letters, digits, '.', '_' or "
                                  "'-' (at most 64)")
        return text
    raise ValidationError(field, f"must be 'local', 'celery' or 'celery:QUEUE', got {text!r}")


def celery_queue(runs_on: str) -> str | None:
    """The Celery queue a task's runs go to, or None for a task that runs locally."""
    if runs_on == LOCAL:
        return None
    _kind, _sep, queue = runs_on.partition(":")
    return queue or DEFAULT_QUEUE


class _Action(Protocol):
    @property
    def kind(self) -> str: ...


class _Spec(Protocol):  # (a TaskSpec: app.core.task imports this module)
    @property
    def action(self) -> _Action: ...
    @property
    def runs_on(self) -> str: ...


def runs_here(spec: _Spec, kind: str) -> bool:
    """A task whose action is of `kind` ("command", "python") and
    runs in this engine's own workers: what the engine warms workers or launchers for."""
    return spec.action.kind == kind and spec.runs_on == LOCAL
