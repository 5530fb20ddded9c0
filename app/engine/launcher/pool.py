"""How many launcher processes this engine process keeps: one kept warm, more as commands need
them, the extras let go once idle.

A launcher is an interpreter of ~17 MiB RSS. One is started when command tasks are defined
(engine start, a task added or changed), so the first Run now starts in ~5 ms, not after an
interpreter's start (110–350 ms); as many as the command tasks about to fire when they are
loaded (`warm`); and one more when a command is handed over while every live launcher has
commands it has not started yet (`link`; one running a long command takes the next), up to
`launcher_count()`. A launcher beyond the first idle for
`IDLE_RETIRE` seconds is let go (`retire_idle`, called by the watcher once a second while
there are extras): it refuses commands from then on, its request pipe is closed, it exits,
and it is not replaced as a dead one is (`replace`).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from typing import Generic, Protocol, TypeVar

from app.core.variables import count_from
from app.engine.launcher.overdue import Overdue, Watched
from app.platform import usable_cpus

log = logging.getLogger("tickwork.engine")

LAUNCHERS_VAR = "TICKWORK_LAUNCHERS"  # how many launcher processes at most (default: CPUs + 1)
MOST_LAUNCHERS = 64
IDLE_RETIRE = 60.0  # seconds a launcher beyond the first may have nothing pending: then let go
GROW_AGAIN = 10.0  # seconds after a launcher could not be started before one more is tried


def launcher_count(environ: Mapping[str, str] = os.environ) -> int:
    """The most launchers: `$TICKWORK_LAUNCHERS` (1 to MOST_LAUNCHERS; any other value is
    refused when an engine or a worker starts, app/engine/environment.py), else one per CPU it
    may run on and one more, at most 8.

    A launcher waits in each `posix_spawn` until its child has exec'd (vfork), so other
    launchers start commands meanwhile; but each one more costs CPU of its own (its loop,
    its reader thread in the engine) that a burst of commands, CPU-bound, takes from them.
    On 2 cores (2026-12-06, bursts of 10,000 `/bin/true`, three alternated rounds): 2/3/4
    launchers started 1,765/1,753/1,694 a second, the launchers spending 1.55/1.68/1.86 CPU
    s; one launcher alone turns ~1,970 a second around at best. One more than the CPUs
    keeps a launcher free while the others wait on a slow `vfork` (the machine's phase).
    A launcher is an interpreter of ~17 MiB RSS (~10 MiB its own, USS)."""
    return count_from(environ, LAUNCHERS_VAR, MOST_LAUNCHERS, min(8, _CPUS + 1))


_CPUS = usable_cpus()  # (asked once, not every command: a container's or `taskset`'s CPUs)


class Launcher(Watched, Protocol):
    """A launcher process (client.Link)."""

    busy_at: float  # (monotonic) when it last took or ended a command

    def retire(self, idle: float, now: float) -> bool: ...
    def close(self) -> None: ...


L = TypeVar("L", bound=Launcher)


class Launchers(Generic[L]):
    """The launcher processes of this engine process; `start` starts one (client.Link)."""

    def __init__(self, start: Callable[[Launchers[L]], L]) -> None:
        self._start = start
        self.lock = threading.Lock()
        self.links: list[L] = []
        self.closed = False
        self._grow_after = 0.0  # (monotonic) no extra launcher tried before: one just failed
        self.overdue = Overdue(self.live, self.retire_idle)
        # a Celery worker's launchers stop their commands when the worker dies (loop.py)
        self.stop_orphans = False

    def link(self) -> L:
        """The least busy live launcher; when it too has commands not started yet, one more
        is started for the next commands (up to `launcher_count()`)."""
        with self.lock:
            self.links = [link for link in self.links if not link.dead]
            if not self.links:
                self.links.append(self._start(self))
            chosen = min(self.links, key=lambda link: len(link.pending))
            # busy starting commands, not running long ones (a nightly backup's launcher
            # grew one more for every command, let go idle a minute later: a review); a
            # copy, as its reader thread changes it
            starting = any(not p.started for p in list(chosen.pending.values()))
            grow = (starting and len(self.links) < launcher_count()
                    and time.monotonic() >= self._grow_after)
            if grow:
                try:
                    self.links.append(self._start(self))
                except OSError as exc:  # the live ones take the commands meanwhile (said
                    log.warning("cannot start a launcher: %s", exc)  # once, not a command)
                    self._grow_after, grow = time.monotonic() + GROW_AGAIN, False
        if grow:
            self.overdue.watch()  # (its idle end)
        return chosen

    def warm(self, count: int) -> None:
        """Have `count` launchers live (at most `launcher_count()`), before commands come;
        those already live are not let go idle for another IDLE_RETIRE seconds."""
        try:
            with self.lock:
                if self.closed:
                    return
                self.links = [link for link in self.links if not link.dead]
                self.keep(count)
                while len(self.links) < min(count, launcher_count()):
                    self.links.append(self._start(self))
        finally:  # (those started before one failed are let go idle too)
            if len(self.links) > 1:
                self.overdue.watch()

    def keep(self, count: int) -> None:
        """`count` live launchers are wanted soon: none of them is let go idle for another
        IDLE_RETIRE seconds (without the lock, held while one starts: a glance)."""
        now = time.monotonic()
        for link in self.links[:count]:
            link.busy_at = max(link.busy_at, now)

    def replace(self, dead: L) -> None:
        """A launcher died: start its successor now, so the next command does not wait."""
        with self.lock:
            self.links = [link for link in self.links if link is not dead and not link.dead]
            if self.closed or len(self.links) >= launcher_count():
                return
            try:
                self.links.append(self._start(self))
            except OSError as exc:  # the next command tries again
                log.warning("cannot start a launcher: %s", exc)
                return
            extras = len(self.links) > 1
        if extras:
            self.overdue.watch()

    def retire_idle(self, now: float | None = None) -> bool:
        """Let go of the launchers beyond the first with nothing pending for IDLE_RETIRE
        seconds; whether extras are left (to look again in a second)."""
        now = time.monotonic() if now is None else now
        with self.lock:
            self.links = [link for link in self.links if not link.dead]
            keep, retired = self.links[:1], list[L]()
            for link in self.links[1:]:
                (retired if link.retire(IDLE_RETIRE, now) else keep).append(link)
            self.links = keep
            extras = len(keep) > 1
        for link in retired:
            link.close()
        return extras

    def glance(self) -> int:
        """How many launchers there are, without waiting for the lock (held while one
        starts): a dead one not yet pruned counts."""
        return len(self.links)

    def live(self) -> list[L]:
        with self.lock:
            return [link for link in self.links if not link.dead]

    def pids(self) -> list[int]:
        with self.lock:
            return [link.pid for link in self.links if not link.dead]

    def close(self) -> None:
        with self.lock:
            self.closed = True
            links, self.links = self.links, []
        for link in links:
            link.close()
