"""How the leading engine stops its runs (`Engine.stop`): on the dispatcher thread, running
attempts get `grace` seconds to end, the rest are interrupted (their whole process trees),
what ended meanwhile is claimed and written, and what was admitted but never started is
given back in the ledger; the stopping thread waits for that at most `grace` seconds and
`RECORDING` more, for the writes to land. While a shared store's server does not answer,
those writes cannot land and the wait lasts: it is said once, with how long at most (Ctrl+C
was followed by 25 s of nothing) — as soon as the stop begins when the engine knows already
(a server stopped: its connections refused), else once the runs are stopped and their
writes have waited `SILENT` seconds (a server frozen, SIGSTOPped: its connections hang)."""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
from collections.abc import Callable

from app.engine import writes
from app.engine.clock import Clock
from app.engine.dispatcher import Dispatcher
from app.engine.writer import Writer
from app.store.lock import EngineLease

log = logging.getLogger("tickwork.engine")

RECORDING = 15.0  # seconds past the grace for the stopped runs' writes to land
LOOK = 0.25  # seconds between looks at the store while waiting
SILENT = 2.0  # seconds the stopped runs' writes wait before the store is said not to answer
LET_GO = 5.0  # seconds a shared store's lease has to renew, or be released, as a stop ends

Inbox = queue.SimpleQueue[Callable[[], None] | None]


class Stopping:
    """The stop of the runs, run on the dispatcher thread through its inbox."""

    def __init__(self, inbox: Inbox, writer: Writer, clock: Clock, shared: str | None,
                 away: Callable[[], bool]) -> None:
        self._inbox = inbox
        self.writer = writer
        self.clock = clock
        self.shared = shared  # a shared store's name (its URL without a password), or None
        self.away = away  # whether its server is known not to answer
        self._recording: float | None = None  # when the last writes began (time.monotonic)

    def wait(self, done: threading.Event, grace: float) -> bool:
        """The stopping thread: wait for `shutdown` to be done, at most grace + RECORDING
        (False: it was not, the store did not take the writes); once the shared store is
        found not to answer meanwhile, say so."""
        deadline = time.monotonic() + grace + RECORDING
        said = False
        while not done.wait(min(LOOK, max(0.0, deadline - time.monotonic()))):
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            if not said and self._unanswered():
                log.warning("stopping: the shared store at %s does not answer; waiting up to "
                            "%d s for runs to be recorded", self.shared, math.ceil(left))
                said = True
        return True

    def _unanswered(self) -> bool:
        recording = self._recording
        return self.shared is not None and (self.away() or (
            recording is not None and time.monotonic() - recording > SILENT))

    def shutdown(self, d: Dispatcher, grace: float, done: threading.Event) -> None:
        """On the dispatcher: wait for running attempts, then interrupt what is left."""
        clock = self.clock
        deadline = clock.monotonic() + grace
        d.stop_starting()
        while d.running_count() and clock.monotonic() < deadline:
            self._drain(0.05)
        for attempt in d.running():  # their whole trees are stopped
            attempt.cancel(writes.STOPPED, "interrupted")
        end = clock.monotonic() + 5
        while d.running_count() and clock.monotonic() < end:
            self._drain(0.05)
        d.give_up()  # could not stop in time
        self._recording = time.monotonic()
        for _ in range(20):  # the claims of attempts that ended meanwhile (fallbacks, chains)
            self.writer.flush()
            self.writer.flush()  # (once this one is done, the last batch's claims have posted)
            if not self._drain_now():  # admitted, never started ...
                break
        d.release_unstarted()  # ... and given back with the rest
        self.writer.flush()
        done.set()

    def _drain_now(self) -> bool:
        """Process what the inbox holds now (shutting down); whether it held anything."""
        held = not self._inbox.empty()
        for _ in range(100_000):  # (a stop marker put back would keep it non-empty)
            if self._inbox.empty():
                break
            self._drain(0)
        return held

    def _drain(self, timeout: float) -> None:
        """Process inbox messages for a while (used only while shutting down)."""
        try:
            fn = self._inbox.get(timeout=timeout)
        except queue.Empty:
            return
        if fn is None:
            self._inbox.put(None)
            return
        try:
            fn()
        except Exception:
            log.exception("dispatcher step failed")


def release_lock(lock: EngineLease) -> None:
    """Release the store's lock at the end of a stop. A shared store's server that hangs
    (frozen: its connections stay open and answer nothing) held the stop here for as long as
    it hung: its lease is given `LET_GO` seconds, and one not released lapses by itself."""
    if not lock.leases:
        lock.release()
        return
    thread = threading.Thread(target=lock.release, name="tickwork-release", daemon=True)
    thread.start()
    thread.join(LET_GO)
    if thread.is_alive():
        log.warning("stopping: the shared store did not answer the release of its lease "
                    "within %g s: the lease lapses by itself", LET_GO)
