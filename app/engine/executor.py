"""Runs actions in a QThreadPool and reports what happened.

A command runs as its own process group, carrying its run's token in its environment; a
timeout, a cancel or an engine stop kills everything it started, children that called
`setsid` included (`processes.RunProcesses`). The sink hears that a command started only
once its process exists, so the ledger's `running` row carries its process group and the
leader's start time. Its output is read incrementally and handed to the sink as it arrives.
A Python action `module:function` runs in a worker process (app/engine/pyworkers) with its
JSON keyword arguments, plus a `context` when the function declares a parameter of that
name; the pool thread hands it over and goes on, and one reader thread follows every
worker to the end of its run, so a timeout, a cancel or the engine's stop kills it for real
and a crash ends only its run (`interrupted`).

The executor never touches the store: it reports to a `Sink` (the dispatcher), which owns
the run's bookkeeping. The engine needs QtCore only.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import selectors
import signal
import subprocess
import threading
import time
import traceback
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QThreadPool

from app import platform
from app.engine.attempts import MAX_CHECKPOINT, Attempt, CheckpointError, Outcome, Sink
from app.engine.capture import Capture
from app.engine.processes import TOKEN_VAR, RunProcesses, leader_created
from app.engine.pyworkers.pool import PythonWorkers

KILL_GRACE = 2.0  # seconds between SIGTERM and SIGKILL of a process group

__all__ = ["KILL_GRACE", "MAX_CHECKPOINT", "Attempt", "CheckpointError", "Executor", "Outcome",
           "RunContext", "Sink"]


class RunContext:
    """The engine's half of a Python action's context: what the worker's `RunContext`
    (app/engine/pyworkers/context.py) asks of the engine, reported to the sink."""

    def __init__(self, attempt: Attempt, sink: Sink) -> None:
        self._attempt = attempt
        self._sink = sink
        self.run_id = attempt.run_id
        self.task_name = attempt.task_name
        self.scheduled_for = attempt.scheduled_for
        self.attempt = attempt.attempt
        self.resume_state = attempt.resume_state
        self.env: dict[str, str] = {}  # the task's environment, secrets resolved

    @property
    def cancelled(self) -> bool:
        return self._attempt.cancel_event.is_set()

    def checkpoint(self, state: Any) -> None:
        """Save a small JSON state that the next attempt of this run receives.

        Returns once the state is committed to the store, so work done after the call is
        never repeated by a resumed attempt; raises CheckpointError when the store could not
        commit it in time, and ValueError when it is not JSON or larger than 64 KiB.
        """
        text = json.dumps(state)
        if len(text.encode()) > MAX_CHECKPOINT:
            raise ValueError(f"checkpoint is larger than {MAX_CHECKPOINT} bytes")
        self._sink.on_checkpoint(self._attempt, json.loads(text))

    def progress(self, fraction: float | None = None, message: str = "") -> None:
        self._sink.on_progress(self._attempt, fraction, message)

    def log(self, text: str) -> None:
        self._sink.on_output(self._attempt, "stdout", text if text.endswith("\n") else text + "\n")


def _now() -> datetime:
    return datetime.now(UTC)


class Executor:
    """A QThreadPool of workers; `start` hands it an attempt, the sink hears the rest."""

    def __init__(self, sink: Sink, workers: int) -> None:
        self.sink = sink
        self.workers = workers
        self.pool = QThreadPool()
        self.pool.setMaxThreadCount(workers)
        self._queue: queue.SimpleQueue[Attempt | None] = queue.SimpleQueue()
        self._started = False
        self.python = PythonWorkers(sink, RunContext)  # Python actions' worker processes

    def start(self, attempt: Attempt) -> None:
        """Run an attempt on a free worker (the dispatcher never starts more than `workers`).

        The pool's threads each run one long-lived worker loop fed from a queue: handing
        QThreadPool a new runnable per attempt costs more than a trivial action itself.
        """
        if not self._started:
            self._started = True
            for _ in range(self.workers):
                self.pool.start(self._worker)
        self._queue.put(attempt)

    def shutdown(self, timeout: float) -> bool:
        """Stop the worker loops once they are idle; True when every thread is done."""
        for _ in range(self.workers):
            self._queue.put(None)
        done = bool(self.pool.waitForDone(int(timeout * 1000)))
        self.python.close()
        return done

    def _worker(self) -> None:
        while True:
            attempt = self._queue.get()
            if attempt is None:
                return
            self._run(attempt)

    def _run(self, attempt: Attempt) -> None:
        attempt.started_at = _now()
        try:
            if attempt.cancel_event.is_set():
                self.sink.on_started(attempt)
                outcome = Outcome(attempt.stop_status, _now(), error=attempt.cancel_reason)
            elif attempt.action.kind == "command":
                outcome = self._run_command(attempt)  # tells the sink once its process exists
            else:
                self.sink.on_started(attempt)
                self._run_python(attempt)
                return  # its worker's end is reported by the pool's reader thread
        except Exception as exc:  # a bug of ours must still end the run, never hang it
            outcome = Outcome("failed", _now(), error=f"engine error: {exc!r}")
            self.sink.on_output(attempt, "tickwork", traceback.format_exc())
        self.sink.on_finished(attempt, outcome)

    def _secrets(self, attempt: Attempt) -> dict[str, str]:
        values: dict[str, str] = {}
        for key, name in attempt.secret_env.items():
            try:
                value = self.sink.secret(name)
            except Exception as exc:
                raise LookupError(f"cannot read secret {name!r} for {key}: {exc}") from None
            if value is None:
                raise LookupError(f"secret {name!r} for {key} is not in the keyring")
            values[key] = value
        attempt.secret_values = tuple(values.values())
        return values

    # -- Python actions ---------------------------------------------------------------------

    def _run_python(self, attempt: Attempt) -> None:
        self.python.hand(attempt)  # to an idle worker process; this thread goes on

    # -- commands ---------------------------------------------------------------------------

    def _run_command(self, attempt: Attempt) -> Outcome:
        action = attempt.action
        shell = action.shell_program or "/bin/sh"  # cron's SHELL, when the task names one
        argv = [shell, "-c", action.argv[0]] if action.shell else list(action.argv)
        try:
            env = {**os.environ, **attempt.env, **self._secrets(attempt)}
        except LookupError as exc:
            self.sink.on_started(attempt)
            return Outcome("failed", _now(), error=str(exc))
        try:
            proc = subprocess.Popen(
                argv, cwd=action.cwd or None, env=env,
                stdin=subprocess.DEVNULL if action.stdin is None else subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                close_fds=True,
            )
        except (OSError, ValueError) as exc:
            self.sink.on_started(attempt)
            return Outcome("failed", _now(), exit_code=None,
                           error=f"cannot start {argv[0]!r}: {exc}")
        if action.stdin is not None:  # cron's `%` text: fed by a thread, so a command that
            # writes before it reads, or never reads, cannot block the output loop below
            threading.Thread(target=_feed, args=(proc, action.stdin), daemon=True).start()
        attempt.pid = proc.pid
        attempt.leader_created = leader_created(proc.pid)
        self.sink.on_started(attempt)  # the `running` row carries the group and its start
        tree = RunProcesses(attempt.env.get(TOKEN_VAR), proc.pid, attempt.leader_created)
        deadline = None if attempt.timeout is None else time.monotonic() + attempt.timeout
        capture = Capture(attempt, self.sink)
        sel = selectors.DefaultSelector()
        assert proc.stdout is not None and proc.stderr is not None
        sel.register(proc.stdout, selectors.EVENT_READ, "stdout")
        sel.register(proc.stderr, selectors.EVENT_READ, "stderr")
        term_at = 0.0  # when the tree got SIGTERM
        killed = False  # and whether SIGKILL followed
        stop_reason = ""
        exited_at: float | None = None
        try:
            while sel.get_map():
                for key, _ in sel.select(timeout=0.1):
                    data = os.read(key.fd, 65536)  # type: ignore[arg-type]
                    if data:
                        capture.add(str(key.data), data)
                    else:
                        sel.unregister(key.fileobj)
                now = time.monotonic()
                if not stop_reason:
                    if deadline is not None and now >= deadline:
                        attempt.cancel(f"timed out after {attempt.timeout:g}s", "timed_out")
                    if attempt.cancel_event.is_set():
                        stop_reason = attempt.cancel_reason or "cancelled"
                        tree.signal(signal.SIGTERM)  # the tree, token carriers, the group
                        term_at = now
                elif not killed and now - term_at > KILL_GRACE:
                    tree.signal(_SIGKILL)
                    killed = True
                if exited_at is None and proc.poll() is not None:
                    exited_at = now
                if exited_at is not None and now - exited_at > 1.0 and sel.get_map():
                    # the process is gone but something it started holds the pipes open
                    _signal_group(proc.pid, _SIGKILL)
                    break
            if stop_reason:  # whatever is left of the tree goes before the run ends
                tree.stop(0.0 if killed else max(0.0, KILL_GRACE - (time.monotonic() - term_at)))
        finally:
            sel.close()
            proc.stdout.close()
            proc.stderr.close()
        code = proc.wait()
        capture.finish()
        if stop_reason:
            return Outcome(attempt.stop_status, _now(), exit_code=code, error=stop_reason)
        if code == 0:
            return Outcome("succeeded", _now(), exit_code=0)
        if code < 0:
            return Outcome("failed", _now(), exit_code=code,
                           error=f"killed by signal {signal.Signals(-code).name}")
        return Outcome("failed", _now(), exit_code=code, error=f"exit code {code}")


_SIGKILL = platform.SIGKILL


def _signal_group(pid: int, sig: int) -> None:
    platform.kill_group(pid, sig)


def _feed(proc: subprocess.Popen[bytes], text: str) -> None:
    """Write a command's stdin text and close it; a command that exits first just misses it."""
    assert proc.stdin is not None
    try:
        proc.stdin.write(text.encode())
    except OSError:  # BrokenPipeError: the command did not read it all
        pass
    finally:
        with contextlib.suppress(OSError):
            proc.stdin.close()
