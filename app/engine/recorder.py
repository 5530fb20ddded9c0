"""The executor's sink: what running attempts report, written to the ledger and announced.

Worker threads call `on_started`, `on_output`, `on_checkpoint` and `on_progress`; the
records go to the writer (group commits) and the events to listeners once committed.
`on_finished` hands the outcome to the dispatcher, which owns what happens next.

Checkpoints are durable before `checkpoint()` returns: the worker waits for the commit
(`CHECKPOINT_TIMEOUT` at most, then `CheckpointError`). So an action that checkpoints after
each step and is killed repeats at most the one step it was in (at-least-once for that step,
never for a step whose checkpoint returned). A command action writes its own checkpoint file
(`TICKWORK_CHECKPOINT_FILE`, `<home>/checkpoints/<task id>-<fire time µs>.json`, in a
folder only its user may open); the file outlives a crash of the command or of the engine,
so a retry of the same fire reads it back. When an attempt ends, the file's content (JSON,
secrets masked) is copied into the ledger as the run's checkpoint, as a Python action's
last `checkpoint()` is; the file itself is removed once no retry follows (success, the last
attempt, a cancel), so the task's next fire starts without one.

Every secret value an attempt received is masked as `***` here, before its output is
stored, announced or shown and before its error reaches the ledger or a notification
(app/core/masking.py; each stream is masked as one text, so a value split between two
reads is still found, and the held-back tail of each stream is passed on when the attempt
ends). A command's output is masked once before that too, in the executor's capture, before
its head/tail cut, so a cut can never leave part of a value visible; masking masked text
again only ever hides more.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from app.core.masking import Masker, MaskStream
from app.core.run import progress_line
from app.engine.capture import bounded_error
from app.engine.clock import WALL, Clock
from app.engine.events import EventHub, RunChanged, RunOutput
from app.engine.executor import MAX_CHECKPOINT, Attempt, CheckpointError, Outcome
from app.engine.pyworkers.context import secret_free
from app.engine.stats import Stats
from app.engine.writer import Writer
from app.secrets import Keyring
from app.store import celery_runs, ledger
from app.store.times import utc_text

log = logging.getLogger("tickwork.engine")

CHECKPOINT_TIMEOUT = 10.0  # seconds a checkpoint may wait for its commit
FOLDER_LOOK = 1.0  # seconds the checkpoints folder is taken as there once seen


class RunRecorder:
    def __init__(self, home: Path, writer: Writer, hub: EventHub, stats: Stats,
                 keyring: Keyring, finished: Callable[[Attempt, Outcome], None], *,
                 clock: Clock = WALL) -> None:
        self.clock = clock
        self.home = home
        self.writer = writer
        self.hub = hub
        self.stats = stats
        self.keyring = keyring
        self._workers_key: bytes | None = None  # (workers_key: read once)
        self._workers_key_lock = threading.Lock()
        self._finished = finished
        self._seq: dict[int, itertools.count[int]] = {}
        self._masks: dict[int, tuple[Masker, dict[str, MaskStream]]] = {}
        self._masks_lock = threading.Lock()
        self.checkpoint_timeout = CHECKPOINT_TIMEOUT
        self._checkpoints = str(home / "checkpoints")  # the folder of commands' checkpoints
        self._checkpoint_fault: str | None = None  # the last said in the log
        self._folder_until = 0.0  # time.monotonic() until which the folder is taken as there

    # -- the Sink protocol (worker threads) ---------------------------------------------------

    def secret(self, name: str) -> str | None:
        """A secret's value from the keyring (worker thread, at run time, never logged)."""
        return self.keyring.get(name)

    def on_started(self, attempt: Attempt) -> None:
        started = attempt.started_at or self.clock.now()
        lateness = (started - (attempt.due_at or attempt.scheduled_for)).total_seconds() * 1000.0
        self.stats.add_lateness(lateness, attempt.catch_up)
        run_id = attempt.run_id
        event = RunChanged(run_id, attempt.task_id, attempt.task_name, "running", started,
                           attempt.attempt, lateness)
        self.writer.started(run_id, utc_text(started), round(lateness, 3),
                            lambda: self.hub.emit(event), pgid=attempt.pid,
                            leader_created=attempt.leader_created)

    def on_sent(self, attempt: Attempt, celery_id: str) -> None:
        """A run went to a Celery worker (app/remote/): its Celery id goes to the ledger."""
        run_id = attempt.run_id
        self.writer.submit(lambda: celery_runs.record_celery_id(run_id, celery_id))

    def on_note(self, attempt: Attempt, old: str | None, new: str,
                waiting: bool = False) -> None:
        """A note added to a run's reason (`old` None), or one reworded: where the window and
        `run show` look, not only the engine's log (a run on Celery waits for its broker, or
        for a worker on its queue). `waiting`: the run still waits, as a new note's does."""
        run_id = attempt.run_id
        event = RunChanged(run_id, attempt.task_id, attempt.task_name, "queued",
                           self.clock.now(), attempt.attempt, reason=new)

        def said(_result: Any, error: BaseException | None) -> None:
            if error is None and (old is None or waiting):  # (a reworded one has started
                self.hub.emit(event)  # or ended since, or may have: its own event says so)

        self.writer.submit((lambda: ledger.add_note(run_id, new)) if old is None
                           else (lambda: ledger.replace_note(run_id, old, new)), said)

    def on_ignored_result(self, run_id: int, detail: dict[str, Any]) -> None:
        """A Celery worker's result for a run already settled: ignored, and audited."""
        now = self.clock.now()
        self.writer.submit(lambda: celery_runs.audit_ignored_result(run_id, detail, now))

    def workers_key(self) -> bytes:
        """The home's workers' key, made on first use, that signs a Celery run's job and
        seals its secrets (app/remote/sealing.py); LookupError when the keyring cannot give
        it. Kept once read: each run needs it, and a keyring may answer slowly (D-Bus). One
        thread at a time: the first runs sent at once each made a key of their own, and
        all but the last one kept were refused as signed with a key the worker lacks."""
        from app.remote import sealing

        with self._workers_key_lock:
            if self._workers_key is not None:
                return self._workers_key
            try:
                key = sealing.home_key(self.keyring, make=True)
            except Exception as exc:  # (the keyring's own: locked, refused, D-Bus)
                raise LookupError(f"cannot read the workers' key from the keyring: {exc}"
                                  ) from None
            if key is None:
                raise LookupError("the keyring did not keep the workers' key")
            self._workers_key = key
            return key

    def on_output(self, attempt: Attempt, stream: str, text: str) -> None:
        if attempt.secret_values:
            text = self._masked(attempt, stream, text)
            if not text:
                return
        self._output(attempt.run_id, stream, text)

    def _masked(self, attempt: Attempt, stream: str, text: str) -> str:
        with self._masks_lock:
            masker, streams = self._masks.setdefault(
                attempt.run_id, (Masker(attempt.secret_values), {}))
            masking = streams.get(stream)
            if masking is None:
                masking = streams[stream] = masker.stream()
            return masking.feed(text)

    def _output(self, run_id: int, stream: str, text: str) -> None:
        counter = self._seq.setdefault(run_id, itertools.count())
        seq = next(counter)
        self.writer.output(run_id, seq, stream, text, utc_text(self.clock.now()))
        self.hub.emit(RunOutput(run_id, seq, stream, text))

    def on_checkpoint(self, attempt: Attempt, state: Any) -> None:
        """Save a checkpoint and return once it is committed (CheckpointError otherwise). A
        state holding a secret's value is refused: it would be written to the store, and
        masked it would not resume."""
        text = secret_free(state, Masker(attempt.secret_values)
                           if attempt.secret_values else None)
        run_id = attempt.run_id
        committed = threading.Event()
        failure: list[BaseException] = []

        def done(_result: Any, error: BaseException | None) -> None:
            if error is not None:
                failure.append(error)
            else:  # the run's row changed: a window showing it reads it again, live
                self.hub.emit(RunChanged(run_id, attempt.task_id, attempt.task_name, "running",
                                         attempt.started_at or self.clock.now(),
                                         attempt.attempt))
            committed.set()

        self.writer.submit(lambda: ledger.update(run_id, {"checkpoint": text}), done)
        if not committed.wait(self.checkpoint_timeout):
            raise CheckpointError(f"the checkpoint of run {run_id} was not committed within "
                                  f"{self.checkpoint_timeout:g} s")
        if failure:
            raise CheckpointError(f"the checkpoint of run {run_id} was not saved: {failure[0]}")

    def on_progress(self, attempt: Attempt, fraction: float | None, message: str) -> None:
        self.on_output(attempt, "tickwork", progress_line(fraction, message))

    def on_finished(self, attempt: Attempt, outcome: Outcome) -> None:
        if attempt.secret_values:
            with self._masks_lock:
                masker, streams = self._masks.pop(
                    attempt.run_id, (Masker(attempt.secret_values), {}))
            for stream, masking in streams.items():
                rest = masking.flush()
                if rest:
                    self._output(attempt.run_id, stream, rest)
            if outcome.error:
                outcome = dataclasses.replace(outcome, error=masker.mask(outcome.error))
        if outcome.error:  # cut once masked: a secret across the cut lost its middle and
            # kept its ends in clear (a Python action's exception message is any size)
            outcome = dataclasses.replace(outcome, error=bounded_error(outcome.error))
        self._finished(attempt, outcome)

    # -- the dispatcher's side ----------------------------------------------------------------

    def forget(self, run_id: int) -> None:
        self._seq.pop(run_id, None)
        with self._masks_lock:
            self._masks.pop(run_id, None)

    def final(self, attempt: Attempt, outcome: Outcome,
              said: Callable[[RunChanged], None] | None = None) -> None:
        """Record how an attempt ended; listeners hear it once committed (through `said`,
        when given: app/engine/writes.py's `EndSaid`)."""
        self.stats.ended(outcome.status)
        event = RunChanged(attempt.run_id, attempt.task_id, attempt.task_name, outcome.status,
                           outcome.finished_at, attempt.attempt)
        say = self.hub.emit if said is None else said
        self.writer.finished(attempt.run_id, outcome.status, utc_text(outcome.finished_at),
                             outcome.exit_code, outcome.error, lambda: say(event))

    def checkpoint_file(self, run_id: int, task_id: int, fire: datetime,
                        resume: Any) -> str | None:
        """The checkpoint file of a command's fire, seeded with the state to resume from
        when the file is gone but the ledger has one (never over a file that is there).
        Plain strings and os.path: pathlib's parsing cost more than the rest of a start.
        None when it cannot be made (a file where its folder goes, a full disk): the run
        goes on without one and its output says so (its start stranded every run handed
        over with it, `queued` for good, and each later fire was skipped). The folder is
        looked at once a second at most: each file system call on the dispatcher gives up
        the interpreter and waits to win it back."""
        folder = self._checkpoints
        path = os.path.join(folder, checkpoint_name(task_id, fire))
        try:
            if resume is not None or time.monotonic() >= self._folder_until:
                if not os.path.isdir(folder):  # (one stat; a mkdir that fails costs more)
                    Path(folder).mkdir(mode=0o700, exist_ok=True)
                self._folder_until = time.monotonic() + FOLDER_LOOK
            if resume is not None and not os.path.exists(path):
                _write_private(path, json.dumps(resume))
        except OSError as exc:
            said = f"no checkpoint file for this run ({exc}): its checkpoints are not kept"
            self._output(run_id, "tickwork", said + "\n")  # (a local command gets no
            # TICKWORK_CHECKPOINT_FILE; one on Celery writes the worker's, not kept here)
            if said != self._checkpoint_fault:  # said once in the log, in every run's output
                self._checkpoint_fault = said
                log.warning("checkpoint files cannot be made: %s", exc)
            return None
        self._checkpoint_fault = None  # (put right: said again should it come back)
        return path

    def collect_checkpoint(self, attempt: Attempt, outcome: Outcome, retrying: bool) -> None:
        """A command's checkpoint file when its attempt ends: its content (JSON, secrets
        masked) becomes the run's checkpoint in the ledger, as a Python action's last
        `checkpoint()` does; the file stays for the retry that follows, else it goes.
        Most commands write none: the open that fails says so (one system call). The file
        the command made has its umask's mode (0666 under umask 000): the one kept for the
        retry is made 0600, as README says (the folder, 0700, keeps others out before)."""
        path = attempt.checkpoint_file or ""
        raw = b""
        try:
            with open(path, "rb") as fh:
                raw = fh.read(MAX_CHECKPOINT + 1)
                if retrying:
                    os.fchmod(fh.fileno(), 0o600)
            if not retrying:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)
        except FileNotFoundError:
            return
        except OSError as exc:
            log.warning("checkpoint file of run %d: %s", attempt.run_id, exc)
        if not raw.strip():
            return
        why, text, data = None, "", None
        if len(raw) > MAX_CHECKPOINT:
            why = f"is larger than its limit of {MAX_CHECKPOINT:,} bytes"
        else:
            try:
                text = raw.decode()
                data = json.loads(text)
            except ValueError:
                why = "is not JSON"
        if why is not None:
            log.warning("checkpoint file of run %d %s; not recorded", attempt.run_id, why)
            # the run's output says it too, where its reader looks for what went wrong
            self._output(attempt.run_id, "stderr", f"tickwork: the checkpoint file {why}; "
                                            "not recorded\n")
            return
        if attempt.secret_values:  # in the data, not the text: JSON escapes some values
            text = json.dumps(Masker(attempt.secret_values).mask_data(data))
        run_id = attempt.run_id
        self.writer.submit(lambda: ledger.update(run_id, {"checkpoint": text}))


def checkpoint_path(home: Path, task_id: int, fire: datetime) -> Path:
    """Where a command's fire keeps its checkpoint: one file per task and fire time, so
    every attempt of that fire (its retries) shares it and the next fire starts afresh."""
    return home / "checkpoints" / checkpoint_name(task_id, fire)


def checkpoint_name(task_id: int, fire: datetime) -> str:
    return f"{task_id}-{int(fire.timestamp() * 1e6)}.json"


def _write_private(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
