"""One writer thread that turns the engine's many small writes into group commits.

The run ledger's hot writes (claims, starts, ends, output, next fire times) are records in
typed buffers; the writer commits everything pending in one IMMEDIATE transaction, each
buffer as one multi-row statement: the fsync that makes the ledger durable is paid once per
batch, and one statement for a thousand rows beats a thousand statements (each SQLite call
hands the GIL away and must win it back). Rare writes are plain functions (`submit`; what
engine threads call is app/engine/write_queue.py). Under
a storm a commit begins at most every `GATHER` (4 ms), so its writes come together (at
100,000 fires a minute, 7,100 commits in 30 s where there were 20,000); with a backlog (100
runs or more queued, every worker busy: their starts wait for workers, not for commits) every 12 ms
(a burst of 10,000 commands: 370 commits, not 640; the engine's CPU 3 % less).

Within a batch the order is: functions, claims, starts, output, ends, next fire times.
That is safe because anything about a run is only submitted after its claim committed.
After the commit each record's callback runs on this thread, so callbacks see only durable
state (a claimed run is on disk before it starts). If a batch fails, it is rolled back and
replayed one record at a time, so one bad write fails alone.

Some failures are faults of the store, not of a write, and are never replayed: a full disk
(SQLITE_FULL) holds the batch and retries it with backoff (0.5 s doubling to 30 s) until it
commits, while new writes queue behind it; a PostgreSQL server that cannot be reached holds
it the same way, retried every second (each try is one connection attempt), and so does
another process's write lock held past SQLite's busy timeout (tried at once: a try waits);
a damaged file (SQLITE_CORRUPT) fails the batch. Each is reported once through
`on_fault(kind, detail, silent)` (`silent`: the server ended the session for its silence,
SQLSTATE 25P03; again as a server away turns into one refusing the password, or back), its
end through `on_fault(None, "", False)`, so the engine can stop firing and say so. Nothing
in a held batch is lost: a transaction the server dropped committed nothing, and the whole
batch is tried again; what is still held as the writer stops is said once, handed to `left`.

On a shared PostgreSQL store the leading engine's writer carries its fencing epoch
(`lead(epoch)`, app/store/leader.py) into every transaction. When the database refuses a
batch because another engine leads now, the batch is dropped — the new leader owns those
runs — and so is everything written after it under the same epoch, without a try; it is said
once through `on_fenced(detail)`, and the engine steps down. A later `lead(new epoch)`
writes again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from app.engine.clock import WALL, Clock
from app.engine.write_queue import Done, Pending, WriteQueue
from app.store import connection, ledger
from app.store.integrity import (
    BUSY,
    CORRUPT,
    FULL,
    UNREACHABLE,
    StoreGone,
    ended_silent,
    find_fault,
)
from app.store.leader import FencedOff, is_fenced
from app.store.location import password_refused

log = logging.getLogger(__name__)

GATHER = 0.004  # seconds: under a storm, a commit begins at most this often (see `_loop`)
BACKLOG, GATHER_BACKLOG = 100, 0.012  # runs waiting to start; then a commit at most this often
RETRY_FIRST = 0.5  # seconds before the first retry of a batch the store could not take
RETRY_MAX = 30.0
RETRY_AWAY = 1.0  # seconds between tries while a PostgreSQL server cannot be reached
HELD = (FULL, UNREACHABLE, BUSY)  # faults that hold a batch until it commits
Fault = Callable[[str | None, str, bool], None]


class Writer(WriteQueue):
    def __init__(self, name: str = "tickwork-writer", on_fault: Fault | None = None,
                 clock: Clock = WALL, left: Callable[..., None] | None = None) -> None:
        super().__init__()
        self.clock = clock
        self._stopping = False
        self._stopped = threading.Event()  # wakes a backoff wait at stop
        self._began = -GATHER  # time.monotonic() when the last commit began
        self.waiting: Callable[[], int] = lambda: 0  # runs waiting for a worker (the dispatcher's)
        self.on_fault = on_fault
        self.on_fenced: Callable[[str], None] | None = None  # said once per deposed epoch
        # whether the store's file is not the one the engine opened (the store thread's
        # `swapped`: a file copied over it): a batch is never committed into its log then
        self.swapped: Callable[[], bool] = lambda: False
        self.epoch: int | None = None  # the fencing epoch of a shared store's leader
        self._fenced_epoch: int | None = None  # the epoch the database refused
        self.dropped = 0  # writes dropped because the database fenced this engine off
        self.fault: str | None = None  # FULL or UNREACHABLE while a batch waits, CORRUPT
        self._refused = False  # UNREACHABLE as the server refused the password
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._unwritten: list[Pending] = []  # given up at stop, the store failing: said once,
        self._unwritten_why, self.left = "", left  # runs' ends, output, starts to `left`
        self.batches, self.ops, self.max_batch_seconds = 0, 0, 0.0

    def start(self) -> None:
        self._thread.start()

    def lead(self, epoch: int | None) -> None:
        """Write as the leader of `epoch` from the next batch on (None: unfenced)."""
        self.epoch = epoch

    def fence_off(self) -> None:
        """The engine stepped down: drop every write of its term from now on."""
        if self.epoch is not None:
            self._fenced_epoch = self.epoch

    @property
    def fenced(self) -> bool:
        """The database refused this writer's epoch: its writes are dropped until `lead`."""
        return self.epoch is not None and self._fenced_epoch == self.epoch

    def stop(self, timeout: float = 10.0) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify()
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    # -- the writer thread --------------------------------------------------------------------

    def _loop(self) -> None:
        connection.open_now()  # (the file it writes, wherever its home is moved to)
        while True:
            with self._cond:
                while not len(self._batch) and not self._stopping:
                    self._cond.wait()
            gather = GATHER_BACKLOG if self.waiting() >= BACKLOG else GATHER  # (a storm:
            if (wait := self._began + gather - time.monotonic()) > 0:  # gather its writes)
                self._stopped.wait(wait)
            self._began = time.monotonic()
            with self._cond:
                if not len(self._batch) and self._stopping:
                    break
                batch, self._batch = self._batch, Pending()
            self._commit(batch)
        if self._unwritten:
            log.error("the store still cannot be written at stop: %d writes were not "
                      "committed (%s)", sum(map(len, self._unwritten)), self._unwritten_why)
            if self.left is not None:
                self.left([r for b in self._unwritten for r, _ in b.finals],
                          [r for b in self._unwritten for r in b.outputs],
                          [r for b in self._unwritten for r, _ in b.starts])
        connection.close()  # this thread's connection

    def _commit(self, batch: Pending) -> None:
        started = time.perf_counter()
        if self.fenced:
            self._drop(batch, None)
            return
        if self.swapped():  # (not into another file's log: the store thread says why)
            self._abandon(batch, StoreGone("the store's file was replaced under the engine"))
            return
        tried = self.epoch
        try:
            results, claimed = self._transact(batch)
        except Exception as exc:
            if isinstance(exc, StoreGone):  # (its file replaced under it: never written,
                self._abandon(batch, exc)  # the engine stopping for it says so)
                return
            if is_fenced(exc):
                if self._retakes(tried):
                    self._commit(batch)  # this engine took its lease back meanwhile
                else:
                    self._drop(batch, exc)
                return
            fault = find_fault(exc)
            if fault is None:
                log.warning("group commit of %d writes failed; replaying one by one",
                            len(batch), exc_info=True)
                self._replay(batch)
                return
            kind, err = fault
            if kind == CORRUPT:
                self._report(CORRUPT, str(err))
                self._abandon(batch, exc)
                return
            held = self._hold(batch, kind, str(err), ended_silent(exc))
            if held is None:
                return
            results, claimed = held
        self.batches += 1
        self.ops += len(batch)
        self.max_batch_seconds = max(self.max_batch_seconds, time.perf_counter() - started)
        for (_work, done), result in zip(batch.calls, results, strict=True):
            _call(done, result, None)
        for (_row, done), run_id in zip(batch.claims, claimed, strict=True):
            _call(done, run_id, None)
        for _row, after in batch.starts:
            _call(after)
        for _row, after in batch.finals:
            _call(after)

    def _transact(self, batch: Pending) -> tuple[list[Any], list[Any]]:
        results: list[Any] = []
        with connection.write_batch(self.epoch):
            for work, _done in batch.calls:
                results.append(work())
            claimed = ledger.claim_many([row for row, _ in batch.claims])
            ledger.start_many([row for row, _ in batch.starts])
            ledger.output_many(batch.outputs)
            ledger.finish_many([row for row, _ in batch.finals])
            ledger.set_next_many(list(batch.next_runs.items()))
        return results, claimed

    def _hold(self, batch: Pending, kind: str, detail: str, silent: bool
              ) -> tuple[list[Any], list[Any]] | None:
        """A held fault (full: backoff; away: every second; locked: at once): retry the batch
        until it commits (its results), or until the writer stops (None, the batch failed)."""
        self._report(kind, detail, silent)
        delay = RETRY_FIRST
        while True:
            wait = RETRY_AWAY if kind == UNREACHABLE else 0.0 if kind == BUSY else delay
            stopping = self.clock.wait(self._stopped, wait)
            delay = min(delay * 2, RETRY_MAX)
            tried = self.epoch
            try:
                connection.end_transaction()
                out = self._transact(batch)
            except Exception as exc:
                if is_fenced(exc):  # back, and another engine leads now
                    self._report(None, "")
                    if self._retakes(tried):
                        self._commit(batch)
                    else:
                        self._drop(batch, exc)
                    return None
                fault = find_fault(exc)
                if fault is None:  # the store takes writes again; this batch has a bad one
                    self._report(None, "")
                    self._replay(batch)
                    return None
                if fault[0] in HELD and not stopping:  # (said once: only a change of kind)
                    kind = fault[0]
                    self._report(kind, str(fault[1]), ended_silent(exc))
                    continue
                if fault[0] == CORRUPT:
                    self._report(CORRUPT, str(fault[1]))
                else:  # said once, as the thread ends
                    self._unwritten.append(batch)
                    self._unwritten_why = (str(fault[1]).strip().splitlines() or [""])[0]
                self._abandon(batch, exc)
                return None
            self._report(None, "")
            return out

    def _report(self, kind: str | None, detail: str, silent: bool = False) -> None:
        refused = kind == UNREACHABLE and password_refused(detail)
        if kind == self.fault and refused == self._refused:
            return
        self.fault, self._refused = kind, refused
        if self.on_fault is not None:
            try:
                self.on_fault(kind, detail, silent)
            except Exception:
                log.exception("writer fault listener failed")

    def _retakes(self, tried: int | None) -> bool:
        """A batch refused under epoch `tried` may go again: the engine took its lease back
        with nobody leading between (a newer epoch, and no step-down)."""
        if tried is None or self.epoch == tried or self._fenced_epoch == tried:
            return False
        connection.end_transaction()
        return True

    def _drop(self, batch: Pending, error: BaseException | None) -> None:
        """The database fenced this writer off (`error`, the first time): drop the batch,
        its callers hear `FencedOff`; say it once."""
        connection.end_transaction()
        self.dropped += len(batch)
        epoch = self.epoch
        if self._fenced_epoch != epoch:
            self._fenced_epoch = epoch
            detail = (str(error).strip().splitlines() or [""])[0] if error else "fenced off"
            log.warning("the store refused this engine's writes (%s): dropping them", detail)
            if self.on_fenced is not None:
                try:
                    self.on_fenced(detail)
                except Exception:
                    log.exception("writer fenced-off listener failed")
        self._abandon(batch, FencedOff(f"another engine leads the store (epoch {epoch} is "
                                       "over)"))

    def _abandon(self, batch: Pending, error: BaseException) -> None:
        """A batch that will never commit: its callers hear the error (nothing else runs)."""
        for _work, done in batch.calls:
            _call(done, None, error)
        for _row, claim_done in batch.claims:
            _call(claim_done, None, error)

    def _replay(self, batch: Pending) -> None:
        def one(work: Callable[[], Any], done: Done | None) -> None:
            if self.fenced:
                _call(done, None, FencedOff("another engine leads the store"))
                return
            try:
                with connection.write_batch(self.epoch):
                    result = work()
            except Exception as exc:
                if is_fenced(exc):
                    self._drop(Pending(), exc)
                    _call(done, None, exc)
                    return
                fault = find_fault(exc)
                if fault is not None:
                    log.error("engine write failed: %s", fault[1])
                    if fault[0] == CORRUPT:
                        self._report(CORRUPT, str(fault[1]))
                else:
                    log.error("engine write failed: %s", exc, exc_info=True)
                _call(done, None, exc)
            else:
                _call(done, result, None)

        for work, done in batch.calls:
            one(work, done)
        for row, claim_done in batch.claims:
            one(lambda row=row: ledger.claim_many([row])[0], claim_done)  # type: ignore[misc]
        for start, after in batch.starts:
            one(partial(ledger.start_many, [start]), None)
            _call(after)
        for out in batch.outputs:
            one(partial(ledger.output_many, [out]), None)
        for final, after in batch.finals:
            one(partial(ledger.finish_many, [final]), None)
            _call(after)
        for item in batch.next_runs.items():
            one(partial(ledger.set_next_many, [item]), None)


def _call(callback: Callable[..., Any] | None, *args: Any) -> None:
    """A record's callback after its commit (`done(result, error)`, or `after()`): one that
    fails is logged, the writer goes on."""
    try:
        if callback is not None:
            callback(*args)
    except Exception:
        log.exception("writer callback failed")
