"""One Python worker process as the engine holds it: how it starts, its two channels, the
pipes that are its fds 1 and 2 (read by the engine, so what it wrote before it died is still
there to read), a pidfd that says when it exited (whoever still holds its channels), and how
it is stopped or killed with everything it started (app/engine/pyworkers/pool.py decides
when)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Protocol

import psutil  # type: ignore[import-untyped]  # no stubs installed

from app import platform
from app.core.run import stopped_by
from app.engine.attempts import Attempt
from app.engine.lineage import HELPER_VAR
from app.engine.processes import (
    KILL_GRACE,
    RunProcesses,
    Stopped,
    helper_mark,
    identity,
    leader_created,
)
from app.engine.pyworkers import protocol
from app.engine.pyworkers.worker import FORKS_VAR, PATH_VAR, PYTHONPATH_VAR

# a start ended by one of these was stopped from outside, not broken (a person, the OOM killer)
STOP_SIGNALS = frozenset(int(getattr(signal, name)) for name in
                         ("SIGKILL", "SIGTERM", "SIGINT", "SIGHUP") if hasattr(signal, name))


class Follower(Protocol):
    """The run a worker is on, as the reader thread feeds it (`run.Run`)."""

    attempt: Attempt

    def serve(self, kind: int, payload: bytes) -> None: ...
    def lost(self) -> None: ...

TERM_GRACE = 0.5  # seconds between SIGTERM and SIGKILL of a worker
_APP_ROOT = str(Path(__file__).resolve().parents[3])  # the folder holding the `app` package


def worker_argv(run_fd: int, control_fd: int) -> list[str]:
    """How a worker starts: a fresh interpreter (never a fork of the engine, which has
    threads and Qt); in a PyInstaller bundle, the bundle's hidden worker entry."""
    fds = [str(run_fd), str(control_fd)]
    if getattr(sys, "frozen", False):
        return [sys.executable, "--tickwork-worker", "python", *fds]
    # -P: the engine's working folder is not put first on the path, so an `app` folder
    # there cannot stand in for Tickwork's own (the callable's path is the engine's)
    return [sys.executable, "-P", "-m", "app.engine.pyworkers.worker", *fds]


class WorkerProcess:
    """One worker process and the engine's ends of its two channels."""

    def __init__(self) -> None:
        run, run_there = socket.socketpair()
        control, control_there = socket.socketpair()
        out, out_there = os.pipe()
        err, err_there = os.pipe()
        forks, forks_there = os.pipe()
        env = dict(os.environ)
        env[FORKS_VAR] = str(forks_there)
        env[protocol.MARK_VAR] = token = protocol.new_token()
        env[PATH_VAR] = json.dumps([str(p) for p in sys.path])
        env[PYTHONPATH_VAR] = json.dumps(os.environ.get("PYTHONPATH"))
        env["PYTHONPATH"] = _APP_ROOT
        env[HELPER_VAR] = helper_mark()  # a later engine's recovery finds it (lineage.py)
        try:
            self.proc = subprocess.Popen(
                worker_argv(run_there.fileno(), control_there.fileno()),
                pass_fds=(run_there.fileno(), control_there.fileno(), forks_there), env=env,
                stdin=subprocess.DEVNULL, stdout=out_there, stderr=err_there,
                start_new_session=True, close_fds=True)
        except BaseException:
            for fd in (out, err, forks):
                os.close(fd)
            raise
        finally:
            run_there.close()
            control_there.close()
            for fd in (out_there, err_there, forks_there):
                os.close(fd)
        self.pid = self.proc.pid
        self.created = leader_created(self.pid)  # tells it from a later process with its pid
        self.outputs = ((out, protocol.STDOUT), (err, protocol.STDERR))
        self.marked = protocol.Marked(protocol.mark(token))  # its fd 1: output, progress records
        self.forks_fd = forks  # "pid start" a line, from each process a callable forked
        self._forks = b""
        self.forked: dict[int, str] = {}  # ... those, by pid: their start (`identity`)
        for fd in (out, err, forks):
            os.set_blocking(fd, False)
        self.exit_fd = _pidfd(self.pid)  # readable once it exited (None: unknown here)
        self.processes: RunProcesses | None = None  # what a stop found of its run
        self.run = run
        self.control = control
        self.frames = protocol.Frames()
        self.cpu: float | None = None  # CPU seconds when its last run ended (None: unknown)
        self.fd = run.fileno()
        self.greeted = False
        self.current: int | None = None  # the run it is on (guarded by `lock`) ...
        self.task: Follower | None = None  # ... and that run's state, for the reader thread
        self.doomed = False  # it was told to stop: it gets no further run
        self.packed = False  # its run was handed to the packed workers' one CPU (cpus.py) ...
        self.began = 0.0  # ... at this monotonic time
        self.dead = False  # the reader heard its channel close
        self.late = False  # killed for not saying hello within the pool's START_TIMEOUT
        self.garbled = ""  # what it sent that the engine could not read (then it is killed)
        self.stopped = Stopped()  # how long it has stood stopped on a run (SIGSTOP, a debugger)
        self.lock = threading.Lock()
        self._control_lock = threading.Lock()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def heard_forks(self, data: bytes) -> None:
        """Lines from its forks pipe (the reader thread); those gone are forgotten. One
        heard of after the worker died (a fork racing its death) is killed at once."""
        *lines, self._forks = (self._forks + data).split(b"\n")
        with self.lock:
            for line in lines:
                pid, _, start = line.decode(errors="replace").partition(" ")
                if not pid.isdecimal():
                    continue
                self.forked[int(pid)] = start
                if self.dead and identity(int(pid)) == start:
                    with contextlib.suppress(OSError):
                        os.kill(int(pid), platform.SIGKILL)
            if len(self.forked) > 256:
                self.forked = {pid: start for pid, start in self.forked.items()
                               if identity(pid) == start}

    def _with_forks(self, found: RunProcesses) -> RunProcesses:
        """`found`, and the processes it forked that are still the ones it forked."""
        with self.lock:
            forked = list(self.forked.items())
        for pid, start in forked:
            if identity(pid) == start:
                with contextlib.suppress(psutil.Error):
                    found.seen.setdefault(pid, psutil.Process(pid))
        return found

    def tell(self, data: bytes) -> None:
        """A control frame (any thread: a cancel comes from the dispatcher's)."""
        with self._control_lock, contextlib.suppress(OSError):  # gone: its run hears EOF
            self.control.sendall(data)

    def send(self, data: bytes) -> None:
        """A run to it (the executor thread handing it over); OSError when it is gone."""
        self.run.sendall(data)

    def terminate(self, run_id: int, token: str | None = None) -> bool:
        """`kill` it if it still runs `run_id` (any thread); it is not given another run
        after that. False when that run had already ended."""
        with self.lock:
            if self.current != run_id:
                return False
            self.doomed = True
        self.kill(token)
        return True

    def kill(self, token: str | None = None) -> None:
        """SIGTERM to it, its process group and every process of its tree — found while it
        is held (SIGSTOP) and still their ancestor, so a child that forked itself out of the
        group (`setsid`, no exec: no token in its /proc environment) is found too; `finish_off`
        follows. It is never given another run."""
        with self.lock:
            self.doomed = True
        found = self.processes = self._with_forks(RunProcesses(token, self.pid, self.created))
        if self.created is None or not self.alive():
            platform.kill_group(self.pid, signal.SIGTERM)
            return
        os.kill(self.pid, signal.SIGSTOP)  # (a stopped subreaper still adopts orphans)
        held: set[int] = set()
        while fresh := [p for p in found.find([]) if p.pid not in held]:
            _signal(fresh, signal.SIGSTOP)  # none forks again before the SIGTERM
            held.update(p.pid for p in fresh)
        for sig in (signal.SIGTERM, signal.SIGCONT):  # (by token: finish_off, off this thread)
            platform.kill_group(self.pid, sig)
            _signal(found.alive(), sig)

    def finish_off(self, token: str | None = None) -> None:
        """SIGKILL to its process group if it is still there after a SIGTERM; then, on a
        thread of its own, what `kill` found of its run and whatever carries its `token`."""
        if self.alive():
            platform.kill_group(self.pid, platform.SIGKILL)
        found = self._with_forks(self.processes or RunProcesses(token))
        if token or found.seen:
            threading.Thread(target=found.stop, args=(KILL_GRACE,), daemon=True,
                             name="tickwork-python-escapees").start()

    def stop(self) -> int | None:
        """Kill it and what it started (its process group): SIGTERM, then SIGKILL."""
        platform.kill_group(self.pid, signal.SIGTERM)
        try:
            code = self.proc.wait(TERM_GRACE)
        except subprocess.TimeoutExpired:
            platform.kill_group(self.pid, platform.SIGKILL)
            code = self.proc.wait()
        platform.kill_group(self.pid, platform.SIGKILL)  # children that outlived it
        self.close()
        return code

    def hang_up(self) -> None:
        """End both channels (any thread): the worker exits, a blocked read returns."""
        for sock in (self.run, self.control):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.run.close()
        self.control.close()
        for fd in (*(fd for fd, _kind in self.outputs), self.exit_fd):  # (forks: the reader's)
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)


def _signal(procs: list[psutil.Process], sig: int) -> None:
    for proc in procs:
        with contextlib.suppress(psutil.Error, OSError):
            proc.send_signal(sig)  # psutil refuses a pid reused since it was seen


def _pidfd(pid: int) -> int | None:
    try:
        return os.pidfd_open(pid)  # type: ignore[attr-defined,unused-ignore]
    except (AttributeError, OSError):
        return None


def start_failure(late: bool, code: int | None, timeout: float) -> tuple[str, str]:
    """Why a worker that never said hello is gone (`late`: killed at its start `timeout`),
    and the status of the run it was started for: `interrupted` when something outside
    stopped it (a person, the OOM killer), as for a worker killed mid-run; else `failed`."""
    why = (f"did not start within {timeout:g} s" if late else exit_text(code) if code is not None
           else "it closed its channel, and was stopped")
    stopped = not late and code is not None and -code in STOP_SIGNALS
    return f"the Python worker could not start ({why})", "interrupted" if stopped else "failed"


def exit_text(code: int | None) -> str:
    if code is None:
        return "still running"
    return stopped_by(code) or f"exit code {code}"
