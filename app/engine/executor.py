"""Runs actions in a QThreadPool and reports what happened.

A command is started by a launcher process (app/engine/launcher/), not by the engine's
interpreter: as its own process group, carrying its run's token in its environment; a
timeout, a cancel or an engine stop kills everything it started, children that called
`setsid` included (`processes.RunProcesses`). The sink hears that a command started only
once its process exists, so the ledger's `running` row carries its process group and the
leader's start time. Its output is read incrementally and handed to the sink as it arrives.
A Python action `module:function` runs in a worker process (app/engine/pyworkers) with its
JSON keyword arguments, plus a `context` when the function declares a parameter of that
name; one pool thread hands every such run over, in the dispatcher's order, and goes on
(as a pool thread does a command: a launcher's reader thread reports its end), and one
reader thread follows every worker to the end of its run, so a timeout, a cancel or the
engine's stop kills it for real and a crash ends only its run (`interrupted`).

A run of a task marked `runs_on: celery[:QUEUE]` is handed to `app.remote.client` instead
(sent through the broker to a `tickwork worker`; Celery is imported only then).

The executor never touches the store: it reports to a `Sink` (the dispatcher), which owns
the run's bookkeeping. The engine needs QtCore only.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QThreadPool

from app.core.placement import LOCAL, celery_queue
from app.core.task import Action
from app.engine.attempts import (
    MAX_CHECKPOINT,
    Attempt,
    CheckpointError,
    Outcome,
    Sink,
    resolve_secrets,
    utcnow,
)
from app.engine.launcher.client import LAUNCHERS, Handing, launcher_count
from app.engine.launcher.ends import file_of
from app.engine.launcher.pool import GROW_AGAIN
from app.engine.processes import KILL_GRACE  # seconds between SIGTERM and SIGKILL
from app.engine.pyworkers.context import checkpoint_text
from app.engine.pyworkers.pool import FENCE_POLL, PythonWorkers

if TYPE_CHECKING:
    from app.remote.client import CeleryRuns, RemoteSink

log = logging.getLogger("tickwork.engine")

KEYRING_WAIT = 60.0  # seconds a run waits for the keyring to give its secrets
SECRET_POLL = 0.05  # seconds between looks for a stop while it waits

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
        return self._attempt.stop_requested

    def checkpoint(self, state: Any) -> None:
        """Save a small JSON state that the next attempt of this run receives.

        Returns once the state is committed to the store, so work done after the call is
        never repeated by a resumed attempt; raises CheckpointError when the store could not
        commit it in time, and ValueError when it is not JSON or larger than 64 KiB.
        """
        self._sink.on_checkpoint(self._attempt, json.loads(checkpoint_text(state)))

    def progress(self, fraction: float | None = None, message: str = "") -> None:
        self._sink.on_progress(self._attempt, fraction, message)

    def log(self, text: str) -> None:
        self._sink.on_output(self._attempt, "stdout", text if text.endswith("\n") else text + "\n")


class Executor:
    """A QThreadPool of workers; `start` hands it an attempt, the sink hears the rest."""

    def __init__(self, sink: Sink, workers: int,
                 fenced: Callable[[], bool] = lambda: False, ends: str | None = None) -> None:
        self.sink = sink
        self.ends = ends  # the folder where a command's end is kept should the engine die
        self.workers = workers
        self.fenced = fenced
        self.pool = QThreadPool()
        self.pool.setMaxThreadCount(workers + 1)  # the worker loops and the Python hand-off
        self._queue: queue.SimpleQueue[list[Attempt] | None] = queue.SimpleQueue()
        self._python: queue.SimpleQueue[list[Attempt] | None] = queue.SimpleQueue()
        self._started = False
        # Python actions' worker processes, as many at most as the engine runs at once
        self.python = PythonWorkers(sink, RunContext, most=workers, fenced=fenced)
        self._celery: CeleryRuns | None = None  # runs on Celery workers, made on first use
        self._celery_lock = threading.Lock()
        self._unsigned_said = False  # the log said runs on Celery go unsigned (no keyring)
        self._warm_lock = threading.Lock()
        self._warming = False  # launchers are being started (`warm_commands`)
        self._warm_want = 0  # how many live launchers the next start is to make sure of
        self._warm_after = 0.0  # (monotonic) a start failed: none tried before this

    def warm_commands(self, count: int = 1) -> None:
        """Commands may run here soon: have `count` launcher processes live (at most
        `launcher_count()`; one when command tasks are defined, as many as the commands
        about to fire when they are loaded), started on a thread of their own, so that the
        first command does not wait for an interpreter to start (Run now on a command, first
        thing in a window, started it 110–350 ms later, where the next took ~5 ms:
        `python -m benchmarks.run_now`, `first_start_ms`)."""
        with self._warm_lock:  # (not the launchers' own: held while one starts)
            self._warm_want = max(self._warm_want, min(count, launcher_count()))
            if self._warming or time.monotonic() < self._warm_after:
                return  # (a start under way takes the larger count)
            if LAUNCHERS.glance() >= self._warm_want:
                LAUNCHERS.keep(self._warm_want)  # (not let go just before they are due)
                self._warm_want = 0  # (most loads: no thread)
                return
            self._warming = True

        def start() -> None:
            try:
                while True:
                    with self._warm_lock:
                        want, self._warm_want = self._warm_want, 0
                        if not want:
                            return
                    LAUNCHERS.warm(want)
            except Exception as exc:  # the first command tries again, and says so; a start
                with self._warm_lock:  # that failed is not tried at every load, for a while
                    self._warm_after = time.monotonic() + GROW_AGAIN
                log.warning("cannot start the launchers: %s", exc)
            finally:
                with self._warm_lock:
                    self._warming = False
        threading.Thread(target=start, name="tickwork-launchers", daemon=True).start()

    def start(self, attempt: Attempt) -> None:
        """Run an attempt on a free worker (the dispatcher never starts more than `workers`)."""
        self.start_many([attempt])

    def start_many(self, attempts: list[Attempt]) -> None:
        """Hand these attempts over, best first, a wake-up for the lot, not one per run: the
        Python ones (local, no secrets) to the one loop that hands them to their worker
        processes, the rest to the worker loops. An attempt with secrets goes on its own,
        so a slow keyring holds up only its own run.

        The pool's threads each run one long-lived loop fed from a queue: handing
        QThreadPool a new runnable per attempt costs more than a trivial action itself.
        Python runs share one loop: it wakes once for what came while it worked and keeps the
        dispatcher's order, where eight threads woken for a run or two each competed with the
        dispatcher and the reader for the interpreter (300,000 fires/min, three runs
        alternated with the eight: 2,902–3,050 starts/s against 2,586–2,744, engine CPU
        17.3–18.2 s against 18.7–20.0 s; 100,000/min: lateness p50 2.8–3.1 ms against
        3.4–3.5 ms, the p99 within the noise).
        No thread waits on a run: its end is reported by the reader of its worker's channel.
        """
        if not self._started:
            self._started = True
            for _ in range(self.workers):
                self.pool.start(lambda: self._loop(self._queue))
            self.pool.start(lambda: self._loop(self._python))
        python: list[Attempt] = []
        plain: list[Attempt] = []
        for attempt in attempts:
            if attempt.secret_env:
                continue
            local_python = attempt.action.kind == "python" and attempt.runs_on == LOCAL
            (python if local_python else plain).append(attempt)
        if python:
            self._python.put(python)
        if plain:
            self._queue.put(plain)
        for attempt in attempts:
            if attempt.secret_env:
                threading.Thread(target=self._read_secrets, args=(attempt,),
                                 name=f"tickwork-secrets-{attempt.run_id}", daemon=True).start()

    def _read_secrets(self, attempt: Attempt) -> None:
        """An attempt's secrets read on a thread of its own, then the attempt handed over as
        any other. A keyring that does not answer (locked, its prompt unanswered) held one
        of the pool's threads per such run, and every run behind them waited; a cancel then
        went unheard and the command ran once the keyring answered, recorded `cancelled` (a
        fault hunt). Now only this run waits: a stop meanwhile ends it at once, unstarted,
        and so does a keyring silent for KEYRING_WAIT seconds."""
        read: list[BaseException | None] = []

        def ask() -> None:
            try:
                resolve_secrets(attempt, self.sink)
                read.append(None)
            except LookupError as exc:
                read.append(exc)
        threading.Thread(target=ask, name=f"tickwork-keyring-{attempt.run_id}",
                         daemon=True).start()  # (may never return: a hung keyring)
        deadline = time.monotonic() + KEYRING_WAIT
        while not read and not attempt.stop_requested and time.monotonic() < deadline:
            time.sleep(SECRET_POLL)
        if attempt.stop_requested or not read or read[0] is not None:
            attempt.started_at = utcnow()
            self.sink.on_started(attempt)
            error = f"the keyring did not answer within {KEYRING_WAIT:g} s (is it locked?)"
            self.sink.on_finished(attempt, attempt.stopped() if attempt.stop_requested else
                                  Outcome("failed", utcnow(), error=str(read[0]) if read
                                          else error))
            return
        self._queue.put([attempt])

    def shutdown(self, timeout: float) -> bool:
        """Stop the worker loops once they are idle; True when every thread is done."""
        for _ in range(self.workers):
            self._queue.put(None)
        self._python.put(None)
        done = bool(self.pool.waitForDone(int(timeout * 1000)))
        self.python.close()
        if self._celery is not None:
            self._celery.close()
        return done

    def _loop(self, line: queue.SimpleQueue[list[Attempt] | None]) -> None:
        """A pool thread's life: hand over what `line` brings, in order, until a None.

        A leader whose lease went unproven (stopped past it, a suspended VM) hands over
        nothing it had queued (its successor may be retrying it) until it proves the lease
        again or steps down, which stops these attempts; one stopped meanwhile (a cancel)
        ends at once, even behind others held back on the same thread."""
        held: deque[Attempt] = deque()
        last = False  # the None came while attempts were held: return once they are gone
        while True:
            if not held:
                if last or (attempts := line.get()) is None:
                    return
                held.extend(attempts)
            if not self.fenced():
                with Handing() as handing:  # the commands among them: a write a launcher
                    while held and not self.fenced():
                        self._run(held.popleft(), handing)
                continue
            while not last:  # what else came: a cancel may be behind
                try:
                    more = line.get_nowait()
                except queue.Empty:
                    break
                last = more is None
                held.extend(more or ())
            with Handing() as handing:  # (a stopped attempt sends nothing: `_run` asks)
                for attempt in [each for each in held if each.stop_requested]:
                    held.remove(attempt)
                    self._run(attempt, handing)
            if held:
                time.sleep(FENCE_POLL)

    def _run(self, attempt: Attempt, handing: Handing) -> None:
        attempt.started_at = utcnow()
        try:
            if attempt.stop_requested:
                self.sink.on_started(attempt)
                outcome = attempt.stopped()
            elif attempt.runs_on != LOCAL:
                refused = self._run_remote(attempt)  # the sink hears once a worker has it
                if refused is None:
                    return
                outcome = refused
            elif attempt.action.kind == "command":
                # the sink hears once its process exists
                refused = self._run_command(attempt, handing)
                if refused is None:
                    return  # its end is reported by its launcher's reader thread
                outcome = refused
            else:
                self.sink.on_started(attempt)
                self._run_python(attempt)
                return  # its worker's end is reported by the pool's reader thread
        except Exception as exc:  # a bug of ours must still end the run, never hang it
            outcome = Outcome("failed", utcnow(), error=f"engine error: {exc!r}")
            self.sink.on_output(attempt, "tickwork", traceback.format_exc())
        self.sink.on_finished(attempt, outcome)

    # -- Python actions ---------------------------------------------------------------------

    def _run_python(self, attempt: Attempt) -> None:
        self.python.hand(attempt)  # to an idle worker process; this thread goes on

    # -- commands ---------------------------------------------------------------------------

    def _run_command(self, attempt: Attempt, handing: Handing) -> Outcome | None:
        """Hand the command to a launcher process (app/engine/launcher/) and go on: the
        launcher's reader thread tells the sink it started (pid, leader start time), its
        output, in batches, and its end. An Outcome when it could not be handed over."""
        argv = command_argv(attempt.action)
        try:
            # over the engine's environment
            env = {**attempt.env, **resolve_secrets(attempt, self.sink)}
        except LookupError as exc:
            self.sink.on_started(attempt)
            return Outcome("failed", utcnow(), error=str(exc))
        sink = self.sink
        handing.submit(attempt, argv, env, sink,
                       lambda outcome: sink.on_finished(attempt, outcome),
                       None if self.ends is None else file_of(self.ends, attempt.run_id))
        return None

    # -- runs on Celery workers -------------------------------------------------------------

    def _run_remote(self, attempt: Attempt) -> Outcome | None:
        """Send the attempt to a Celery worker (app/remote/client.py); an Outcome when it
        cannot be sent (a secret not in the keyring, a broker URL that is not Redis's)."""
        from app.core.errors import ValidationError
        from app.remote.client import RemoteSink

        if not isinstance(self.sink, RemoteSink):
            self.sink.on_started(attempt)
            return Outcome("failed", utcnow(), error="this engine cannot send runs to Celery")
        try:
            secrets = resolve_secrets(attempt, self.sink)
            key = self._workers_key(attempt, self.sink, bool(secrets))
            runs = self._celery_runs(self.sink)
        except (LookupError, ValidationError) as exc:
            self.sink.on_started(attempt)
            return Outcome("failed", utcnow(), error=str(exc))
        queue_name = celery_queue(attempt.runs_on)
        assert queue_name is not None
        runs.submit(attempt, queue_name, command_argv(attempt.action), secrets, key)
        return None

    def _workers_key(self, attempt: Attempt, sink: RemoteSink, secrets: bool) -> bytes | None:
        """The home's workers' key, that signs the job (and seals its secrets); without it
        (no keyring here) a run with no secrets goes unsigned, and says so where a person
        looks: only a worker started with `--unsigned` runs it. LookupError otherwise."""
        try:
            return sink.workers_key()
        except LookupError as exc:
            if secrets:
                raise
            if not self._unsigned_said:
                self._unsigned_said = True
                log.warning("runs on Celery go unsigned (%s): only a worker started with "
                            "--unsigned runs them", exc)
            sink.on_note(attempt, None, f"sent unsigned ({exc}): only a worker started "
                         "with --unsigned runs it")
            return None

    def _celery_runs(self, sink: RemoteSink) -> CeleryRuns:
        with self._celery_lock:
            if self._celery is None:
                from app.remote.broker import broker_url
                from app.remote.client import CeleryRuns

                self._celery = CeleryRuns(sink, broker_url())
            return self._celery


def command_argv(action: Action) -> list[str]:
    """A command action's argv as exec gets it: a shell command through its shell (cron's
    SHELL when the task names one, else /bin/sh)."""
    shell = action.shell_program or "/bin/sh"
    return [shell, "-c", action.argv[0]] if action.shell else list(action.argv)
