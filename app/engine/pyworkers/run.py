"""One Python run in one worker, as the engine follows it: handed over by an executor
thread (`begin`), then fed the worker's frames by the pool's reader thread until it ends
(`serve`), and reported to the `Sink` as an in-process run was (output, log lines and
progress as they come, a checkpoint that returns in the worker only once the engine has
committed it, then `on_finished`). It ends:
- the callable returns or raises: `succeeded` / `failed` (its traceback as stderr; a module
  not found says the working folder it was looked for in: `core.module_words`);
- its timeout passes: `timed_out` at once, and the worker's process group gets SIGTERM,
  then SIGKILL after `TERM_GRACE` (a `while True: pass` stops with it);
- a cancel or the engine's stop: `context.cancelled` turns true in the worker at once; a
  callable that has not returned `CANCEL_GRACE` later has its worker killed the same way;
  the run ends `cancelled` / `interrupted` either way;
- the worker dies under it (a segfault, `os._exit`, someone's `kill -9`): `interrupted`,
  retried by the task's policy; only that run is touched, and all it wrote is its output.
A run that returns leaving threads or processes running ends as it returned, and its worker
is killed with them (`pool.retire`): no later run shares a process with them.
A run's CPU and memory are its worker's (its process tree) while it runs: the attempt carries
the worker's pid and its CPU seconds at the start (`Attempt.worker_cpu`) for the sampler.

A checkpoint waits for the store, so it is served on a thread of its own and the run's
later frames wait behind it; no other run's frames do. A worker that dies is waited for on
a thread of its own too (its exit status names the cause)."""

from __future__ import annotations

import contextlib
import json
import subprocess
import threading
from collections.abc import Callable
from typing import Any, Protocol

from app.core.module_words import not_found
from app.core.run import progress_line
from app.engine.attempts import Attempt, CheckpointError, Outcome, Sink, resolve_secrets, utcnow
from app.engine.capture import Capture
from app.engine.lineage import TOKEN_VAR
from app.engine.pyworkers import protocol
from app.engine.pyworkers.cpus import Packing
from app.engine.pyworkers.deadlines import Deadlines
from app.engine.pyworkers.process import TERM_GRACE, WorkerProcess, exit_text

CANCEL_GRACE = 1.0  # seconds a cancelled callable has to return before its worker is killed


class Served(Protocol):
    """The engine's half of a run's context: what a worker's `RunContext` asks of it."""

    def checkpoint(self, state: Any) -> None: ...
    def progress(self, fraction: float | None = None, message: str = "") -> None: ...
    def log(self, text: str) -> None: ...


class Pool(Protocol):
    """What a run asks of the pool that handed it over (`pool.PythonWorkers`)."""

    sink: Sink
    serve: Callable[[Attempt, Sink], Served]
    deadlines: Deadlines
    packing: Packing

    def stop_later(self, worker: WorkerProcess, run_id: int, after: float,
                   token: str) -> None: ...
    def release(self, worker: WorkerProcess, run: Any) -> None: ...
    def retire(self, worker: WorkerProcess, token: str) -> None: ...
    def discard(self, worker: WorkerProcess) -> int | None: ...


def time_out(attempt: Attempt) -> None:
    """A Python run's timeout passed (on the deadline thread; waiting or running)."""
    attempt.cancel(f"timed out after {attempt.timeout:g} s", "timed_out")


class Run:
    """One run in one worker, from the hand-over to its end."""

    def __init__(self, pool: Pool, worker: WorkerProcess, attempt: Attempt) -> None:
        self.pool = pool
        self.worker = worker
        self.attempt = attempt
        self.sink = pool.sink
        self._capture: Capture | None = None
        self._context: Served | None = None
        self._timeout: int | None = None
        self._lock = threading.Lock()
        self._ended = False
        self._held: list[tuple[int, bytes]] | None = None  # frames behind a checkpoint
        self._open_line = False  # its last output did not end a line

    def begin(self, request: bytes, since: float) -> None:
        """Send the run to its worker (an executor thread, or the reader thread for a run
        that waited); the reader thread hears the rest. Its timeout counts from `since`,
        when it was handed over (monotonic)."""
        attempt, worker = self.attempt, self.worker
        with worker.lock:
            dead = worker.dead
            worker.current = attempt.run_id
            worker.task = self
            if attempt.worker_cpu is None:
                attempt.worker_cpu = worker.cpu
        attempt.on_cancel = self.on_cancel
        if attempt.timeout is not None:
            self._timeout = self.pool.deadlines.at(since + attempt.timeout,
                                                   lambda: time_out(attempt))
        if attempt.stop_requested:  # (a cancel before on_cancel was set)
            self.on_cancel()
        if dead:  # it died while idle, and the reader already heard it
            self.lost()
            return
        with contextlib.suppress(OSError):  # gone: the reader hears it close, ends the run
            worker.send(request)

    def on_cancel(self) -> None:
        """The dispatcher's thread, or the deadline's: the worker hears it at once, and is
        killed if the callable has not returned after its grace."""
        attempt = self.attempt
        self.worker.tell(protocol.frame(protocol.CANCEL, str(attempt.run_id).encode()))
        grace = 0.0 if attempt.stop_status == "timed_out" else CANCEL_GRACE
        self.pool.stop_later(self.worker, attempt.run_id, grace, attempt.env.get(TOKEN_VAR, ""))

    # -- the reader thread ------------------------------------------------------------------

    def serve(self, kind: int, payload: bytes) -> None:
        """One frame of this run's worker."""
        with self._lock:
            if self._held is not None:  # a checkpoint is being served: after it
                self._held.append((kind, payload))
                return
            if kind == protocol.CHECKPOINT:
                self._held = []
        if kind == protocol.CHECKPOINT:
            threading.Thread(target=self._checkpoints, args=(payload,), daemon=True,
                             name="tickwork-python-checkpoint").start()
        else:
            self._frame(kind, payload)

    def _checkpoints(self, payload: bytes) -> None:
        """A checkpoint, and then the frames that came while it was served, in order."""
        self._checkpoint(payload)
        while True:
            with self._lock:
                held = self._held or []
                self._held = [] if held else None
            if not held:
                return
            for kind, data in held:
                if kind == protocol.CHECKPOINT:
                    self._checkpoint(data)
                else:
                    self._frame(kind, data)

    def _frame(self, kind: int, payload: bytes) -> None:
        if self._ended:  # (its worker died while a checkpoint was served)
            return
        if kind == protocol.QUIET_DONE:
            (self.worker.cpu,) = protocol.CPU.unpack(payload)
            self._used()
            self.finish(self._stopped() or Outcome("succeeded", utcnow()))
        elif kind == protocol.DONE:
            end = protocol.run_end(payload)  # (ValueError: the reader's `garbled`)
            self.worker.cpu = end.get("cpu", self.worker.cpu)
            self._used()
            self.finish(self._done(end))
        elif kind == protocol.STDOUT or kind == protocol.STDERR:
            self._output().add("stdout" if kind == protocol.STDOUT else "stderr", payload)
            self._open_line = not payload.endswith(b"\n")
        elif kind == protocol.PROGRESS:  # a line of its output, within the same bounds
            try:
                progress = json.loads(payload)
                line = progress_line(progress["fraction"], str(progress["message"]))
            except (ValueError, TypeError, KeyError):  # (no record of the worker's)
                return
            if self._open_line:  # on a line of its own (as `_say`'s)
                line, self._open_line = "\n" + line, False
            self._output().say("tickwork", line, live=True)
        # CANCEL_SEEN: nothing to do (the run ends when its worker says so, or dies)

    def _used(self) -> None:
        """The CPU seconds the run took, for the workers' placement (cpus.py)."""
        was, now = self.attempt.worker_cpu, self.worker.cpu
        self.pool.packing.ended(None if was is None or now is None else now - was)

    def _checkpoint(self, payload: bytes) -> None:
        reply: dict[str, Any] = {"error": None}
        try:
            self._run_context().checkpoint(json.loads(payload))
        except CheckpointError as exc:
            reply = {"error": str(exc), "type": "CheckpointError"}
        except (ValueError, TypeError) as exc:
            reply = {"error": str(exc), "type": "ValueError"}
        self.worker.tell(protocol.json_frame(protocol.COMMITTED, reply))

    def _output(self) -> Capture:
        if self._capture is None:
            self._capture = Capture(self.attempt, self.sink)
        return self._capture

    def _output_done(self) -> None:
        if self._capture is not None:
            self._capture.finish()
            self._capture = None

    def _run_context(self) -> Served:
        if self._context is None:
            self._context = self.pool.serve(self.attempt, self.sink)
        return self._context

    # -- its end ----------------------------------------------------------------------------

    def finish(self, outcome: Outcome) -> None:
        """Report the end once (whichever of its end, its worker's death or the engine's stop
        comes first); the worker is idle again before the dispatcher hears it."""
        with self._lock:
            if self._ended:
                return
            self._ended = True
        attempt = self.attempt
        attempt.on_cancel = None
        if self._timeout is not None:
            self.pool.deadlines.drop(self._timeout)
        self._output_done()
        self.pool.release(self.worker, self)
        self.sink.on_finished(attempt, outcome)

    def lost(self) -> None:
        """Its worker's channel closed under it (its own thread: the worker is waited for)."""
        worker = self.worker
        try:
            code = worker.proc.wait(TERM_GRACE * 2)  # (a stop's SIGKILL follows its SIGTERM)
        except subprocess.TimeoutExpired:
            code = None
        self.pool.discard(worker)
        worker.finish_off(self.attempt.env.get(TOKEN_VAR))  # what it left: its forks too
        stopped = self._stopped()
        if stopped is not None:
            self.finish(stopped)
        else:  # (a run is handed only to a worker that has said hello)
            # alive with its channel closed (by an action): it read "died (still running)"
            why = (f"{worker.garbled} and was killed" if worker.garbled
                   else f"died ({exit_text(code)})" if code is not None
                   else "stopped answering (its channel to the engine closed) and was killed")
            self.finish(Outcome("interrupted", utcnow(),
                                error=f"the Python worker running it {why}"))

    def _stopped(self) -> Outcome | None:
        attempt = self.attempt
        if attempt.stop_requested:
            return attempt.stopped()
        return None

    def _done(self, end: dict[str, Any]) -> Outcome:
        attempt = self.attempt
        if self._capture is not None:  # what it printed comes whole before its traceback
            self._capture.flush()
        if end.get("left") or end.get("changed") or end.get("crowded"):
            self.pool.retire(self.worker, attempt.env.get(TOKEN_VAR, ""))
        if end.get("left"):
            self._say(f"the action left {end['left']} running: stopped with its worker\n")
        if end.get("changed"):
            self._say(f"the action changed its worker's {end['changed']}, which no later run "
                      "may inherit: the worker is replaced\n")
        if end.get("crowded"):
            self._say(f"the action left its worker {end['crowded']}: the worker is replaced\n")
        if "start_error" in end:  # its working folder is not there: as a command says it
            return Outcome("failed", utcnow(),
                           error=f"cannot start {attempt.action.target!r}: {end['start_error']}")
        missing = end.get("missing_module")
        if "load_error" in end:
            said = (not_found(missing, end.get("folder")) if missing else end["load_error"])
            return Outcome("failed", utcnow(),
                           error=f"cannot load {attempt.action.target}: {said}")
        if "secret_error" in end:
            return Outcome("failed", utcnow(), error=end["secret_error"])
        if end.get("traceback"):
            self._say(end["traceback"], "stderr", end.get("traceback_left_out", 0))
        stopped = self._stopped()
        if stopped is not None:
            return stopped
        if end.get("error"):
            return Outcome("failed", utcnow(), error=(
                f"ModuleNotFoundError: {not_found(missing, end.get('folder'))}" if missing
                else end["error"]))  # (cut to its bounds once masked: the recorder)
        if end.get("result_left_out"):  # (its start, "returned: " too, left out: bounds.py)
            self._say(f"{end['result']}\n", left_out=len("returned: ") + end["result_left_out"])
        elif end.get("result") is not None:
            self._say(f"returned: {end['result']}\n")
        return Outcome("succeeded", utcnow())

    def _say(self, text: str, stream: str = "tickwork", left_out: int = 0) -> None:
        """A line of the engine's after the run's output, on a line of its own, within the
        output's bounds (a value returned or a traceback of 50 MB was stored whole); one
        whose start its worker left out (`left_out` characters) said where it was cut."""
        if self._open_line:  # (in what was left out, if anything was)
            if left_out:
                left_out += 1
            else:
                text = "\n" + text
            self._open_line = False
        output = self._output()
        output.omit(left_out)
        output.say(stream, text)


def request_frame(attempt: Attempt, sink: Sink, cpus: list[int] | None = None) -> bytes:
    """The RUN frame that hands `attempt` to a worker, to run on `cpus` (None: all of the
    engine's; cpus.py); its secrets are resolved here, per run, and travel with this run
    only."""
    action = attempt.action
    request: dict[str, Any] = {
        "run_id": attempt.run_id, "target": action.target, "cwd": action.cwd,
        "kwargs": action.kwargs, "task_name": attempt.task_name,
        "scheduled_for": attempt.scheduled_for.isoformat(), "attempt": attempt.attempt,
        "resume_state": attempt.resume_state, "env": attempt.env}
    if cpus is not None:
        request["cpus"] = cpus
    if attempt.secret_env:
        try:
            request["secrets"] = resolve_secrets(attempt, sink)
        except LookupError as exc:  # an error only for a callable that takes a context
            request["secret_error"] = str(exc)
    return protocol.json_frame(protocol.RUN, request)
