"""The store thread: reads for the dispatcher, and notices what changed outside the engine.

One thread, one job each tick:
- runs read jobs the dispatcher hands it (loading tasks about to fall due, re-reading tasks
  that changed), so the dispatcher never waits on bulk SQL;
- asks the dispatcher to refill the horizon every `REFILL` seconds, except while the engine
  is quiet (nothing falls due within the horizon plus a second, no run waits on upstreams):
  then a refill would find nothing, and an idle engine wakes only to poll;
- polls for other processes' commits every `POLL` seconds (`QUIET_POLL` while quiet): a
  `stat` of the write-ahead log (a few microseconds; every commit writes to it), and when
  it moved — or at least every
  `LOOK` seconds, in case a commit left its size and its coarse mtime as they were —
  `PRAGMA data_version` (a read transaction's locks: ~100 µs on a cold cache). When that
  changed, another connection (the CLI, a second GUI) committed, so it reads the audit
  events since the last look to find the tasks that changed, and the runs that need
  attention (manual runs nobody took, cancel requests) when events came (every manual run
  and cancel request commits with its audit event) or `ATTENTION` seconds have passed:
  the engine's own writer commits many times a second, and that read visits every active
  run (70,000 queued in a backlog at 300,000 fires a minute: ~10 ms each look);
- asks the dispatcher to look for a wall-clock jump every `CLOCK_CHECK` seconds (it looks
  at every batch of fires and every tick too; a quiet engine has neither): app/engine/jumps.py.

`pace` scales the polling periods (`POLL`, `QUIET_POLL`, `LOOK`, `CLOCK_CHECK`,
`ATTENTION`): below 1 the engine notices other processes' commits and clock jumps sooner, for
a little more idle CPU (tests use 0.1).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Callable

from app.engine.clock import WALL, Clock
from app.store import audit_log, connection, task_queries
from app.store import runs as run_store
from app.store.database import Store

log = logging.getLogger("tickwork.engine")

POLL = 0.25  # seconds between looks at the store for other processes' changes
QUIET_POLL = 0.5  # ... while the engine is quiet (an idle engine wakes twice a second)
LOOK = 2.0  # ... asking SQLite itself at least this often (else only when the WAL moved)
REFILL = 0.05  # seconds between refills of the horizon while fires are near (none when quiet)
ATTENTION = 5.0  # seconds between reads of the runs needing attention when no event came
CLOCK_CHECK = 2.0  # seconds between looks for a wall-clock jump (at least)

RunRows = list[run_store.RunState]  # (id, status, engine, cancel requested)


class StoreWatcher:
    """Calls back on the dispatcher (through `post`) with what it found."""

    def __init__(self, store: Store, stop: threading.Event,
                 post: Callable[[Callable[[], None]], None], *,
                 tick: Callable[[], None],
                 tasks_changed: Callable[[set[int], set[str]], None],
                 runs_seen: Callable[[RunRows], None],
                 check_clock: Callable[[], None],
                 quiet: Callable[[], bool] = lambda: False,
                 store_fault: Callable[[BaseException], bool] = lambda _exc: False,
                 clock: Clock = WALL, pace: float = 1.0) -> None:
        self.clock = clock
        self._poll, self._quiet_poll, self._look = POLL * pace, QUIET_POLL * pace, LOOK * pace
        self._clock_check, self._attention = CLOCK_CHECK * pace, ATTENTION * pace
        self.store = store
        self._store_fault = store_fault  # True when an error was a fault of the store
        self._quiet = quiet  # True while nothing falls due soon: refill less often
        self._stop = stop
        self._post = post
        self._tick = tick
        self._tasks_changed = tasks_changed
        self._runs_seen = runs_seen
        self._check_clock = check_clock  # (on the dispatcher)
        self._jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self.audit_mark = 0  # the newest audit event already looked at
        self._attention_at = float("-inf")  # monotonic time of the last needing_attention
        self._owed = False  # a look passed over it: read it once ATTENTION has passed
        self._wal = f"{store.path}-wal"

    def submit(self, job: Callable[[], None]) -> None:
        """Run `job` on the store thread (it posts its result back itself)."""
        self._jobs.put(job)

    def wake(self) -> None:
        """Wake the thread from its wait, so that a stop is seen at once."""
        self._jobs.put(lambda: None)

    def read_runs(self, run_ids: set[int] | None) -> None:
        """Look at some runs (all active ones when None) and report them to `runs_seen`."""
        def read() -> None:
            with self.store.read():
                rows = run_store.states(run_ids)
            self._post(lambda: self._runs_seen(rows))
        self.submit(read)

    def run(self) -> None:
        last_version = None
        last_refill = last_poll = last_look = 0.0
        last_wal: tuple[int, int, int] | None = None
        last_clock = self.clock.monotonic()
        quiet = False
        while not self._stop.is_set():
            # while quiet (nothing due within the horizon, no run waiting on upstreams) a
            # refill has nothing to do: the thread wakes only to poll the store
            poll = self._quiet_poll if quiet else self._poll
            due = last_poll + poll if quiet else min(last_refill + REFILL, last_poll + poll)
            wait = min(max(due - self.clock.monotonic(), 0.005), poll)
            try:
                job = self._jobs.get(timeout=wait)
            except queue.Empty:
                job = None
            try:
                if job is not None:
                    job()
                now_mono = self.clock.monotonic()
                quiet = self._quiet()
                if now_mono - last_refill >= REFILL and not quiet:
                    last_refill = now_mono
                    self._post(self._tick)
                if now_mono - last_poll >= (self._quiet_poll if quiet else self._poll):
                    last_poll = now_mono
                    wal = self._wal_signature()  # taken before the look: a commit after
                    # it changes the next one
                    if wal is None or wal != last_wal or now_mono - last_look >= self._look:
                        last_wal, last_look = wal, now_mono
                        version = self.store.data_version()
                        if version != last_version:
                            if last_version is not None:
                                self._poll_changes()
                            last_version = version
                    self._owed_attention()
                if now_mono - last_clock >= self._clock_check:
                    last_clock = now_mono
                    self._post(self._check_clock)
            except Exception as exc:
                if self._store_fault(exc):
                    self._stop.wait(1.0)  # the engine is handling it: no retry loop
                else:
                    log.exception("store thread step failed")
        connection.close()

    def _wal_signature(self) -> tuple[int, int, int] | None:
        """The write-ahead log's (inode, size, mtime): every commit writes to it, so while it
        stands still nobody committed (None when it cannot be read: look at the store)."""
        try:
            st = os.stat(self._wal)
        except OSError:
            return None
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    def _needing_attention(self, events: bool) -> RunRows:
        """The runs needing attention, read when audit events came (a manual run or a cancel
        request commits with its event), else owed until `ATTENTION` seconds have passed."""
        now = self.clock.monotonic()
        if not events and now - self._attention_at < self._attention:
            self._owed = True
            return []
        self._attention_at, self._owed = now, False
        return run_store.needing_attention()

    def _owed_attention(self) -> None:
        """A look passed over the runs needing attention: read them once `ATTENTION` seconds
        have passed since the last read, whether or not anything committed since."""
        if self._owed and self.clock.monotonic() - self._attention_at >= self._attention:
            with self.store.read():
                rows = self._needing_attention(True)
            if rows:
                self._post(lambda: self._runs_seen(rows))

    def _poll_changes(self) -> None:
        """Another connection committed: find task edits, manual runs and cancel requests."""
        with self.store.read():
            events = audit_log.changes_after(self.audit_mark)
            names: set[str] = set()
            for ev_id, action, target, before in events:
                self.audit_mark = ev_id
                if action.startswith("task") and target:
                    names.add(target)
                    if isinstance(before, dict) and before.get("name"):
                        names.add(before["name"])
            changed = task_queries.ids_named(names) if names else set()
            rows = self._needing_attention(bool(events))
        if changed or names:
            self._post(lambda: self._tasks_changed(changed, names))
        if rows:
            self._post(lambda: self._runs_seen(rows))
