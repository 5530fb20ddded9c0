"""The engine's side of the launchers: hand a command to a launcher process, hear it start,
its output and its end, and turn that into the run's `Outcome`.

An executor runnable (a QThreadPool thread) hands the commands of a batch over together
(`Handing`): each goes to the least busy launcher, each launcher's share in one write, and
the runnable returns; one reader thread per launcher hands `on_started` (with the leader's
pid and start time, so the `running` row carries them), `on_output` and the end to the
run's sink as the launcher's batches arrive. A cancel (a person, the
engine's stop) reaches the launcher through `Attempt.on_cancel`; the launcher enforces the
timeout itself.

A launcher that dies (a kill -9, a crash) ends its runs `interrupted` — those past their
timeout `timed_out`, as the launcher would have — after their trees are stopped by token,
so a retry never runs beside a copy of itself — and another launcher is started in its
place; one let go idle (pool.py) is not. Launchers are shared by the engines of one process
and exit when the process does (their request pipe closes) — once the commands they run
have ended: a command's end is kept for the next engine (ends.py) when its own is gone.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import itertools
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.core.nouns import plural
from app.core.run import stopped_by
from app.engine.attempts import Attempt, Outcome, Sink
from app.engine.launcher import protocol
from app.engine.launcher.overdue import past_timeout
from app.engine.launcher.pool import LAUNCHERS_VAR as LAUNCHERS_VAR
from app.engine.launcher.pool import Launchers
from app.engine.launcher.pool import launcher_count as launcher_count
from app.engine.lineage import HELPER_VAR, TOKEN_VAR
from app.engine.processes import KILL_GRACE, RunProcesses, Stopped, helper_mark, stop_all

log = logging.getLogger("tickwork.engine")

# set in the engine's own process by a library it uses, not by the user: a command's
# environment is the engine's without them (PySide6 sets this one when QtCore is imported)
NOT_PASSED_ON = ("PYSIDE6_OPTION_PYTHON_ENUM",)
WORKER_FLAG = "--tickwork-worker"  # the bundle's hidden entry: `tickwork --tickwork-worker NAME`


def launcher_argv() -> list[str]:
    """A fresh interpreter running a launcher (spawn, never a fork of the engine); in a
    PyInstaller bundle the bundle's own executable, through its hidden entry. `-P`, as a
    Python worker's: the folder the engine was started in is not searched first, where a
    project's own `app` package stood in front of Tickwork's (every launcher died)."""
    if getattr(sys, "frozen", False):
        return [sys.executable, WORKER_FLAG, "launcher"]
    return [sys.executable, "-P", "-m", "app.engine.launcher"]


class Pending:
    """A command handed to a launcher, until its end is heard; `ended` hears its Outcome
    (on the launcher's reader thread)."""

    __slots__ = ("attempt", "cancelled", "ended", "handed", "id", "reason", "sent", "sink",
                 "started")

    def __init__(self, run_id: int, attempt: Attempt, sink: Sink,
                 ended: Callable[[Outcome], None]) -> None:
        self.id = run_id
        self.attempt = attempt
        self.sink = sink
        self.ended = ended
        self.started = False
        self.handed = time.monotonic()  # (what `Overdue` counts from: made, not yet written)
        self.cancelled = 0.0  # when a cancel was asked, monotonic (sent with it or after it)
        self.reason = ""
        self.sent = False  # written to its launcher (`Handing` writes at its end)

    def end(self, how: str, code: int | None, error: str | None, at: float | None,
            wrote: bool | None = None) -> None:
        """The command ended: tell the sink it started if it never heard, then the outcome
        (`wrote`: its checkpoint file is there, as its launcher saw; None: not known)."""
        self.attempt.on_cancel = None
        if not self.started:
            self.sink.on_started(self.attempt)
        ended = outcome(self.attempt, how, code, error, at)
        self.ended(dataclasses.replace(ended, checkpoint_written=wrote))


class Link:
    """One launcher process, the engine's two pipes to it, and its reader thread."""

    def __init__(self, pool: Launchers[Link]) -> None:
        self.pool = pool
        req_r, self.requests = os.pipe()
        self.results, res_w = os.pipe()
        env = dict(os.environ)
        env[HELPER_VAR] = helper_mark()  # a later engine's recovery finds it (lineage.py)
        if not getattr(sys, "frozen", False):  # the launcher imports this same `app`
            root = str(Path(__file__).resolve().parents[3])
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
        try:
            orphans = ["--stop-orphans"] if pool.stop_orphans else []
            self.proc = subprocess.Popen(
                [*launcher_argv(), str(req_r), str(res_w), *orphans], pass_fds=(req_r, res_w),
                stdin=subprocess.DEVNULL, env=env, start_new_session=True)
        except BaseException:  # (our ends too: a start that keeps failing leaked two a try)
            os.close(self.requests)
            os.close(self.results)
            raise
        finally:
            os.close(req_r)
            os.close(res_w)
        self.lock = threading.Lock()
        self.pending: dict[int, Pending] = {}
        self.dead = False
        self.retired = False  # let go idle (pool.py): takes no command, not replaced
        self.busy_at = time.monotonic()  # when it last took or ended a command
        self.stopped = Stopped()  # how long it has stood stopped (SIGSTOP, a debugger)
        self.env_sent: dict[str, str] | None = None
        self.env_raw: dict[Any, Any] | None = None  # os.environ's mapping when last sent
        self.reader = threading.Thread(target=self._read, name="tickwork-launcher-reader",
                                       daemon=True)
        self.reader.start()

    @property
    def pid(self) -> int:
        return int(self.proc.pid)

    def run(self, pending: Pending, message: list[Any], handing: Handing) -> bool:
        """Take a command for `handing`'s write (`send`); False: this launcher is gone (dead,
        or let go idle: `Handing.submit` picks another)."""
        with self.lock:
            if self.dead or self.retired:
                return False
            self.pending[pending.id] = pending
            self.busy_at = time.monotonic()
        handing.add(self, pending, message)
        return True

    def send(self, handed: list[tuple[Pending, list[Any]]]) -> None:
        """Commands `run` took, in one write: the engine's environment first when it
        changed, and after a command the cancel it got before it was sent."""
        with self.lock:
            if self.dead:
                return  # (its reader ended them)
            messages: list[Any] = []
            # the engine's environment, sent again when it changed: os.environ's own
            # mapping (bytes, kept by os.environ) compares in ~0.3 µs, a copy of os.environ
            # in ~25 µs a command
            raw = getattr(os.environ, "_data", None)
            if raw is None or raw != self.env_raw:
                self.env_raw = dict(raw) if raw is not None else None
                env = dict(os.environ)
                for name in NOT_PASSED_ON:
                    env.pop(name, None)
                if env != self.env_sent:
                    self.env_sent = env
                    messages.append(["env", env])
            for pending, message in handed:
                pending.sent = True
                messages.append(message)
                if pending.cancelled:
                    messages.append(["cancel", pending.id, pending.reason])
            with contextlib.suppress(OSError):  # it died: its reader ends the runs
                protocol.write_all(self.requests, protocol.encode(messages))

    def cancel(self, run_id: int, reason: str) -> None:
        with self.lock:
            pending = self.pending.get(run_id)
            if self.dead or pending is None:
                return
            pending.cancelled = pending.cancelled or time.monotonic()
            pending.reason = reason
            if pending.sent:  # else it goes right after the command (`send`)
                with contextlib.suppress(OSError):
                    protocol.write_all(self.requests, protocol.encode(
                        [["cancel", run_id, reason]]))

    def kill(self) -> None:
        """SIGKILL: its reader hears it go, and ends its runs."""
        with contextlib.suppress(OSError):
            self.proc.kill()

    def retire(self, idle: float, now: float) -> bool:
        """Take no more commands if it has had none pending for `idle` seconds (then
        `close`): whether it will. One with a command pending is never let go."""
        with self.lock:
            if not self.dead and not self.pending and now - self.busy_at >= idle:
                self.retired = True
            return self.retired

    def close(self) -> None:
        """Let the launcher go (it exits once its request pipe closes)."""
        with self.lock:
            if self.requests >= 0:
                os.close(self.requests)
                self.requests = -1

    # -- the reader thread ------------------------------------------------------------------

    def _read(self) -> None:
        frames = protocol.Frames()
        while True:
            try:
                data = os.read(self.results, protocol.READ_SIZE)
            except OSError:
                data = b""
            if not data:
                break
            for message in frames.feed(data):
                try:
                    self._heard(message)
                except Exception:  # a bug of ours must not stop every other run's reports
                    log.exception("launcher message %r", message[:2])
        self._died()

    def _heard(self, message: list[Any]) -> None:
        kind, run_id = message[0], message[1]
        pending = self.pending.get(run_id)
        if pending is None:
            return
        attempt = pending.attempt
        if kind == "out":
            pending.sink.on_output(attempt, message[2], message[3])
        elif kind == "started":
            attempt.pid, attempt.leader_created = message[2], message[3]
            attempt.started_at = datetime.fromtimestamp(message[4], UTC)
            pending.started = True
            pending.sink.on_started(attempt)  # the `running` row carries the group and start
        elif kind == "done":
            self.busy_at = time.monotonic()  # (before: an idle look sees it busy till now)
            del self.pending[run_id]
            pending.end(*message[2:7])

    def _died(self) -> None:
        """The launcher is gone: stop its runs' trees by token, end them `interrupted`."""
        with self.lock:
            self.dead = True
            left = list(self.pending.values())
            self.pending.clear()
            if self.requests >= 0:
                os.close(self.requests)
                self.requests = -1
        past_timeout(left, time.monotonic())  # a run past its timeout ends `timed_out`
        os.close(self.results)
        code = self.proc.wait()
        if self.pool.closed or self.retired:  # (one let go had nothing pending)
            return
        self.pool.replace(self)
        if not left:
            return
        why = f"the launcher process {self.proc.pid} died ({_exit_words(code)})"
        log.warning("%s with %s running: stopping them", why, plural(len(left), "command"))
        stop_all([RunProcesses(p.attempt.env.get(TOKEN_VAR), p.attempt.pid,
                               p.attempt.leader_created) for p in left], KILL_GRACE)
        for pending in left:
            try:
                pending.end("died", None, f"{why}; its commands were stopped", None)
            except Exception:
                log.exception("ending run %d", pending.attempt.run_id)


def _exit_words(code: int) -> str:
    return stopped_by(code) or f"exit code {code}"


LAUNCHERS: Launchers[Link] = Launchers(Link)
atexit.register(LAUNCHERS.close)  # they would go with this process anyway; now, quietly
_ids = itertools.count(1)


class Handing:
    """Commands handed over together (`with Handing() as handing`): each launcher's share
    goes to it in one write at the end of the block, not a write a command. Measured at
    the top of the hour (10,000 `/bin/true` due at once, 64 runs at once, three alternated
    pairs): the engine's CPU 2.21–2.26 s against 2.39–2.53 s, all started within
    5.79–5.96 s against 5.93–6.14 s. A long batch is sent every `SEND_EVERY` commands, so
    its first ones do not wait for the last to be made ready."""

    SEND_EVERY = 64

    def __init__(self) -> None:
        self._taken: dict[Link, list[tuple[Pending, list[Any]]]] = {}
        self._count = 0

    def __enter__(self) -> Handing:
        return self

    def __exit__(self, *exc: object) -> None:
        self.send()

    def send(self) -> None:
        taken, self._taken, self._count = self._taken, {}, 0
        for link, handed in taken.items():
            link.send(handed)

    def add(self, link: Link, pending: Pending, message: list[Any]) -> None:
        self._taken.setdefault(link, []).append((pending, message))
        self._count += 1
        if self._count >= self.SEND_EVERY:
            self.send()

    def submit(self, attempt: Attempt, argv: list[str], env: dict[str, str], sink: Sink,
               ended: Callable[[Outcome], None], end_file: str | None = None) -> None:
        """Hand a command to a launcher (written at the end of the block); the sink hears
        `on_started` and `on_output` on the way, and `ended` its Outcome (its tree gone
        when it was stopped). A cancel before the write follows the command in it. Its
        end goes to `end_file` should the engine die while it runs (ends.py)."""
        action = attempt.action
        pending = Pending(next(_ids), attempt, sink, ended)
        message = ["run", pending.id, argv, env, action.cwd or None, action.stdin, attempt.timeout,
                   list(attempt.secret_values), attempt.env.get(TOKEN_VAR), end_file]
        while True:
            link = LAUNCHERS.link()
            attempt.on_cancel = lambda link=link: link.cancel(  # type: ignore[misc]
                pending.id, attempt.cancel_reason or "cancelled")
            if link.run(pending, message, self):
                break
        LAUNCHERS.overdue.watch()
        if attempt.stop_requested:  # stopped before the launcher heard of it
            link.cancel(pending.id, attempt.cancel_reason or "cancelled")


def submit(attempt: Attempt, argv: list[str], env: dict[str, str], sink: Sink,
           ended: Callable[[Outcome], None]) -> None:
    """Hand one command to a launcher now (`Handing.submit`)."""
    with Handing() as handing:
        handing.submit(attempt, argv, env, sink, ended)


def outcome(attempt: Attempt, how: str, code: int | None, error: str | None,
            at: float | None) -> Outcome:
    """What a launcher's report of a command's end makes of its attempt."""
    ended = datetime.fromtimestamp(at, UTC) if at is not None else datetime.now(UTC)
    if how == "failed":
        return Outcome("failed", ended, exit_code=None, error=error)
    if how == "died":
        if attempt.stop_requested:  # a timeout or cancel it owed: that is why the run ended
            why = attempt.cancel_reason
            return Outcome(attempt.stop_status, ended, error=f"{why}; {error}" if error else why)
        return Outcome("interrupted", ended, error=error)
    if how == "timeout":
        attempt.cancel(error or "timed out", "timed_out")  # a person's cancel may have won
    if how in ("timeout", "stopped"):
        return Outcome(attempt.stop_status, ended, exit_code=code,
                       error=attempt.cancel_reason or error)
    if code == 0:
        return Outcome("succeeded", ended, exit_code=0)
    if code is not None and code < 0:  # (a real-time signal has no name: its number)
        return Outcome("failed", ended, exit_code=code, error=stopped_by(code))
    return Outcome("failed", ended, exit_code=code, error=f"exit code {code}")
