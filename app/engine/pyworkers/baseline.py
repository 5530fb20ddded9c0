"""What every run in a Python worker starts from, whatever the run before it did to the
process, and what a run may not leave behind.

A worker serves many runs of many tasks. Module-level state lives on (README says so), but
process state that would make another task fail is put back after each run: fds 0, 1 and 2
(a run that closed fd 1 would break the next one's `print`; one that left it non-blocking
lost what the next printed into a full pipe), `sys.stdin/stdout/stderr`, the
environment (the C library's too: `cenviron`), the umask, Python signal handlers and the
signal mask, and no interval timer left to fire — and the interpreter's settings and the
process's limits (`knobs`, before the run's end is sent: 9–23 µs, so what cannot be put
back is said in it; the rest after it): nothing is rebuilt unless it changed.

A run that leaves threads or processes running makes its worker unfit for another run (what
they write, or send, would land in someone else's run), as does one that changed a limit it
cannot take back (`knobs.Limits`) or left it too few free file descriptors (`crowded`):
`leftovers`, `kept_back` and `crowded` say so at the run's end, and
the engine then kills the worker with everything it started. On Linux the worker is a
*child subreaper*, so an orphaned descendant (a double-forked daemon, `sh -c 'x &'`) becomes
its child: one `waitpid` tells whether any process of the run is alive.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any, TextIO

from app.engine.pyworkers.cenviron import CEnviron
from app.engine.pyworkers.knobs import Kept, Limits, zone_back

_signal = importlib.import_module("_signal")  # signal's own functions, without its enums
_getsignal: Callable[[int], Any] = _signal.getsignal
_sigmask: Callable[[int, Any], Any] = _signal.pthread_sigmask  # (a set of ints, not Signals)
_SIGNALS = tuple(n for n in range(1, 32) if n not in (signal.SIGKILL, signal.SIGSTOP))
_TIMERS = tuple(getattr(signal, name) for name in ("ITIMER_REAL", "ITIMER_VIRTUAL",
                                                   "ITIMER_PROF") if hasattr(signal, name))


class Baseline:
    """The worker's process state as it was before its first run (`restore` puts it back)."""

    def __init__(self) -> None:
        self.fds = [(os.dup(fd), fd) for fd in (0, 1, 2)]  # (dups are close-on-exec)
        self.streams: list[TextIO | Any] = [sys.stdin, sys.stdout, sys.stderr]
        self.env = dict(_environ_data())
        self.c_env = CEnviron()  # what processes a run starts get (os.putenv's)
        self.umask = os.umask(0o022)
        os.umask(self.umask)
        self.handlers = []
        for sig in _SIGNALS:
            with contextlib.suppress(ValueError, OSError):
                handler = _getsignal(sig)
                if handler is not None:  # (None: set outside Python, not ours to put back)
                    self.handlers.append((sig, handler))
        self.mask = signal.pthread_sigmask(signal.SIG_BLOCK, [])
        self.threads = threading.active_count()
        self.kept = Kept()  # the interpreter's settings: the worker's, and each module's
        self.limits = Limits()

    @property
    def out_fd(self) -> int:
        """The worker's own copy of fd 1 (the engine's output pipe), whatever fd 1 is now."""
        return self.fds[1][0]

    def restore(self) -> None:
        """Put the process state back (the main thread, between runs)."""
        for saved, fd in self.fds:
            os.dup2(saved, fd)
            if not os.get_blocking(saved):  # (asyncio, node: shared with fd, and the next
                os.set_blocking(saved, True)  # run's print() lost what a full pipe refused)
        self._streams()
        environment_changed = _environ_data() != self.env
        if environment_changed:
            os.environ.clear()
            os.environ.update({os.fsdecode(k): os.fsdecode(v) for k, v in self.env.items()})
        self.c_env.back(_environ_data())
        os.umask(self.umask)
        for sig, handler in self.handlers:
            if _getsignal(sig) is not handler:
                signal.signal(sig, handler)
        _sigmask(signal.SIG_SETMASK, self.mask)
        for timer in _TIMERS:
            signal.setitimer(timer, 0)
        zone_back(environment_changed, self.kept.zone)

    def _streams(self) -> None:
        """sys.stdin/stdout/stderr as they were; one the run closed is opened again."""
        stdin, stdout, stderr = self.streams
        if sys.stdin is not stdin or sys.stdout is not stdout or sys.stderr is not stderr \
                or stdout.closed or stderr.closed or stdin.closed:
            for at, fd in enumerate((0, 1, 2)):
                if self.streams[at].closed:
                    self.streams[at] = os.fdopen(fd, "w" if fd else "r", 1 if fd else -1,
                                                 closefd=False)
            sys.stdin, sys.stdout, sys.stderr = self.streams

    def leftovers(self) -> str:
        """What the run left running in this worker, in words ('' for nothing): Python
        threads beyond the worker's own, and child processes (a subreaper's children
        include orphaned descendants). Zombies are reaped on the way."""
        left = []
        threads = threading.active_count() - self.threads
        if threads > 0:
            left.append(f"{threads} thread{'s' if threads > 1 else ''}")
        if _live_children():
            left.append("child processes")
        return " and ".join(left)

    def kept_back(self, module: tuple[str | None, str] | None) -> str:
        """The process's limits and the interpreter's settings put back (`module`, the run's,
        keeps the settings it ended with for its next run); what could not be, in words
        ('' for nothing)."""
        return ", ".join(filter(None, (self.limits.kept_back(), self.kept.after(module))))

    def crowded(self) -> str:
        """The open files the run left the worker, in words, when they leave the runs after
        it too little room ('' when there is room): files its module keeps, descriptors it
        opened and never closed. One that kept 19,990 of 20,000 made every later run in
        its worker fail, "Too many open files", or the worker die under one. One `dup`
        tells the lowest free descriptor (all below it are open): past half the limit, or
        none free, they are counted (a worker's last run: it is replaced)."""
        soft = self.limits.open_files  # (as `kept_back` left it)
        if soft is None:
            soft = self.limits.resource.getrlimit(self.limits.resource.RLIMIT_NOFILE)[0]
        try:
            probe = os.dup(self.fds[0][0])
        except OSError:  # EMFILE: not one free
            probe = soft
        else:
            os.close(probe)
        if soft < 0 or probe < soft // 2:  # (RLIM_INFINITY is -1)
            return ""
        return f"{_open_files(soft):,} files open, of the {soft:,} it may have"


def _environ_data() -> dict[Any, Any]:
    """os.environ's own mapping (compared as it is: no copy, no decoding)."""
    data = getattr(os.environ, "_data", None)
    return data if isinstance(data, dict) else dict(os.environ)


def _open_files(below: int) -> int:
    """How many descriptors under `below` are open (without opening one to list them)."""
    count = 0
    for fd in range(below):
        try:
            os.fstat(fd)
        except OSError:
            continue
        count += 1
    return count


def _live_children() -> bool:
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return False
        if pid == 0:
            return True


def note_fork(fd: int) -> None:
    """In a process just forked (no exec): write its pid and start (clock ticks since boot,
    as app/engine/processes.identity says it) to the engine's pipe `fd`, so the engine can
    kill it with its run's tree once the worker is gone: it carries no run token the
    engine could find in its /proc environment."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        with open("/proc/self/stat", "rb") as fh:
            stat = fh.read()
        ticks = stat[stat.rindex(b")") + 2:].split()[19].decode()
        os.write(fd, f"{os.getpid()} {ticks}\n".encode())


def kill_children(rounds: int = 50) -> None:
    """SIGKILL this process's children, and the orphans each death gives it (a subreaper
    adopts them before the dead child can be reaped), until it has none (Linux)."""
    for _ in range(rounds):
        try:
            tasks = os.listdir("/proc/self/task")
        except OSError:
            return
        kids: set[int] = set()
        for tid in tasks:
            with contextlib.suppress(OSError), open(f"/proc/self/task/{tid}/children") as fh:
                kids.update(int(pid) for pid in fh.read().split())
        if not kids:
            return
        for pid in kids:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        for pid in kids:
            with contextlib.suppress(OSError):
                os.waitpid(pid, 0)  # (its orphans are ours once it is a zombie)
