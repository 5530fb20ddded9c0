"""What the `Dispatcher` needs of the parts around it, as protocols.

The engine plugs in the real parts (`Writer`, `Timing`, `Executor`, `RunRecorder`, the
store's run history); `app.engine.simulated` plugs in a ledger in memory, timing on a
simulated clock and an executor that only records, so the same dispatcher can be played
forward in simulated time.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol

from app.core.rules import Fire
from app.engine.events import RunChanged
from app.engine.executor import Attempt, Outcome

Done = Callable[[Any, BaseException | None], None]


class Ledger(Protocol):
    """The writer: claims and writes, each `done(result, error)` after its commit."""

    waiting: Callable[[], int]  # how many runs wait for a worker (a backlog: fewer commits)

    def claim(self, row: tuple[Any, ...], done: Done) -> None: ...
    def submit(self, work: Callable[[], Any], done: Done | None = None) -> None: ...
    def next_run(self, task_id: int, next_run_at: str | None) -> None: ...
    def flush(self, timeout: float = 10.0) -> bool: ...
    def together(self) -> AbstractContextManager[Any]: ...


class Arming(Protocol):
    """The timing: jobs that fall due at a time (`t<task id>`, `r<run id>`)."""

    def arm(self, job_id: str, at: datetime) -> None: ...
    def disarm(self, job_id: str) -> None: ...
    def clear(self) -> None: ...
    def wakeup(self) -> None: ...


class Runner(Protocol):
    """The executor."""

    def start_many(self, attempts: list[Attempt]) -> None: ...


class Recording(Protocol):
    """The run recorder: what the dispatcher tells it of a run's end."""

    def forget(self, run_id: int) -> None: ...
    def final(self, attempt: Attempt, outcome: Outcome,
              said: Callable[[RunChanged], None] | None = None) -> None: ...
    def checkpoint_file(self, run_id: int, task_id: int, fire: datetime,
                        resume: Any) -> str | None: ...
    def collect_checkpoint(self, attempt: Attempt, outcome: Outcome,
                           retrying: bool) -> None: ...


class History(Protocol):
    """The runs before this engine's: what the dispatcher reads of the ledger."""

    def latest(self, task_id: int, ts: float) -> Fire | None:
        """A task's latest fire at or before `ts` in the ledger."""
        ...

    def chain_successes(self, task_id: int, ups: frozenset[int]) -> set[int]:
        """Upstreams of a chain task that succeeded since it last fired."""
        ...

    def checkpoint(self, task_id: int, fire: datetime) -> str | None:
        """The newest checkpoint saved by an attempt of this fire (JSON), or None."""
        ...
