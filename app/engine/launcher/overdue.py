"""A launcher that stops answering (frozen by SIGSTOP or a debugger, or hung) would enforce
no timeout or cancel and start nothing it was handed, its runs `running` for good: the
engine kills it, and its reader (client.py) ends its runs as at any launcher's death."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from app.engine.attempts import Attempt
from app.engine.processes import KILL_GRACE, Stopped
from app.engine.processes import STOP_MISS as STOP_MISS  # (seconds stopped: then killed)

log = logging.getLogger("tickwork.engine")

HUNG_MISS = 60.0  # seconds a start or stop it owes may be late, before it is, in any state


class Owed(Protocol):
    """A command handed to a launcher (client.Pending)."""

    id: int
    attempt: Attempt
    handed: float  # monotonic
    started: bool
    cancelled: float  # monotonic; 0: no cancel asked


class Watched(Protocol):
    """A launcher process (client.Link)."""

    dead: bool
    stopped: Stopped

    @property
    def pid(self) -> int: ...
    @property
    def pending(self) -> Mapping[int, Owed]: ...
    def kill(self) -> None: ...


class Overdue:
    """The launchers, looked at once a second while any command is out or launchers beyond
    the first are live, whose idle ones `retire` lets go (asleep otherwise: no timer).
    One stopped (SIGSTOP, a debugger) for STOP_MISS seconds, or late by HUNG_MISS seconds
    with something it owes (to start a command handed over, to stop one at its timeout or a
    cancel), is killed; its reader then stops its runs' trees by token and ends them (those
    past their timeout `timed_out`, cancelled ones `cancelled`, the rest `interrupted`,
    retried by their tasks' policies)."""

    def __init__(self, live: Callable[[], Sequence[Watched]],
                 retire: Callable[[], bool] = lambda: False) -> None:
        self._live = live  # the launchers alive
        self._retire = retire  # lets idle extra launchers go; whether extras are left
        self._out = threading.Event()  # some command is out, or extras live: look each second
        self._thread: threading.Thread | None = None

    def watch(self) -> None:
        """A command was handed over, or an extra launcher started (cheap when already
        watching)."""
        if not self._out.is_set():
            self._out.set()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, daemon=True,
                                                name="tickwork-launcher-overdue")
                self._thread.start()

    def watching(self) -> bool:
        """Whether it looks each second (a command out, or extra launchers live)."""
        return self._out.is_set()

    def _run(self) -> None:
        while self._out.wait():
            time.sleep(1.0)
            links = self._live()
            busy = any(link.pending for link in links)
            for link in links if busy else ():
                with contextlib.suppress(Exception):  # a look that fails is tried again
                    self._look(link)
            failed = False
            try:
                extras = self._retire()
            except Exception:  # (tried again once a command is handed over: never a loop)
                log.exception("letting idle launchers go")
                extras, failed = False, True
            if not extras and not busy:
                self._out.clear()
                links = self._live()  # (one handed over, or started, meanwhile)
                if (len(links) > 1 and not failed) or any(link.pending for link in links):
                    self._out.set()

    def _look(self, link: Watched) -> None:
        now = time.monotonic()
        stood = link.stopped.look(link.pid, now)
        if stood is not None:
            if stood < STOP_MISS:
                return
            why = f"has been stopped for {stood:.0f} s"
        else:
            late, what = owed(list(link.pending.values()), HUNG_MISS)
            if what is None:
                return
            why = f"has not {what} {late:.0f} s after it was due"
        if link.dead:
            return
        log.warning("the launcher process %d %s: killing it (its commands are stopped, and "
                    "its runs end as at a launcher's death)", link.pid, why)
        past_timeout(list(link.pending.values()), now)
        link.kill()


def past_timeout(pendings: Sequence[Owed], now: float) -> None:
    """Mark `timed_out` the runs of a launcher about to die (or dead) whose timeout had
    passed: the stop it owed them was theirs, and their retry follows as for a timeout."""
    for pending in pendings:
        attempt, timeout = pending.attempt, pending.attempt.timeout
        if timeout is not None and now > pending.handed + timeout:
            attempt.on_cancel = None  # (not through its pipe)
            attempt.cancel(f"timed out after {timeout:g} s", "timed_out")


def owed(pendings: list[Owed], miss: float) -> tuple[float, str | None]:
    """What a launcher owes its `pendings` (a start, a stop at a timeout or a cancel) more
    than `miss` seconds late, the latest: how late, and what in words (None: nothing)."""
    now = time.monotonic()
    worst, what = 0.0, None
    for p in pendings:
        timeout = p.attempt.timeout
        for due, words in ((p.handed if not p.started else None, f"started run {p.attempt.run_id}"),
                           (p.handed + timeout + KILL_GRACE if timeout is not None else None,
                            f"stopped run {p.attempt.run_id} at its timeout"),
                           (p.cancelled + KILL_GRACE if p.cancelled else None,
                            f"stopped run {p.attempt.run_id} at its cancel")):
            if due is not None and now - due > max(miss, worst):
                worst, what = now - due, words
    return worst, what
