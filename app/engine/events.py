"""What the engine tells the world, as plain Python values.

The engine calls its listeners from its own threads; the GUI's bridge turns each event into
a queued Qt signal, so nothing here knows about Qt. A listener that raises is logged and
dropped from that one delivery; it never stops the engine (APScheduler's listener rule).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RunChanged:
    """A run entered a new status (the row is committed before this is sent), or, still
    `running`, saved a checkpoint (its row changed as a window shows it).

    `reason` is set when the status has one worth showing: why a run waits, why it was
    skipped, what it waited for.
    """

    run_id: int
    task_id: int
    task_name: str
    status: str
    at: datetime
    attempt: int = 1
    lateness_ms: float | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class RunOutput:
    """A chunk of a running task's output (also written to the store)."""

    run_id: int
    seq: int
    stream: str
    text: str


@dataclass(frozen=True, slots=True)
class Notification:
    """Something a person should hear about: a failure, or a success the task asked for."""

    # failure | success | rescued (a failure its fallback made good) | info | store (a fault
    # of the store; the engine logs it)
    kind: str
    title: str
    message: str
    run_id: int | None = None  # the run it is about: Open log shows it
    task_id: int | None = None
    # a fallback's sequel: the failed run whose failure notification this one takes the
    # place of (the bell keeps one entry for the two; a desktop bubble is replaced)
    replaces: int | None = None
    task: str | None = None  # the task's name (a storm's summary counts by it)


@dataclass(frozen=True, slots=True)
class EngineState:
    """running (fires tasks) | standby (another engine holds the store) | stopped."""

    state: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class MetricsSampled:
    at: datetime
    kind: str  # system | run
    values: dict[str, Any] = field(default_factory=dict)
    run_id: int | None = None


@dataclass(frozen=True, slots=True)
class TasksChanged:
    """Tasks changed outside this process (seen through the store) or by the engine."""

    task_ids: frozenset[int] = frozenset()
    everything: bool = False


Event = RunChanged | RunOutput | Notification | EngineState | MetricsSampled | TasksChanged
Listener = Callable[[Event], None]


class EventHub:
    """Fan-out of engine events to listeners, safe to call from any thread."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def subscribe(self, listener: Listener) -> None:
        with self._lock:
            self._listeners = [*self._listeners, listener]

    def unsubscribe(self, listener: Listener) -> None:
        with self._lock:
            self._listeners = [cb for cb in self._listeners if cb is not listener]

    def subscribed(self, listener: Listener) -> bool:
        return any(cb is listener for cb in self._listeners)

    def emit(self, event: Event) -> None:
        for listener in self._listeners:
            try:
                listener(event)
            except Exception:
                log.exception("engine listener %r failed on %r", listener, event)
