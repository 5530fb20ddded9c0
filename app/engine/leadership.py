"""Which engine fires: the standby's tries for the store's lock, the leader's renewals of it,
and the leader stepping down when the lock or the database says another engine leads.

With an SQLite store the lock is a file lock (app/store/lock.py): held until this process
dies, so a standby only polls it and, once it has it, leads for good. With a shared
PostgreSQL store it is a lease (app/store/leader.py) that this thread renews about every
second; the epoch taken with it goes into every write of the engine's writer.

A leader whose lease lapses (a renewal failed, or it went unproven longer than the lease:
the process was stopped, or its server or network is away) is *suspended*: it fires nothing
new and tries to take the lease again. If it gets it back and nobody led in between (the
epoch it finds is its own), it goes on — a restart of the server costs a pause, not its
running commands. If another engine holds the lease, or led meanwhile, or the database
refuses the writer's epoch, it steps down: the dispatcher claims and starts nothing, the
armed fires are dropped, its running attempts are stopped (their ends cannot be recorded:
the new leader's start-up recovery marks those runs interrupted and retries them by policy)
and the writer drops what it held. That is said once (log, `EngineState` standby, a
notification; the new leader audits `engine.fenced_off`). It is then a standby that may win
the lease again once its last attempt is gone; the dispatcher's parts are built afresh and
start-up recovery runs as at a first start.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Protocol
from urllib.parse import urlsplit

from app.engine import recovery
from app.engine.events import Notification
from app.engine.faults import EngineParts, StoreFaults
from app.store.integrity import BUSY, find_fault
from app.store.leader import LEASE
from app.store.lock import EngineLease, restoring

log = logging.getLogger("tickwork.engine")

RENEW = 1.0  # seconds between renewals of a lease (scaled by the engine's pace)
# seconds since its last renewal after which a leader fires and starts nothing until it has
# proved its lease again: the process may have been stopped (SIGSTOP, a suspended VM) past
# the lease, and a standby may lead now; the server ends a silent session after LEASE
UNPROVEN = LEASE * 2 / 3
FENCED_REASON = "this engine was fenced off: another engine leads the store"


class LeaderParts(EngineParts, Protocol):
    """What leading asks of the engine, beyond what its fault handling does."""

    id: str

    @property
    def lock(self) -> EngineLease: ...
    @property
    def faults(self) -> StoreFaults: ...
    def activate(self) -> None: ...
    def rewire(self) -> None: ...


class Leadership:
    """The engine's claim to lead its store; `start`, then its thread does the rest."""

    def __init__(self, engine: LeaderParts, stop: threading.Event, *, poll: float,
                 pace: float) -> None:
        self.engine = engine
        self._stop = stop
        # a lease's connection idles between tries at most a third of the lease (the server
        # ends an idle one at the lease's end)
        self._poll = min(poll, LEASE / 3) if engine.lock.leases else poll
        self._renew = min(RENEW * pace, LEASE / 3)
        self.led = False  # this engine has led (its threads run)
        self.deposed = False  # it stepped down: fire nothing until it leads again
        self.suspended = False  # its lease lapsed: fire nothing until it is retaken
        self.steps_down = 0
        self._away = False  # the store's server could not be asked (said once)
        self._mutex = threading.Lock()
        self._proven = engine.clock.monotonic()  # when a renewal last proved the lease

    @property
    def leading(self) -> bool:
        return self.led and not self.deposed and not self.suspended

    @property
    def paused(self) -> bool:
        """Fire and start nothing: the engine led, and does not now — or cannot tell that it
        still does (a lease unproven for `UNPROVEN` seconds), which suspends it as a lapse
        does until a renewal proves it (asked on the dispatcher's thread before it fires,
        retries or starts a run)."""
        if self.deposed or self.suspended:
            return True
        if (self.led and self.engine.lock.leases
                and self.engine.clock.monotonic() - self._proven > UNPROVEN):
            self._lapse(f"went unproven for over {UNPROVEN:.0f} s (the process was stopped, "
                        "or could not renew it)")
            return True
        return False

    def start(self) -> str:
        """Lead if the store's lock is free, else wait as a standby; returns the state."""
        engine = self.engine
        try:
            won = engine.lock.try_acquire(engine.id)
        except Exception as exc:  # the thread below tries again
            if (refused := self._refused(exc)) is not None:
                return refused
            self._away = True
            won = False
            if (fault := find_fault(exc)) is not None and fault[0] != BUSY:  # the server is
                # away: said once, as an outage
                engine.faults.unreachable(str(exc))
                engine.set_state("stalled", engine.faults.why)
            else:  # (a write lock not had in time, say)
                log.warning("could not take the lead of %s yet (%s): waiting as a standby",
                            engine.store.name, self._first_line(exc))
                engine.set_state("standby", "could not take the lead yet")
        if won:
            self._lead()
        elif not self._away:
            engine.lock.stand_by()
            engine.set_state("standby", self.holder_text())
        if engine.lock.leases or not self.led:
            thread = threading.Thread(target=self._run, name="tickwork-leader", daemon=True)
            thread.start()
        return engine.state

    def _refused(self, exc: BaseException) -> str | None:
        """A lock file in the home that cannot be opened (a folder in its place, another
        user's file) is no passing fault: a standby waited for ever while nothing ran and
        nobody was told. The engine stops, saying so (`tickwork engine` exits with it)."""
        from app.platform.config_files import NotAFile

        engine = self.engine
        if engine.lock.leases or not isinstance(exc, NotAFile | NotADirectoryError
                                                     | PermissionError):
            return None  # (a full disk, no file handles left: passing, tried again)
        path = getattr(engine.lock, "path", "engine.lock")
        what = (f"is {exc.what}" if isinstance(exc, NotAFile)
                else f"cannot be opened ({exc.strerror or exc})")
        engine.faults.lock_refused = True  # (`tickwork engine` exits with its own status)
        engine.faults.halt(f"{path} {what}: Tickwork keeps its engine lock there, a file its "
                           "user can write; nothing runs until it is put right (move it away: "
                           "the engine makes the file as it starts)",
                           "Tickwork stopped: it cannot take its engine lock")
        engine.set_state("stopped", engine.faults.fatal or "")
        return engine.state

    def holder_text(self) -> str:
        """Who holds the store, in words: `engine E on host H leads since T` on a shared
        store, else the file lock's pid."""
        try:
            holder = self.engine.lock.holder() or {}
        except Exception as exc:  # the store's server may be away
            log.debug("cannot read who leads: %s", exc)
            holder = {}
        return describe(holder)

    def _first_line(self, exc: BaseException) -> str:
        """An error's first line, the store URL's password (if any) blanked out."""
        text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        password = urlsplit(self.engine.store.url or "").password
        return text.replace(password, "***") if password else text

    def leading_text(self) -> str:
        """`leading since T (epoch N)` while this engine leads a shared store, else ''."""
        info = self.engine.lock.info if self.leading else {}
        since = info.get("since")
        if not isinstance(since, int | float):
            return ""
        return f"leading since {local_time(since)} (epoch {info.get('epoch')})"

    def fenced_off(self, detail: str) -> None:
        """Writer thread: the database refused this engine's epoch."""
        self.step_down(f"the store refused its writes ({detail})")

    def step_down(self, why: str) -> None:
        """Stop firing at once and become a standby (any thread; said once)."""
        engine = self.engine
        with self._mutex:
            if not self.led or self.deposed:
                return
            engine.writer.fence_off()
            epoch = engine.lock.epoch
            # Let go before `deposed` is set: the leader thread, seeing it, tries to lead
            # again, and a lease still held then counted as taken afresh — it led on at the
            # stale epoch, and was fenced off a second time (a fresh-clone flake).
            if engine.lock.held:
                engine.lock.release()
            self.deposed, self.suspended = True, False
            self.steps_down += 1
            engine.post(self._stand_down)  # queued before any restart of a new term
        leader = self.holder_text()
        log.error("%s (%s; epoch %s): firing stopped, its running commands are stopped; "
                  "now a standby (%s)", FENCED_REASON, why, epoch, leader)
        engine.hub.emit(Notification(
            "store", "Tickwork: another engine leads this store",
            f"This engine was fenced off ({why}); {leader}. It fires nothing and takes over "
            "again only if that engine stops."))
        engine.set_state("standby", f"fenced off; {leader}")

    def _stand_down(self) -> None:
        """Dispatcher: claim and start nothing more, drop the armed fires, stop attempts."""
        d = self.engine.dispatcher
        d.stopping = True
        self.engine.horizon.disarm_all()
        for attempt in d.running():
            attempt.cancel(FENCED_REASON, "interrupted")

    def _run(self) -> None:
        engine = self.engine
        while not engine.clock.wait(self._stop, self._renew if self.leading else self._poll):
            if self.leading or (self.suspended and engine.lock.held):
                if not engine.lock.leases or self._renewed():
                    if self.suspended:  # its session never ended: nobody else could lead
                        self._retook(self.steps_down)
                    continue
                self._lapse()
            if self.deposed and engine.dispatcher.running_count():
                continue  # its last attempts are still stopping
            steps = self.steps_down
            try:
                won = engine.lock.try_acquire(engine.id)
            except Exception as exc:  # the store's server away: said once, tried again
                if not self._away:
                    self._away = True
                    log.warning("cannot ask %s who leads it (%s): retrying",
                                engine.store.name, self._first_line(exc))
                continue
            was_away, self._away = self._away, False
            if not won:
                engine.lock.stand_by()
                if self.suspended:
                    self.step_down("another engine holds its lease now")
                elif was_away and not self.led:  # the server is back: say who leads
                    engine.set_state("standby", self.holder_text())
                continue
            if self.suspended:
                if engine.lock.continued:
                    self._retook(steps)
                else:
                    self.step_down("another engine led the store while its lease lapsed")
                continue
            log.warning("the engine that held the store is gone: taking over%s",
                        f" (epoch {engine.lock.epoch})" if engine.lock.epoch else "")
            if self._lead(steps) and not engine.lock.leases:
                return

    def _renewed(self) -> bool:
        """Renew the lease; True (and proven from before the renewal was sent) if it stands."""
        before = self.engine.clock.monotonic()
        if not self.engine.lock.renew():
            return False
        self._proven = before
        return True

    def _lapse(self, how: str = f"lapsed (its session ended: silent for over {LEASE:.0f} s, "
                                 "or its connection failed)") -> None:
        """The lease lapsed: fire nothing new until it is retaken (or another leads)."""
        engine = self.engine
        with self._mutex:
            if not self.leading:
                return
            self.suspended = True
        log.warning("this engine's lease on the store %s: firing paused while it retakes it",
                    how)
        engine.post(engine.horizon.disarm_all)
        if engine.state == "running":
            engine.set_state("stalled", "lost its lease on the store: retaking it")

    def _current(self, steps: int | None) -> bool:
        """Under the mutex: no step-down came since the leader thread counted `steps` before
        it won the lease (one would have let that lease go again)."""
        return steps is None or (self.steps_down == steps and self.engine.lock.held)

    def _retook(self, steps: int) -> None:
        """The lease is back and nobody led meanwhile: fire again, catching up."""
        engine = self.engine
        with self._mutex:
            if not self._current(steps):
                return
            engine.writer.lead(engine.lock.epoch)
            self._proven = engine.clock.monotonic()
            self.suspended = False
        log.warning("this engine holds its lease again (epoch %s): firing again",
                    engine.lock.epoch)

        outage = engine.faults.down  # seen now: its end catches up, named for the outage

        def catch_up() -> None:  # (while the store is away, its return catches up)
            if not outage and not engine.faults.down:
                recovery.redo_due(engine.store, engine.dispatcher,
                                  "after this engine's lease lapsed")
        engine.post(catch_up)
        if engine.state == "stalled" and not engine.faults.down:
            engine.set_state("running", engine.workers_said)

    def _lead(self, steps: int | None = None) -> bool:
        """Lead (first at start, or again after a step-down); False when a step-down came
        between the leader thread's winning the lease and this (the lease is gone again)."""
        engine = self.engine
        done = threading.Event()

        def restart() -> None:  # dispatcher: fresh parts, start-up recovery as at start
            try:
                engine.rewire()
                engine.faults.reset()
                engine.faults.start_up()
            finally:
                done.set()
        with self._mutex:
            if not self._current(steps):
                return False
            engine.writer.lead(engine.lock.epoch)
            self._proven = engine.clock.monotonic()
            again, self.led, self.deposed = self.led, True, False
            if again:
                engine.post(restart)  # after a step-down's stand-down, never before
        keeper = self.keep(done)
        try:
            if not again:
                engine.faults.reset()
                engine.activate()
                return True
            done.wait(120)
        finally:
            done.set()
            if keeper is not None:
                keeper.join()
                if self.leading and not self._renewed():  # (the leader thread renews a
                    self._lapse()  # period from now: the gap would look unproven)
        if engine.faults.down:
            engine.set_state("stalled", engine.faults.why)
        else:
            engine.set_state("running", engine.workers_said)
        return True

    def keep(self, done: threading.Event) -> threading.Thread | None:
        """Renew a lease beside the leader thread until `done`: while it waits for start-up
        recovery (stopping a dead engine's runs on Celery workers alone takes seconds, and a
        lease left silent that long lapsed — a standby took over, and lost it the same way
        in its own recovery), and while the engine stops its runs (its leader thread ends
        first; a standby took over mid-stop and retried what was still being stopped)."""
        if not self.engine.lock.leases or not self.leading:
            return None

        def keep() -> None:
            while not self.engine.clock.wait(done, self._renew):
                if not self._renewed():
                    self._lapse()
                    return
        thread = threading.Thread(target=keep, name="tickwork-leader-keep", daemon=True)
        thread.start()
        return thread


def describe(holder: dict[str, object]) -> str:
    """A lock holder in words."""
    name = holder.get("engine")
    if holder.get("host") and name:
        since = holder.get("since")
        when = local_time(since) if isinstance(since, int | float) else "?"
        own = " (this engine)" if holder.get("this") else ""
        return f"engine {name} on {holder['host']} leads since {when}{own}"
    pid = holder.get("pid")
    file = restoring(holder)  # `tickwork restore`, for a while
    if file is not None:
        return f"a restore (pid {pid}) holds this store until it has put {file} in place"
    return f"engine pid {pid} holds this store" if pid else "another engine holds this store"


def local_time(stamp: float) -> str:
    """A POSIX time as this machine's local date and time, to the second."""
    return datetime.fromtimestamp(stamp).astimezone().strftime("%Y-%m-%d %H:%M:%S")
