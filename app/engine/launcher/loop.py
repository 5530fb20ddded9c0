"""A launcher process: starts the engine's commands and watches them all from one event loop.

One `selectors` loop (epoll on Linux) reads the engine's requests, every child's stdout and
stderr, writes stdin text without blocking, and learns each exit from a pidfd
(`os.pidfd_open`; where there is none, a `waitpid(WNOHANG)` poll every 50 ms). No thread
per run: output is captured (decoded, masked, bounded) here and what is ready goes back to
the engine as one frame per turn of the loop.

The semantics are the engine's (app/engine/executor.py): each command its own session, a
timeout or cancel stops its whole tree (`processes.RunProcesses`, setsid escapees found by
token) with SIGTERM, `KILL_GRACE`, SIGKILL — done on a small thread pool, because finding
token carriers scans the process table and the loop must not wait for it; the run ends once
its tree is gone. A run also ends when its leader exits: what it left holding its pipes is
stopped the same way before its end is told (after `LET_GO` to close them when the leader
succeeded: a program started with `&` redirects its output an instant after the shell
exits), and so, when it failed, is everything else it
left running (its group, what carries its token — `setsid` ones too; leftovers.py says how
it is noticed cheaply), so a retry never starts beside it; output is read until then.

When the engine goes away (its pipes close: a stop, or a kill -9) the launcher starts nothing
more, and stays only while commands it was handed still run, leaving their ends for the
next engine (ends.py; that engine's recovery kills it if it is still here, and stops its
commands by token before any retry starts). A Celery worker's launcher (`--stop-orphans`)
stops them instead: no recovery follows a lost worker on its machine.
"""

from __future__ import annotations

import contextlib
import heapq
import os
import selectors
import threading
import time
from typing import Any

from app.engine.capture import Capture
from app.engine.launcher import protocol, spawn
from app.engine.launcher.child import Child
from app.engine.launcher.leftovers import Adopted, group_exists
from app.engine.launcher.stops import Stops
from app.engine.lineage import Parent
from app.engine.processes import KILL_GRACE, RunProcesses, boot_ticks, leader_created, stop_all

POLL = 0.05  # seconds between waitpid polls where there is no pidfd
LET_GO = 0.5  # seconds what a succeeded leader left has to close its pipes, not to be stopped
_HAS_PIDFD = hasattr(os, "pidfd_open")


class Launcher:
    """The loop over one engine's pipes: `run()` until the engine closes its end."""

    def __init__(self, requests: int, results: int, stop_orphans: bool = False) -> None:
        self.stop_orphans = stop_orphans
        self.parent = Parent()  # drops HELPER_VAR before base_env copies the environment
        self.requests = requests
        self.results = results
        self.sel = selectors.DefaultSelector()
        self.frames = protocol.Frames()
        self.outbox: list[Any] = []
        self.children: dict[int, Child] = {}
        self.leaders: dict[int, Child] = {}  # by pid, until reaped
        self.adopted = Adopted()  # the orphans of commands, re-parented to this process
        self.timers: list[tuple[float, int, str]] = []  # (monotonic, run id, what)
        self.base_env: dict[str, str] = dict(os.environ)
        self.devnull = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
        self.stops = Stops()  # runs' trees being stopped, off this loop
        self.polled: set[Child] = set()  # children without a pidfd
        self.look_due = False  # a leader ended: look for orphans it left (`_look_adopted`)
        self.open = True  # the engine is there
        self.alone = False  # it is gone: its commands' ends are kept for the next (`_alone`)
        self.told: dict[int, Child] = {}  # ended, their `done` not yet written to the engine

    def run(self) -> None:
        self.sel.register(self.requests, selectors.EVENT_READ, None)
        self.sel.register(self.stops.wake, selectors.EVENT_READ, "wake")
        while self.open or self._watching():
            for key, _mask in self.sel.select(self._wait()):
                data = key.data
                if data is None:
                    self._read_requests()
                elif data == "wake":
                    self._stops_done()
                else:
                    data[0](data[1], int(key.fd))  # type: ignore[arg-type]
            self._due()
            if self.look_due:
                self.look_due = False
                self._look_adopted()
            if not self.open and not self.alone:
                self._alone(self.outbox[:])
            if self.outbox:
                self._flush()
        # The engine is gone and no command it handed over runs: go. A Celery worker's
        # launcher stops them instead: nothing else would.
        if self.stop_orphans:
            stop_all([RunProcesses(c.token, c.started.pid, c.created)
                      for c in self.children.values() if c.started is not None], KILL_GRACE)
        os._exit(0)

    # -- the engine's side ------------------------------------------------------------------

    def _read_requests(self) -> None:
        try:
            data = os.read(self.requests, protocol.READ_SIZE)
        except OSError:
            data = b""
        if not data or self.parent.gone():  # frames the engine wrote just before it died
            self.open = False  # are not started: nobody would watch them (lineage.py)
            return
        for message in self.frames.feed(data):
            kind = message[0]
            if kind == "run":
                self._start(*message[1:])
            elif kind == "cancel":
                child = self.children.get(message[1])
                if child is not None:
                    self._stop(child, "stopped", message[2])
            elif kind == "env":
                self.base_env = message[1]

    def _flush(self) -> None:
        messages = self.outbox[:]
        self.outbox.clear()
        try:
            protocol.write_all(self.results, protocol.encode(messages))
        except OSError:  # the engine is gone
            self._alone(messages)
        self.told.clear()

    def _alone(self, unheard: list[Any]) -> None:
        """The engine is gone: watch on while its commands run, and keep the end of each, with
        what it printed that the engine did not hear, for the next engine (ends.py)."""
        self.open = False
        if self.stop_orphans or self.alone:
            return
        self.alone = True
        with contextlib.suppress(KeyError, ValueError):
            self.sel.unregister(self.requests)
        for child in [*self.children.values(), *self.told.values()]:
            child.left = []
        for message in unheard:
            heard = self.children.get(message[1]) or self.told.get(message[1])
            if heard is not None and message[0] == "out":
                heard.on_output(None, message[2], message[3])
            elif heard is not None and message[0] == "done":
                heard.leave_end(message)
        self.outbox.clear()
        self.told.clear()

    def _watching(self) -> bool:
        """Alone, with a command whose end is to be kept still running."""
        return self.alone and any(c.end_file for c in self.children.values())

    # -- starting ---------------------------------------------------------------------------

    def _start(self, run_id: int, argv: list[str], env: dict[str, str], cwd: str | None,
               stdin: str | None, timeout: float | None, secrets: list[str],
               token: str | None, end_file: str | None = None) -> None:
        child = Child(run_id, secrets, token, timeout, self.outbox, end_file, env)
        before = boot_ticks()
        try:
            started = spawn.start(argv, {**self.base_env, **env}, cwd, stdin is not None,
                                  self.devnull, self.base_env)
        except (OSError, ValueError) as exc:
            self.outbox.append(["started", run_id, None, None, time.time()])
            self.outbox.append(["done", run_id, "failed", None,
                                f"cannot start {argv[0]!r}: {exc}", time.time()])
            return
        at = child.started_at = time.time()
        child.started = started
        child.created = leader_created(started.pid, (before, boot_ticks()))
        self.children[run_id] = child
        self.leaders[started.pid] = child
        self.outbox.append(["started", run_id, started.pid, child.created, at])
        self.sel.register(started.stdout, selectors.EVENT_READ, (self._on_pipe, child))
        self.sel.register(started.stderr, selectors.EVENT_READ, (self._on_pipe, child))
        child.pipes = [started.stdout, started.stderr]
        if started.stdin is not None:
            child.stdin_left = memoryview((stdin or "").encode())
            self.sel.register(started.stdin, selectors.EVENT_WRITE, (self._on_stdin, child))
        if _HAS_PIDFD:
            try:
                child.pidfd = os.pidfd_open(started.pid)
            except OSError:  # already reaped? never by us; too old a kernel: poll
                child.pidfd = None
        if child.pidfd is not None:
            self.sel.register(child.pidfd, selectors.EVENT_READ, (self._on_exit, child))
        else:
            self.polled.add(child)
        if child.deadline is not None:
            heapq.heappush(self.timers, (child.deadline, run_id, "timeout"))

    # -- the children's side ----------------------------------------------------------------

    def _on_pipe(self, child: Child, fd: int) -> bool:
        """Read what the pipe holds; whether there was something (False: none yet, or EOF)."""
        if fd not in child.pipes:  # closed earlier in this turn (`_drain`): a stale event,
            return False  # its number maybe another's already
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return False
        except OSError:
            data = b""
        if data:
            assert child.started is not None
            if child.capture is None:
                child.capture = Capture(child, child)
            child.capture.add("stdout" if fd == child.started.stdout else "stderr", data)
            return True
        self._close_pipe(child, fd)
        self._maybe_drained(child)
        return False

    def _drain(self, child: Child) -> None:
        """Read what its pipes hold now (1 MiB each at most): the leader's own ends closed
        before its exit was told, so a pipe still open after this is held by what it left."""
        for fd in list(child.pipes):
            for _ in range(16):
                if not self._on_pipe(child, fd):  # (False once closed)
                    break

    def _on_stdin(self, child: Child, fd: int) -> None:
        try:
            sent = os.write(fd, child.stdin_left[:65536])
            child.stdin_left = child.stdin_left[sent:]
            if child.stdin_left:
                return
        except BlockingIOError:
            return
        except OSError:  # BrokenPipeError: the command did not read it all
            pass
        self._close_stdin(child)

    def _close_stdin(self, child: Child) -> None:
        assert child.started is not None
        fd = child.started.stdin
        if fd is not None:
            child.started.stdin = None
            self.sel.unregister(fd)
            os.close(fd)

    def _on_exit(self, child: Child, fd: int) -> None:
        self._reap(child)

    def _reap(self, child: Child) -> bool:
        assert child.started is not None
        try:
            pid, status = os.waitpid(child.started.pid, os.WNOHANG)
        except ChildProcessError:
            pid, status = child.started.pid, 255 << 8
        if pid == 0:
            return False
        self._drain(child)  # (before its code is set: its end is not told from in there)
        child.code = os.waitstatus_to_exitcode(status)
        if child.started.popen is not None:
            child.started.popen.returncode = child.code  # reaped: it must not try again
        child.exited_at = time.monotonic()
        if child.pidfd is not None:
            self.sel.unregister(child.pidfd)
            os.close(child.pidfd)
            child.pidfd = None
        self.polled.discard(child)
        self.leaders.pop(child.started.pid, None)
        if child.code != 0:
            self._look_adopted()  # reaps its group's adopted zombies, sees its token's carriers
        else:  # nothing below asks: once this turn, for every run that ended in it
            self.look_due = True
        # what it left holding its output is stopped (its end must be read), and so is all
        # it left when it failed (its retry or fallback must not run beside it); a command
        # that succeeded may leave a program running on purpose (`xdg-open`, `server &`),
        # and its pipes are held a moment longer by one that makes its own redirections
        # after the shell exits (`server >log 2>&1 &`): it gets `LET_GO` to close them
        if child.stop_how:
            pass
        elif child.code != 0 and (child.pipes or group_exists(child.started.pid)
                                  or self.adopted.carry(child.token)):
            self._stop(child, "exit", "")  # it left something running: stop that first
        elif child.pipes:
            heapq.heappush(self.timers, (time.monotonic() + LET_GO, child.id, "held"))
        self._maybe_drained(child)
        return True

    def _look_adopted(self) -> None:
        """Reap adopted orphans that ended; watch the new ones for their exit."""
        for pid in self.adopted.look(self.leaders):
            if _HAS_PIDFD:
                with contextlib.suppress(OSError):
                    fd = os.pidfd_open(pid)
                    self.adopted.fds[pid] = fd
                    self.sel.register(fd, selectors.EVENT_READ, (self._on_adopted_exit, pid))

    def _on_adopted_exit(self, pid: int, fd: int) -> None:
        self.sel.unregister(fd)
        self.adopted.gone(pid)

    def _maybe_drained(self, child: Child) -> None:
        if child.code is None:
            return
        if child.pipes and child.stop_done:
            for fd in list(child.pipes):  # held by no process of the run's that was found
                self._close_pipe(child, fd)
        if child.pipes:
            return
        if child.drained is not None:
            child.drained.set()
        if not child.stop_how or child.stop_done:
            self._finish(child)

    def _close_pipe(self, child: Child, fd: int) -> None:
        child.pipes.remove(fd)
        self.sel.unregister(fd)
        os.close(fd)

    def _finish(self, child: Child) -> None:
        del self.children[child.id]
        self._close_stdin(child)
        if child.capture is not None:
            child.capture.finish()
        done = ["done", child.id, child.stop_how or "exit", child.code,
                child.stop_reason or None, time.time(), child.wrote_checkpoint()]
        if self.alone:
            child.leave_end(done)
        else:
            self.told[child.id] = child
            self.outbox.append(done)

    # -- timers: timeouts, polled exits -----------------------------------------------------

    def _wait(self) -> float | None:
        soonest = self.timers[0][0] - time.monotonic() if self.timers else None
        if self.polled:
            soonest = POLL if soonest is None else min(soonest, POLL)
        return None if soonest is None else max(0.0, soonest)

    def _due(self) -> None:
        for polled in list(self.polled):
            self._reap(polled)
        now = time.monotonic()
        while self.timers and self.timers[0][0] <= now:
            _at, run_id, what = heapq.heappop(self.timers)
            child = self.children.get(run_id)
            if child is None:
                continue
            if what == "timeout" and child.code is None:
                self._stop(child, "timeout", f"timed out after {child.timeout:g} s")
            elif what == "held" and child.pipes:  # still held: what holds them is stopped
                self._stop(child, "exit", "")

    # -- stopping a run's tree --------------------------------------------------------------

    def _stop(self, child: Child, how: str, reason: str) -> None:
        if child.stop_how or child.started is None:
            return  # the first stop wins
        child.stop_how, child.stop_reason = how, reason
        child.drained = threading.Event()
        if child.code is not None and not child.pipes:
            child.drained.set()
        self.stops.start(child, child.drained)

    def _stops_done(self) -> None:
        finished = self.stops.finished()
        self._look_adopted()  # what a stop killed, re-parented here: reap it
        for run_id in finished:
            child = self.children.get(run_id)
            if child is not None:
                child.stop_done = True
                self._maybe_drained(child)


def main(argv: list[str]) -> int:
    """`python -m app.engine.launcher REQUESTS_FD RESULTS_FD [--stop-orphans]` (started by the
    engine, or by a Celery worker with `--stop-orphans`)."""
    requests, results = int(argv[0]), int(argv[1])
    for fd in (requests, results):
        os.set_inheritable(fd, False)  # the commands get their three streams, nothing else
    Launcher(requests, results, "--stop-orphans" in argv[2:]).run()
    return 0
