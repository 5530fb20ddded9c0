"""The engine's side of the Python workers: one worker process per executor thread, started
on that thread's first Python action (so never more than the engine's `workers`), kept while
idle, and replaced when it dies or is killed.

The executor thread that hands a run to its worker follows it to the end: it reads the
worker's frames, reports them to the `Sink` as an in-process run did (output, log lines and
progress as they come, a checkpoint that returns in the worker only once the engine has
committed it), and ends the run:
- the callable returns or raises: `succeeded` / `failed` (its traceback as stderr);
- its timeout passes: `timed_out` at once, and the worker's process group gets SIGTERM,
  then SIGKILL after `TERM_GRACE` (a `while True: pass` stops with it);
- a cancel or the engine's stop: `context.cancelled` turns true in the worker at once; a
  callable that has not returned `CANCEL_GRACE` later has its worker killed the same way;
  the run ends `cancelled` / `interrupted` either way;
- the worker dies under it (a segfault, `os._exit`, someone's `kill -9`): `interrupted`,
  retried by the task's policy; only that run is touched.
A run's CPU and memory are its worker's (its process tree) while it runs: the attempt carries
the worker's pid and its CPU seconds at the start (`Attempt.worker_cpu`) for the sampler.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from app import platform
from app.engine.attempts import Attempt, CheckpointError, Outcome, Sink, resolve_secrets
from app.engine.capture import Capture
from app.engine.pyworkers import protocol
from app.engine.pyworkers.deadlines import Deadlines
from app.engine.pyworkers.worker import PATH_VAR, PYTHONPATH_VAR

TERM_GRACE = 0.5  # seconds between SIGTERM and SIGKILL of a worker
CANCEL_GRACE = 1.0  # seconds a cancelled callable has to return before its worker is killed
_APP_ROOT = str(Path(__file__).resolve().parents[3])  # the folder holding the `app` package


class Served(Protocol):
    """The engine's half of a run's context: what a worker's `RunContext` asks of it."""

    def checkpoint(self, state: Any) -> None: ...
    def progress(self, fraction: float | None = None, message: str = "") -> None: ...
    def log(self, text: str) -> None: ...


def _now() -> datetime:
    return datetime.now(UTC)


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
        env = dict(os.environ)
        env[PATH_VAR] = json.dumps([str(p) for p in sys.path])
        env[PYTHONPATH_VAR] = json.dumps(os.environ.get("PYTHONPATH"))
        env["PYTHONPATH"] = _APP_ROOT
        try:
            self.proc = subprocess.Popen(
                worker_argv(run_there.fileno(), control_there.fileno()),
                pass_fds=(run_there.fileno(), control_there.fileno()), env=env,
                stdin=subprocess.DEVNULL, start_new_session=True, close_fds=True)
        finally:
            run_there.close()
            control_there.close()
        self.pid = self.proc.pid
        self.run = run
        self.control = control
        self.frames = protocol.Frames()
        self.cpu: float | None = None  # CPU seconds when its last run ended (None: unknown)
        self.greeted = False
        self.current: int | None = None  # the run it is on (guarded by `lock`)
        self.doomed = False  # it was told to stop: it gets no further run
        self.lock = threading.Lock()
        self._control_lock = threading.Lock()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def usable(self) -> bool:
        return not self.doomed and self.alive()

    def tell(self, data: bytes) -> None:
        """A control frame (any thread: a cancel comes from the dispatcher's)."""
        with self._control_lock, contextlib.suppress(OSError):  # gone: its run hears EOF
            self.control.sendall(data)

    def read(self) -> list[tuple[int, bytes]] | None:
        """The next frames it sends (blocking); None once it is gone."""
        try:
            data = self.run.recv(262144)
        except OSError:
            return None
        return self.frames.feed(data) if data else None

    def terminate(self, run_id: int) -> bool:
        """SIGTERM to its process group if it still runs `run_id` (any thread); it is not
        given another run after that. False when that run had already ended."""
        with self.lock:
            if self.current != run_id:
                return False
            self.doomed = True
            platform.kill_group(self.pid, signal.SIGTERM)
            return True

    def finish_off(self) -> None:
        """SIGKILL to its process group if it is still there after a SIGTERM."""
        if self.alive():
            platform.kill_group(self.pid, platform.SIGKILL)

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


def exit_text(code: int | None) -> str:
    if code is None:
        return "still running"
    if code < 0:
        try:
            return f"killed by signal {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


class PythonWorkers:
    """The workers of one executor; `run` is called on an executor thread."""

    def __init__(self, sink: Sink, serve: Callable[[Attempt, Sink], Served]) -> None:
        self.sink = sink
        self.serve = serve  # makes the engine's half of a run's context
        self._mine = threading.local()  # the calling thread's worker
        self._all: set[WorkerProcess] = set()
        self._lock = threading.Lock()
        self.started = 0  # workers started, replacements included
        self.deadlines = Deadlines()

    def pids(self) -> list[int]:
        with self._lock:
            return [w.pid for w in self._all]

    def close(self) -> None:
        """The engine stops: every worker goes (EOF first, then a kill for a busy one)."""
        with self._lock:
            workers, self._all = list(self._all), set()
        self.deadlines.close()
        for worker in workers:
            worker.hang_up()
        deadline = time.monotonic() + TERM_GRACE
        for worker in workers:
            with contextlib.suppress(subprocess.TimeoutExpired):
                worker.proc.wait(max(0.0, deadline - time.monotonic()))
            platform.kill_group(worker.pid, platform.SIGKILL)
            worker.proc.wait()

    def _worker(self) -> WorkerProcess:
        worker: WorkerProcess | None = getattr(self._mine, "worker", None)
        if worker is not None and worker.usable():
            return worker
        if worker is not None:
            self.discard(worker)
        worker = WorkerProcess()
        with self._lock:
            self._all.add(worker)
            self.started += 1
        self._mine.worker = worker
        return worker

    def discard(self, worker: WorkerProcess) -> int | None:
        with self._lock:
            self._all.discard(worker)
        if getattr(self._mine, "worker", None) is worker:
            self._mine.worker = None
        return worker.stop()

    def run(self, attempt: Attempt) -> Outcome:
        """Run a Python attempt in this thread's worker and follow it to its end."""
        request = self._request(attempt)
        worker = self._worker()
        attempt.pid = worker.pid
        attempt.worker_cpu = worker.cpu
        return RunFollower(self, worker, attempt).follow(request)

    def stop_later(self, worker: WorkerProcess, run_id: int, after: float) -> None:
        """Kill `worker` `after` seconds from now if it is still on `run_id` then."""
        def stop() -> None:
            if worker.terminate(run_id):
                self.deadlines.at(time.monotonic() + TERM_GRACE, worker.finish_off)

        self.deadlines.at(time.monotonic() + after, stop)

    def _request(self, attempt: Attempt) -> bytes:
        action = attempt.action
        request: dict[str, Any] = {
            "run_id": attempt.run_id, "target": action.target, "cwd": action.cwd,
            "kwargs": action.kwargs, "task_name": attempt.task_name,
            "scheduled_for": attempt.scheduled_for.isoformat(), "attempt": attempt.attempt,
            "resume_state": attempt.resume_state, "env": attempt.env}
        if attempt.secret_env:  # resolved here, per run; sent with this run only
            try:
                request["secrets"] = resolve_secrets(attempt, self.sink)
            except LookupError as exc:  # an error only for a callable that takes a context
                request["secret_error"] = str(exc)
        return protocol.json_frame(protocol.RUN, request)


class RunFollower:
    """One run in one worker, from the hand-over to its end (the executor thread)."""

    def __init__(self, pool: PythonWorkers, worker: WorkerProcess, attempt: Attempt) -> None:
        self.pool = pool
        self.worker = worker
        self.attempt = attempt
        self.sink = pool.sink
        self._capture: Capture | None = None
        self._context: Served | None = None

    def follow(self, request: bytes) -> Outcome:
        attempt, worker, pool = self.attempt, self.worker, self.pool
        run_id = attempt.run_id
        with worker.lock:
            worker.current = run_id
        cancel = protocol.frame(protocol.CANCEL, str(run_id).encode())

        def on_cancel() -> None:  # the dispatcher's thread, or the deadline's
            worker.tell(cancel)
            grace = 0.0 if attempt.stop_status == "timed_out" else CANCEL_GRACE
            pool.stop_later(worker, run_id, grace)

        attempt.on_cancel = on_cancel
        timeout = None
        if attempt.timeout is not None:
            timeout = pool.deadlines.at(time.monotonic() + attempt.timeout, lambda: attempt.cancel(
                f"timed out after {attempt.timeout:g}s", "timed_out"))
        try:
            if attempt.cancel_event.is_set():  # (a cancel before on_cancel was set)
                on_cancel()
            try:
                worker.run.sendall(request)
            except OSError:
                return self._lost()
            while True:
                frames = worker.read()
                if frames is None:
                    return self._lost()
                for kind, payload in frames:
                    if kind == protocol.DONE:
                        with worker.lock:
                            worker.current = None
                        return self._done(json.loads(payload))
                    self._serve(kind, payload)
        finally:
            attempt.on_cancel = None
            if timeout is not None:
                pool.deadlines.drop(timeout)

    def _serve(self, kind: int, payload: bytes) -> None:
        attempt = self.attempt
        if kind == protocol.STDOUT or kind == protocol.STDERR:
            self._output().add("stdout" if kind == protocol.STDOUT else "stderr", payload)
        elif kind == protocol.LOG:
            self._run_context().log(payload.decode(errors="replace"))
        elif kind == protocol.PROGRESS:
            progress = json.loads(payload)
            self._run_context().progress(progress.get("fraction"), progress.get("message", ""))
        elif kind == protocol.CHECKPOINT:
            reply: dict[str, Any] = {"error": None}
            try:
                self._run_context().checkpoint(json.loads(payload))
            except CheckpointError as exc:
                reply = {"error": str(exc), "type": "CheckpointError"}
            except (ValueError, TypeError) as exc:
                reply = {"error": str(exc), "type": "ValueError"}
            self.worker.tell(protocol.json_frame(protocol.COMMITTED, reply))
        elif kind == protocol.HELLO:
            self.worker.greeted = True
            cpu = json.loads(payload).get("cpu")
            if attempt.worker_cpu is None:
                attempt.worker_cpu = cpu
            self.worker.cpu = cpu
        # CANCEL_SEEN: the loop looks at the cancel flag on every wake-up anyway

    def _output(self) -> Capture:
        if self._capture is None:
            self._capture = Capture(self.attempt, self.sink)
        return self._capture

    def _run_context(self) -> Served:
        if self._context is None:
            self._context = self.pool.serve(self.attempt, self.sink)
        return self._context

    def _finish_output(self) -> None:
        if self._capture is not None:
            self._capture.finish()

    def _lost(self) -> Outcome:
        attempt, worker = self.attempt, self.worker
        try:
            code = worker.proc.wait(TERM_GRACE * 2)  # (a stop's SIGKILL follows its SIGTERM)
        except subprocess.TimeoutExpired:
            code = None
        self.pool.discard(worker)
        self._finish_output()
        if attempt.cancel_event.is_set():
            return Outcome(attempt.stop_status, _now(), error=attempt.cancel_reason)
        if not worker.greeted:
            return Outcome("failed", _now(), error="the Python worker could not start "
                                                   f"({exit_text(code)})")
        return Outcome("interrupted", _now(),
                       error=f"the Python worker running it died ({exit_text(code)})")

    def _done(self, end: dict[str, Any]) -> Outcome:
        attempt, sink = self.attempt, self.sink
        self.worker.cpu = end.get("cpu", self.worker.cpu)
        self._finish_output()
        if "load_error" in end:
            return Outcome("failed", _now(),
                           error=f"cannot load {attempt.action.target}: {end['load_error']}")
        if "secret_error" in end:
            return Outcome("failed", _now(), error=end["secret_error"])
        if end.get("traceback"):
            sink.on_output(attempt, "stderr", end["traceback"])
        if attempt.cancel_event.is_set():
            return Outcome(attempt.stop_status, _now(), error=attempt.cancel_reason)
        if end.get("error"):
            return Outcome("failed", _now(), error=end["error"])
        if end.get("result") is not None:
            sink.on_output(attempt, "tickwork", f"returned: {end['result']}\n")
        return Outcome("succeeded", _now())
