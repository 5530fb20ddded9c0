"""What the engine's threads hand the writer (app/engine/writer.py): the run ledger's hot
writes as records in typed buffers (claims, starts, output, ends, next fire times) and rare
writes as plain functions, gathered in one `Pending` until the writer's thread takes it for
its next commit. Each call returns at once; a record's callback runs after its commit."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

Done = Callable[[Any, BaseException | None], None]


@dataclass(slots=True)
class Pending:
    """The writes of the next commit, in the order it makes them."""

    calls: list[tuple[Callable[[], Any], Done | None]] = field(default_factory=list)
    claims: list[tuple[tuple[Any, ...], Done]] = field(default_factory=list)
    starts: list[tuple[tuple[int, str, float, int | None, float | None],
                       Callable[[], None] | None]] = field(default_factory=list)
    outputs: list[tuple[int, int, str, str, str]] = field(default_factory=list)
    finals: list[tuple[tuple[int, str, str, int | None, str | None],
                       Callable[[], None] | None]] = field(default_factory=list)
    next_runs: dict[int, str | None] = field(default_factory=dict)

    def __len__(self) -> int:
        return (len(self.calls) + len(self.claims) + len(self.starts) + len(self.outputs)
                + len(self.finals) + len(self.next_runs))


class WriteQueue:
    """The writer's side that engine threads call (any thread)."""

    def __init__(self) -> None:
        self._batch = Pending()
        self._cond = threading.Condition()

    def submit(self, work: Callable[[], Any], done: Done | None = None) -> None:
        """Queue a function; `done(result, error)` runs on the writer thread after commit."""
        with self._cond:
            self._batch.calls.append((work, done))
            self._cond.notify()

    def claim(self, row: tuple[Any, ...], done: Done) -> None:
        """Queue a ledger claim (`ledger.claim_many` row); `done(run_id or None, error)`."""
        with self._cond:
            self._batch.claims.append((row, done))
            self._cond.notify()

    def started(self, run_id: int, started_at: str, lateness_ms: float,
                after: Callable[[], None] | None = None, *, pgid: int | None = None,
                leader_created: float | None = None) -> None:
        """Queue a run's start: `running`, with its process group and the leader's start
        time when it is a command (committed together, so no `running` row lacks them)."""
        with self._cond:
            self._batch.starts.append(
                ((run_id, started_at, lateness_ms, pgid, leader_created), after))
            self._cond.notify()

    def output(self, run_id: int, seq: int, stream: str, text: str, at: str) -> None:
        with self._cond:
            self._batch.outputs.append((run_id, seq, stream, text, at))
            self._cond.notify()

    def finished(self, run_id: int, status: str, finished_at: str, exit_code: int | None,
                 error: str | None, after: Callable[[], None] | None = None) -> None:
        with self._cond:
            self._batch.finals.append(((run_id, status, finished_at, exit_code, error), after))
            self._cond.notify()

    def next_run(self, task_id: int, next_run_at: str | None) -> None:
        """Record a task's next fire; later values for the same task replace earlier ones."""
        with self._cond:
            self._batch.next_runs[task_id] = next_run_at
            self._cond.notify()

    def together(self) -> AbstractContextManager[Any]:
        """What is queued inside goes into one commit: the writer takes no batch meanwhile
        (an attempt's end and the retry or fallback it claims — two commits, and a kill -9
        between them lost the claim for good)."""
        return self._cond

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything submitted so far is committed."""
        event = threading.Event()
        self.submit(lambda: None, lambda _r, _e: event.set())
        return event.wait(timeout)

    @property
    def backlog(self) -> int:
        return len(self._batch)
