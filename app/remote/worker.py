"""`tickwork worker`: a thin Celery worker that runs Tickwork commands with the engine's
local semantics, by the engine's own pieces: each command goes to a launcher process
(app/engine/launcher/: its own session, output decoded, masked and bounded, the timeout
and a cancel stop its whole tree), with the `TICKWORK_*` environment the engine gave it.
It takes only jobs signed with a key it has, signs its replies with it
(app/remote/genuine.py), and starts a run once its engine says so (app/remote/claims.py).

Celery's thread pool runs the jobs: each thread only waits for its command's end, the
launchers do the work. A revoke with `terminate=True` reaches a running job through
Celery's `task_revoked` signal (the pool has no process of its own to kill) and stops its
command's tree. The worker's heartbeat (app/remote/heartbeat.py) keeps each running job's
beat key fresh and stops the runs it must stop by itself: a cancel whose revoke it did not
hear, a dead engine's, and all of them when Redis stays away. A worker killed outright
takes its commands with it (`--stop-orphans`).

A Python action runs in a Python worker process of the engine's kind (app/remote/python.py).
A run's message is acknowledged as soon as the run is claimed (app/remote/pool.py says
why), so a lost broker leaves Celery nothing to give back: its consumer reconnects while the
runs go on, and takes new runs as soon as the broker is back. While it is away, replies wait
in order and go when it is back (a run that ended meanwhile is heard as it ended); a Celery
worker that stops on an error it gives up on anyway is started again. The outage is said in
two lines (app/remote/contact.py), not in Celery's and kombu's.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.core.masking import Masker
from app.core.run import progress_line
from app.core.run_env import CHECKPOINT_FILE
from app.core.task import Action
from app.engine.attempts import MAX_CHECKPOINT, Attempt, Outcome
from app.engine.launcher import client as launchers
from app.remote import broker, claims, heartbeat, sealing, wire
from app.remote.contact import Contact
from app.remote.genuine import Pen, refused

if TYPE_CHECKING:
    from app.remote.python import PythonRuns
    from app.secrets import Keyring

log = logging.getLogger("tickwork.worker")
OUTBOX = 100_000  # replies kept at most while the broker is away (the oldest go first)


class Job:
    """One run this worker is running: its launcher attempt and how it ended."""

    def __init__(self, celery_id: str, job: dict[str, Any], attempt: Attempt,
                 checkpoint: str, pen: Pen) -> None:
        self.celery_id, self.pen = celery_id, pen  # (how its replies are signed)
        self.reply = str(job["reply"])
        self.engine = str(job["engine"]) if job.get("engine") else None  # its liveness key
        self.head = [celery_id, int(job["run_id"]), int(job["attempt"])]
        self.attempt, self.checkpoint = attempt, checkpoint
        self.ended = threading.Event()
        self.outcome: Outcome | None = None


class Replies:
    """The launcher's sink for this worker's jobs: what it hears goes to the engine's list."""

    def __init__(self, worker: Worker, job: Job) -> None:
        self.worker, self.job, self.pen = worker, job, job.pen

    def push(self, kind: str, *rest: Any) -> int:
        return self.worker.push(self.job.reply, [kind, *self.job.head, *rest], self.job.pen)

    def on_started(self, attempt: Attempt) -> None:
        at = attempt.started_at.timestamp() if attempt.started_at else time.time()
        self.push("started", self.worker.host, at + self.worker.ahead)

    def on_output(self, attempt: Attempt, stream: str, text: str) -> None:
        self.push("out", stream, text)

    def on_checkpoint(self, attempt: Attempt, state: Any) -> None:  # commands only
        raise NotImplementedError

    def on_progress(self, attempt: Attempt, fraction: float | None, message: str) -> None:
        self.push("out", "tickwork", progress_line(fraction, message))

    def on_finished(self, attempt: Attempt, outcome: Outcome) -> None:  # `ended` hears it
        raise NotImplementedError

    def secret(self, name: str) -> str | None:  # secrets come with the job
        return None


class Worker:
    """This worker process: its Redis client, its running jobs and their heartbeat."""

    def __init__(self, url: str, host: str, keys: dict[str, bytes] | None = None,
                 keyring: Keyring | None = None, *, unsigned: bool = False) -> None:
        self.redis = broker.redis_client(url)
        self.host = host
        # workers' keys by id: a job signed with one is run, and its sealed secrets open
        self.keys = dict(keys or {})
        self.keyring = keyring  # a home's slot, where the engine of this machine keeps its key
        self.unsigned = unsigned  # `--unsigned`: run unsigned jobs too (a trusted broker)
        self.beat = broker.beat_seconds()
        self.lock = threading.Lock()
        self.jobs: dict[str, Job] = {}
        self.take = self.redis.register_script(wire.TAKE)
        self.folder = tempfile.mkdtemp(prefix="tickwork-worker-")  # 0700: checkpoints
        self.pythons: PythonRuns | None = None  # Python runs' worker processes, on first use
        self.contact = Contact(url, self.beat * 3)
        self.ahead = 0.0  # seconds the broker's clock is ahead of ours (replies' times are on
        # it, which the engine puts on its own: clock_ahead)
        self.out_lock = threading.Lock()
        self.outbox: list[tuple[str, str]] = []  # replies not sent yet (the broker is away)
        self.heart = heartbeat.Heartbeat(self.redis, host, self.beat, self.contact,
                                         self.running, self.flush, self.read_clock)
        self.heart.thread.start()

    def push(self, reply: str, message: list[Any], pen: Pen | None = None) -> int:
        """A reply to the engine, signed with `pen` (None: unsigned, a refusal): its number in
        its run. Kept, in order, while the broker is away, and sent when it is back (the
        heartbeat thread tries again every beat): a run that ended meanwhile is heard too."""
        with self.out_lock:
            self.outbox.append((reply, wire.encode(message, pen.seal(message) if pen else None)))
            number = pen.number if pen else 0
            if len(self.outbox) > OUTBOX:
                del self.outbox[:len(self.outbox) - OUTBOX]
        self.flush()
        return number

    def flush(self) -> bool:
        """Send the replies waiting; False when the broker is away."""
        with self.out_lock:
            if not self.outbox:
                return True
            try:  # an engine that died never reads its list again: it goes after a day
                pipe = self.redis.pipeline(transaction=False)
                for reply, text in self.outbox:
                    pipe.rpush(reply, text).expire(reply, broker.KEEP)
                pipe.execute()
            except Exception as exc:
                self.contact.lost(exc)
                return False
            self.outbox.clear()
            return True

    def read_clock(self, pipe: Any) -> list[Any]:
        """What `pipe` finds, the broker's clock read in the same trip (`ahead`)."""
        found, self.ahead = broker.execute_timed(pipe)
        return found

    def run(self, celery_id: str, job: dict[str, Any], revoked: bool,
            claimed: Callable[[], None] = lambda: None) -> None:
        """Take and run one job, to its end; its replies tell the engine the rest. A failure
        of ours ends the run `failed` with the reason, never silently. `claimed` is called
        once the job is taken, dropped or failed to be taken: its message can go."""
        pen: Pen | None = None
        try:
            refusal = refused(job, celery_id, self.host, self._with_key, unsigned=self.unsigned)
            if refusal is not None:  # before it is taken: a job another sent takes nothing
                claimed()            # from the real run
                log.warning("run %s (%s) refused: %s", job.get("run_id"), celery_id, refusal[0])
                return self._failed(celery_id, job, refusal[1])
            with self.lock:  # (the key it was checked with; none: an unsigned job)
                pen = Pen(self.keys.get(sealing.signer(job) or ""))
            self._run(celery_id, job, pen, revoked, claimed)
        except Exception as exc:
            log.exception("run %s (%s)", job.get("run_id"), celery_id)
            self._failed(celery_id, job, f"worker error on {self.host}: {exc!r}", pen)

    def _failed(self, celery_id: str, job: dict[str, Any], why: str,
                pen: Pen | None = None) -> None:
        head = [celery_id, job.get("run_id"), job.get("attempt")]
        if broker.is_reply(job.get("reply")):  # (not a key of another kind a job names)
            self.push(str(job["reply"]), ["done", *head, "failed", None, why,
                                          time.time() + self.ahead, None], pen)

    def _run(self, celery_id: str, job: dict[str, Any], pen: Pen, revoked: bool,
             claimed: Callable[[], None]) -> None:
        try:
            pipe = self.redis.pipeline(transaction=False)
            self.take(keys=[broker.key(k, celery_id) for k in ("ended", "taken", "beat", "secret")],
                      args=[self.host, int(self.beat * 3000), broker.KEEP], client=pipe)
            taken = self.read_clock(pipe)[0]
        finally:  # ours, another's, given up, or failed (and said so): nothing to redeliver
            claimed()
        if taken[0] != 2:
            log.info("run %s (%s) dropped: %s", job.get("run_id"), celery_id,
                     "the engine gave up on it" if taken[0] == 0 else "another worker has it")
            return
        try:
            secrets = self._secrets(taken[1], celery_id)
        except sealing.Unsealable as exc:
            log.warning("run %s (%s) refused: %s", job.get("run_id"), celery_id, exc)
            return self._failed(celery_id, job, f"not run: {exc}", pen)
        checkpoint = os.path.join(self.folder, f"{celery_id}.json")
        python = job.get("python")
        env = {str(k): str(v) for k, v in dict(job["env"]).items()}
        argv = [str(a) for a in job["argv"]]
        if python:  # a callable: its context carries the checkpoint, its secrets
            action = Action("python", target=str(python["target"]),
                            kwargs=dict(python.get("kwargs") or {}), cwd=job.get("cwd"))
        else:
            if job.get("resume") is not None:
                Path(checkpoint).write_text(str(job["resume"]), encoding="utf-8")
            env = {**env, **secrets, CHECKPOINT_FILE: checkpoint}
            action = Action("command", argv=tuple(argv), cwd=job.get("cwd"),
                            stdin=job.get("stdin"))
        attempt = Attempt(
            run_id=int(job["run_id"]), task_id=0, task_name=str(job["task_name"]),
            scheduled_for=datetime.fromisoformat(str(job["scheduled_for"])),
            attempt=int(job["attempt"]), action=action, env=env, timeout=job.get("timeout"),
            secret_values=tuple(secrets.values()),
            resume_state=(json.loads(job["resume"]) if python and job.get("resume")
                          else None))
        running = Job(celery_id, job, attempt, checkpoint, pen)
        with self.lock:  # (a copy sent again, its taken key deleted, is not run beside it)
            if self.jobs.setdefault(celery_id, running) is not running:
                return log.warning("run %s (%s) dropped: this worker runs it already",
                                   job.get("run_id"), celery_id)
        if revoked:  # a revoke that came before the job was ours
            attempt.cancel("cancelled")

        def ended(outcome: Outcome) -> None:
            running.outcome = outcome
            running.ended.set()

        replies = Replies(self, running)
        try:
            word = self._go_ahead(running, replies)
            if word == claims.NO:
                return  # a copy of a run its engine started or ended: nothing to say
            if word == claims.GO and python:
                replies.on_started(attempt)
                self.python_runs().start(attempt, replies, celery_id, secrets, ended)
            elif word == claims.GO:
                launchers.submit(attempt, argv, env, replies, ended)
            running.ended.wait()
        finally:
            with self.lock:
                del self.jobs[celery_id]
        end = running.outcome
        assert end is not None
        replies.push("done", end.status, end.exit_code, end.error,
                     end.finished_at.timestamp() + self.ahead, self._checkpoint(running))

    def _go_ahead(self, job: Job, replies: Replies) -> str | None:
        """`go`: start it (its engine said so, app/remote/claims.py, or its job came unsigned);
        `no`: drop it; None: its outcome is set (stopped first, or no answer in the lease)."""
        attempt = job.attempt
        word: str | None = claims.GO
        if job.pen.key is not None and not attempt.stop_requested:
            word = claims.ask(self.redis, job.celery_id, job.pen, replies.push,
                              lambda: attempt.stop_requested, self.beat)
        if word == claims.NO:
            log.warning("run %d (%s) not run: its engine does not wait for it to start (it "
                        "started or ended): its job was sent again", job.head[1], job.celery_id)
        elif word is None and not attempt.stop_requested:
            attempt.cancel(f"no word from the engine that sent it within "
                           f"{broker.ENGINE_BEATS * self.beat:g} s: not started", "interrupted")
        if word == claims.NO or not attempt.stop_requested:
            return word
        job.outcome = Outcome(attempt.stop_status, datetime.now(UTC),
                              error=attempt.cancel_reason)
        job.ended.set()
        return None

    def _secrets(self, value: bytes | str, celery_id: str) -> dict[str, str]:
        """A run's secret environment, opened (app/remote/sealing.py): with the keys given,
        else the home's keyring slot's key, looked for when a run names a key not known."""
        if not value:
            return {}
        sealed = value.decode("ascii", "replace") if isinstance(value, bytes) else value
        kid = sealed.split(".")[1] if sealed.count(".") == 2 else ""
        return sealing.open_sealed(sealed, self._with_key(kid), celery_id, self.host)

    def _with_key(self, kid: str | None) -> dict[str, bytes]:
        """This worker's keys, the home's keyring slot's looked for when `kid` is not one."""
        if kid and kid not in self.keys and self.keyring is not None:
            try:
                key = sealing.home_key(self.keyring, make=False)
            except Exception as exc:  # (no keyring here, locked: the keys given are all)
                log.info("no workers' key from the keyring: %s", exc)
            else:
                if key is not None:
                    with self.lock:
                        self.keys[sealing.key_id(key)] = key
        with self.lock:
            return dict(self.keys)

    def python_runs(self) -> PythonRuns:
        """This worker's Python runs (app/remote/python.py), made on the first one."""
        with self.lock:
            if self.pythons is None:
                from app.remote.python import PythonRuns

                self.pythons = PythonRuns(self.redis)
            return self.pythons

    def _checkpoint(self, job: Job) -> str | None:
        """The checkpoint file's text (bounded, secrets masked), and the file gone."""
        try:
            with open(job.checkpoint, "rb") as fh:
                raw = fh.read(MAX_CHECKPOINT + 1)  # one more: the engine says it is too large
            os.unlink(job.checkpoint)
        except OSError:
            return None
        # UTF-8 whatever the locale, as the engine reads a command's own (an ASCII locale
        # failed a run that wrote 名前 in its checkpoint: "worker error … UnicodeDecodeError")
        text = raw.decode("utf-8", "replace")
        if job.attempt.secret_values:
            text = Masker(job.attempt.secret_values).mask(text)
        return text or None

    def revoke(self, celery_id: str) -> None:
        """The engine cancelled a run (Celery's revoke with terminate): stop its tree."""
        with self.lock:
            job = self.jobs.get(celery_id)
        if job is not None:
            heartbeat.cancelled(job)

    def running(self) -> list[Job]:
        """The jobs this worker runs now."""
        with self.lock:
            return list(self.jobs.values())
