"""One writer thread that turns the engine's many small writes into group commits.

Engine threads submit operations (plain functions that run SQL through `app.store.ledger`);
the writer runs every pending operation in one IMMEDIATE transaction and commits once, so
the fsync that makes the ledger durable (`synchronous=FULL`) is paid once per batch rather
than once per row. After the commit it calls each operation's callback with its result: a
callback therefore only ever sees durable state (a claimed run is on disk before it starts).

If a batch fails, the writer rolls it back and replays the operations one transaction each,
so one bad operation fails alone and its callback gets the exception.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.store.models import db

log = logging.getLogger(__name__)

MAX_BATCH = 10_000


@dataclass(slots=True)
class _Op:
    work: Callable[[], Any]
    done: Callable[[Any, BaseException | None], None] | None


class Writer:
    def __init__(self, name: str = "tickwork-writer") -> None:
        self._pending: deque[_Op] = deque()
        self._cond = threading.Condition()
        self._stopping = False
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self.batches = 0
        self.ops = 0
        self.max_batch_seconds = 0.0

    def start(self) -> None:
        self._thread.start()

    def submit(self, work: Callable[[], Any],
               done: Callable[[Any, BaseException | None], None] | None = None) -> None:
        """Queue `work`; `done(result, error)` runs on the writer thread after the commit."""
        with self._cond:
            if self._stopping and not self._thread.is_alive():
                raise RuntimeError("writer stopped")
            self._pending.append(_Op(work, done))
            self._cond.notify()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything submitted so far is committed."""
        event = threading.Event()
        self.submit(lambda: None, lambda _r, _e: event.set())
        return event.wait(timeout)

    def stop(self, timeout: float = 10.0) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify()
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def backlog(self) -> int:
        return len(self._pending)

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._stopping:
                    self._cond.wait()
                if not self._pending and self._stopping:
                    break
                batch = [self._pending.popleft()
                         for _ in range(min(len(self._pending), MAX_BATCH))]
            self._commit(batch)
        if not db.is_closed():
            db.close()  # this thread's connection

    def _commit(self, batch: list[_Op]) -> None:
        started = time.perf_counter()
        results: list[Any] = []
        try:
            with db.atomic("IMMEDIATE"):
                for op in batch:
                    results.append(op.work())
        except Exception:
            log.warning("group commit of %d operations failed; replaying one by one",
                        len(batch), exc_info=True)
            self._replay(batch)
            return
        self.batches += 1
        self.ops += len(batch)
        self.max_batch_seconds = max(self.max_batch_seconds, time.perf_counter() - started)
        for op, result in zip(batch, results, strict=True):
            self._call(op, result, None)

    def _replay(self, batch: list[_Op]) -> None:
        for op in batch:
            try:
                with db.atomic("IMMEDIATE"):
                    result = op.work()
            except Exception as exc:
                log.error("engine write failed: %s", exc, exc_info=True)
                self._call(op, None, exc)
            else:
                self._call(op, result, None)

    @staticmethod
    def _call(op: _Op, result: Any, error: BaseException | None) -> None:
        if op.done is None:
            return
        try:
            op.done(result, error)
        except Exception:
            log.exception("writer callback failed")
