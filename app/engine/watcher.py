"""The store thread: reads for the dispatcher, and notices what changed outside the engine.

One thread, one job each tick:
- runs read jobs the dispatcher hands it (loading tasks about to fall due, re-reading tasks
  that changed), so the dispatcher never waits on bulk SQL;
- asks the dispatcher to refill the horizon every `REFILL` seconds, except while the engine
  is quiet (nothing falls due within the horizon plus a second, no run goes, waits in line or
  waits on upstreams): then a refill would find nothing;
- notices other processes' commits. While the engine is quiet it rests: it sleeps until the
  write-ahead log is written (inotify, app/platform/file_writes.py: every commit writes to
  it; the looks follow once the commit can be seen, `_heard`), the home's bell is rung, a
  job or a dispatcher step wakes it, the horizon's head comes near, or a look for a clock
  jump is due — an idle engine wakes once every `CLOCK_CHECK` seconds (each wake-up of a
  sleeping thread costs 0.1–0.4 ms of CPU on a small VM, whatever it does). A task's edit, a
  manual run or a cancel request rings the bell after its commit (app/store/bell.py): the
  thread looks at once, resting or busy — busy, it waits on the bell (not on the log, which
  the engine's own writer keeps writing) between its polls, so a `tickwork task run` starts
  ~5 ms after its commit, not at the next poll (up to 250 ms; `python -m
  benchmarks.run_now`), and a `tickwork task pause` stops its fires as soon. A ring
  makes the look a poll makes, no other read. A request from this process needs no bell:
  the engine hears its service (`read_runs`). Busy, and where inotify is missing or on
  PostgreSQL (which has no bell), it polls every `POLL` seconds
  (`QUIET_POLL` while quiet): a `stat` of the write-ahead log (a few microseconds), and when
  it moved — or at least every `LOOK` seconds, in case a commit left its size and its
  coarse mtime as they were — `PRAGMA data_version` (a read transaction's locks: ~100 µs on
  a cold cache). When that changed, another connection (the CLI, a second GUI) committed,
  so it reads the audit events since the last look to find the tasks that changed, and the
  runs that need attention (manual runs nobody took, cancel requests) when events came
  (every manual run and cancel request commits with its audit event) or `ATTENTION` seconds
  have passed: the engine's own writer commits many times a second, and that read visits
  every active run (70,000 queued in a backlog at 300,000 fires a minute: ~10 ms each look);
- looks for a wall-clock jump every `CLOCK_CHECK` seconds (`check_clock`, on this thread: a
  jump it sees is handled on the dispatcher; the dispatcher also looks at every batch of
  fires and every tick, and a quiet engine has neither): app/engine/jumps.py.

`pace` scales the polling periods (`POLL`, `QUIET_POLL`, `LOOK`, `CLOCK_CHECK`,
`ATTENTION`): below 1 the engine notices other processes' commits and clock jumps sooner, for
a little more idle CPU (tests use 0.1).
"""

from __future__ import annotations

import logging
import os
import queue
import selectors
import threading
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

from app.engine.clock import WALL, Clock
from app.platform.file_writes import FileWrites
from app.store import audit_log, bell, connection, integrity, task_queries
from app.store import runs as run_store
from app.store.database import Store
from app.store.replaced import StoreFile

log = logging.getLogger("tickwork.engine")

POLL = 0.25  # seconds between looks at the store for other processes' changes
QUIET_POLL = 0.5  # ... while the engine is quiet and cannot rest (no inotify, PostgreSQL)
LOOK = 2.0  # ... asking SQLite itself at least this often (else only when the WAL moved)
REFILL = 0.05  # seconds between refills of the horizon while fires are near (none when quiet)
ATTENTION = 5.0  # seconds between reads of the runs needing attention when no event came
CLOCK_CHECK = 2.0  # seconds between looks for a wall-clock jump (at least)
SETTLE = 0.02  # seconds from a write to the log heard while resting to the first look

RunRows = list[run_store.RunState]  # (id, status, engine, cancel requested)


class StoreWatcher:
    """Calls back on the dispatcher (through `post`) with what it found."""

    def __init__(self, store: Store, stop: threading.Event,
                 post: Callable[[Callable[[], None]], None], *,
                 tick: Callable[[], None],
                 tasks_changed: Callable[[set[int], set[str]], None],
                 runs_seen: Callable[[RunRows], None],
                 check_clock: Callable[[], None],
                 quiet: Callable[[], float] = lambda: 0.0,
                 store_fault: Callable[[BaseException], bool] = lambda _exc: False,
                 clock: Clock = WALL, pace: float = 1.0, rest: bool = True) -> None:
        self.clock = clock
        self._poll, self._quiet_poll, self._look = POLL * pace, QUIET_POLL * pace, LOOK * pace
        self._clock_check, self._attention = CLOCK_CHECK * pace, ATTENTION * pace
        self.store = store
        self._store_fault = store_fault  # True when an error was a fault of the store
        self._quiet = quiet  # seconds nothing falls due (0: busy): refill less often, rest
        self._stop = stop
        self._post = post
        self._tick = tick
        self._tasks_changed = tasks_changed
        self._runs_seen = runs_seen
        self._check_clock = check_clock  # (on this thread)
        self._jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self.audit_mark = 0  # the newest audit event already looked at
        self._attention_at = float("-inf")  # monotonic time of the last needing_attention
        self._owed = False  # a look passed over it: read it once ATTENTION has passed
        self._wal = f"{store.path}-wal"
        self._rests = rest and store.url is None  # (a server's commits leave no file)
        self.resting = False  # asleep until the log is written or a job or look is due
        self._asleep = False  # in a wait that a job's knock ends (a rest, or busy on the bell)
        self._ready: set[int] = set()  # the descriptors that ended the last wait
        self._pipe: tuple[int, int] | None = None  # the pipe that wakes a wait
        self.wakes = 0  # turns of the loop (an idle engine's cost is its wake-ups)
        self._again: dict[float, float] = {}  # delay -> when: the looks owed after a write
        self._stirred = False  # a dispatcher step ended since this turn read `quiet`
        self._pipe_lock = threading.Lock()  # (a knock never writes into a closed descriptor)
        self._files: dict[str, tuple[int, int] | None] | None = None  # -wal, -shm as opened
        self._file: StoreFile | None = None  # the store's file as opened: held, stamped

    def submit(self, job: Callable[[], None]) -> None:
        """Run `job` on the store thread (it posts its result back itself)."""
        self._jobs.put(job)
        if self._asleep:
            self._knock()

    def wake(self) -> None:
        """Wake the thread from its wait, so that a stop is seen at once."""
        self.submit(lambda: None)

    def stir(self) -> None:
        """Dispatcher thread, after each step: the step may have brought a fire near or made
        a run wait on upstreams, so a rest ends, and one about to begin does not."""
        self._stirred = True
        if self.resting:
            self._knock()

    def _knock(self) -> None:
        with self._pipe_lock:
            if self._pipe is not None:
                with suppress(OSError):  # (full: it was knocked on already)
                    os.write(self._pipe[1], b"\0")

    def read_runs(self, run_ids: set[int] | None) -> None:
        """Look at some runs (all active ones when None) and report them to `runs_seen`."""
        def read() -> None:
            with self.store.read():
                rows = run_store.states(run_ids)
            self._post(lambda: self._runs_seen(rows))
        self.submit(read)

    def run(self) -> None:
        self._hold_file()  # (before the log is watched: the stamp's write wakes nobody)
        writes = FileWrites.open(Path(self._wal)) if self._rests else None
        rung = FileWrites.open(bell.path(self.store.home)) if self._rests else None
        rests, waits = selectors.DefaultSelector(), selectors.DefaultSelector()
        if writes is not None or rung is not None:
            self._pipe = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
            for sel in (rests, waits):
                sel.register(self._pipe[0], selectors.EVENT_READ)
        if writes is not None:
            rests.register(writes.fd, selectors.EVENT_READ)
        if rung is not None:  # (busy, it waits on the bell alone: not on its own commits)
            for sel in (rests, waits):
                sel.register(rung.fd, selectors.EVENT_READ)
        try:
            self._loop(writes, rung, rests, waits)
        finally:
            rests.close()
            waits.close()
            with self._pipe_lock:
                pipe, self._pipe = self._pipe, None
            for fd in pipe or ():
                os.close(fd)
            for watch in (writes, rung):
                if watch is not None:
                    watch.close()
            connection.close()

    def _loop(self, writes: FileWrites | None, rung: FileWrites | None,
              rests: selectors.BaseSelector, waits: selectors.BaseSelector) -> None:
        last_version = None
        last_refill = last_poll = last_look = 0.0
        last_wal: tuple[int, int, int] | None = None
        last_clock = self.clock.monotonic()
        quiet = 0.0
        while not self._stop.is_set():
            now_mono = self.clock.monotonic()
            # while quiet (nothing due within the horizon, no run going or waiting) a refill
            # has nothing to do: the thread rests, or wakes only to poll the store
            rest = writes is not None and quiet > 0
            if rest:
                wait = min(quiet, last_clock + self._clock_check - now_mono, self._owed_in(),
                           min(self._again.values(), default=now_mono + quiet) - now_mono)
                job = self._wait(rests, max(wait, 0.0), resting=True)
            else:
                poll = self._quiet_poll if quiet else self._poll
                due = last_poll + poll if quiet else min(last_refill + REFILL, last_poll + poll)
                wait = min(max(due - now_mono, 0.005), poll)
                job = self._next(wait) if rung is None else self._wait(waits, wait)
            self.wakes += 1
            try:
                if job is not None:
                    job()
                now_mono = self.clock.monotonic()
                self._stirred = False  # (before the read: a step ending after it stirs again)
                quiet = self._quiet()
                if now_mono - last_refill >= REFILL and not quiet:
                    last_refill = now_mono
                    self._post(self._tick)
                # the bell: a change of tasks or runs committed (app/store/bell.py)
                rang = rung is not None and rung.fd in self._ready and rung.drain()
                if rest:  # a write heard, or the 2-second look (as a poll's, whatever was heard)
                    look = self._heard(writes, now_mono) or (
                        now_mono - last_clock >= self._clock_check)
                else:
                    look = now_mono - last_poll >= (self._quiet_poll if quiet else self._poll)
                if look or rang:
                    last_poll = now_mono
                    if self._file is not None and self._file.overwritten():
                        self._check_files()  # (a file copied over the store's: it stops)
                    wal = self._wal_signature()  # taken before the look: a commit after
                    # it changes the next one
                    if (rest or rang or wal is None or wal != last_wal
                            or now_mono - last_look >= self._look):
                        last_wal, last_look = wal, now_mono
                        version = self.store.data_version()
                        if version != last_version:
                            if last_version is not None:
                                self._poll_changes()
                            last_version = version
                self._owed_attention()
                if now_mono - last_clock >= self._clock_check:
                    last_clock = now_mono
                    self._check_clock()
                    self._check_files()
            except Exception as exc:
                if self._store_fault(self._moved() or exc):
                    self._stop.wait(1.0)  # the engine is handling it: no retry loop
                else:
                    log.exception("store thread step failed")

    def _moved(self) -> Exception | None:
        """A step failed: the store's files moved, if that is why (a home moved as the
        engine started, before this thread's first connection: each step's connection
        failed "unable to open database file", a traceback each, and the look that sees
        the files moved, which comes after the step's reads, never came)."""
        try:
            self._check_files()
        except Exception as exc:  # (FilesMoved; or why the files cannot be looked at)
            return exc if isinstance(exc, integrity.FilesMoved) else None
        return None

    def swapped(self) -> bool:
        """Any thread: whether the store's file is not the one the engine opened any more
        (replaced, deleted, overwritten), which an error calling it damaged may be only a
        sign of; if so this thread is asked to look now (and keeps its files apart)."""
        held = self._file
        if held is None or not held.differs():
            return False
        if held.found is None:  # (not said yet)
            self.submit(self._check_files)
        return True

    def _hold_file(self) -> None:
        """The store's files as this thread's connection opens them, and the store's file
        held and stamped (app/store/replaced.py), as the thread starts; a stamp that fails
        (a full disk) is tried again at each look, where its failure is met."""
        if self.store.url is not None:
            return
        self._files = {**integrity.sidecars(self.store.path), "": self.store.file}
        self._file = StoreFile.open(self.store)
        if not self._file.differs():
            with suppress(Exception):
                self._file.stamp()

    def _check_files(self) -> None:
        """The store's file, its `-wal` and `-shm` are still the files this thread's
        connection opened (taken at the first look, its connection open since); else a fault
        of the store that stops the engine (`integrity.moved`), its commits checkpointed
        first: its last connection to close may have opened the new `-wal`. A command beside
        it said "created task 6" twice and kept neither, or called the store damaged and said
        to restore a backup; with a folder in the file's place the engine wrote on to the file
        moved away, and this step failed with a traceback every 2 s. The store's file itself
        replaced (a backup copied or moved over it) or deleted is its own fault, its files
        kept apart (app/store/replaced.py). Then the home and the files are private still
        (`Store.keep_private`), and the store carries this engine's stamp."""
        if self.store.url is not None:
            return
        if self._files is None:  # (the home already gone by then is seen too: a run's
            self._files = {**integrity.sidecars(self.store.path),  # command went on for ever)
                           "": self.store.file}  # (the file opened, not the one there now)
        moved = integrity.moved(self.store.path, self._files)
        if not isinstance(moved, integrity.HomeMoved) and self._file is not None:
            moved = self._file.replaced(self._files) or moved
        if isinstance(moved, integrity.StoreReplaced):
            raise moved  # (nothing of its log may be folded into the file there now)
        if moved is not None:
            try:  # what the engine committed, into the database file before it stops
                connection.checkpoint()
            except Exception as exc:  # (a home moved whole took its write-ahead log along,
                log.log(logging.INFO if isinstance(moved, integrity.HomeMoved)  # with them)
                        else logging.ERROR, "the engine's commits could not be put into %s: "
                        "%s", self.store.path, exc)
            raise moved
        self.store.keep_private()
        if self._file is not None and self._file.mark is None:
            self._file.stamp()  # (at the first look; tried again while the store is full)

    def _next(self, wait: float) -> Callable[[], None] | None:
        try:
            return self._jobs.get(timeout=wait)
        except queue.Empty:
            return None

    def _wait(self, sel: selectors.BaseSelector, wait: float, *,
              resting: bool = False) -> Callable[[], None] | None:
        """Sleep until a job comes (`submit` knocks while `_asleep`), a descriptor of `sel`
        is readable (the log written, the bell rung) or `wait` seconds pass; the job, if
        any. `resting`: a rest, which a dispatcher step also ends (`stir`)."""
        self._ready = set()
        self._asleep = True  # (before the look at the queue: a job put after it knocks)
        self.resting = resting
        try:
            if self._jobs.empty() and not (resting and self._stirred):
                self._ready = {key.fd for key, _mask in sel.select(wait)}
                if self._pipe is not None:
                    with suppress(BlockingIOError):
                        os.read(self._pipe[0], 4096)
        finally:
            self._asleep = self.resting = False
        try:
            return self._jobs.get_nowait()
        except queue.Empty:
            return None

    def _heard(self, writes: FileWrites | None, now: float) -> bool:
        """Resting: whether a write heard calls for a look now. A commit's first write to
        the log wakes the thread, but the commit is visible only once the log is synced and
        its index updated (0.4–8 ms later here; no file event says so): looks follow
        `SETTLE` and `POLL` seconds after the write, and the look every `CLOCK_CHECK`
        seconds catches a slower sync. A look owed is never put off by later writes (a
        stream of them would put it off for good). Old news after busy turns costs one."""
        if writes is not None and writes.drain():
            for delay in (SETTLE, self._poll):
                self._again.setdefault(delay, now + delay)
        due = [delay for delay, at in self._again.items() if at <= now]
        for delay in due:
            del self._again[delay]
        return bool(due)

    def _owed_in(self) -> float:
        """Seconds until an owed read of the runs needing attention is due (inf: none)."""
        if not self._owed:
            return float("inf")
        return self._attention_at + self._attention - self.clock.monotonic()

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
