"""The engine's side of runs on Celery workers: send a run's job, hear it start, its output
and its end on the engine's reply list, notice a lost worker, cancel.

`CeleryRuns.submit` is called by an executor thread once the run is claimed; the run's
Celery id goes to the ledger at once (`RemoteSink.on_sent`) and the job to a sender thread,
so a broker that is away holds up nobody: the run waits (its row stays `queued`) and is
sent when the broker is back; the outage is logged once, and once more when it ends, and
each run it holds says so (app/remote/outage.py). A run that no worker takes has its queue
looked at, and says so when no worker listens on it (app/remote/listeners.py).

A reader thread pops the replies (`started` → the sink's `on_started`, output, `done` → the
outcome, through the same sink path as a local command's end) and, every beat, has the
watch (app/remote/watch.py) look for runs whose worker is lost: such a run ends
`interrupted` — to be retried by its task's policy — after the engine has marked it given
up, so no worker starts it later; and for jobs a restarted broker lost, sent again. A
reply its worker did not send (not signed with the run's workers' key) is dropped, also
for a run the engine no longer waits for (a lost run's late result is ignored and audited:
`RemoteSink.on_ignored_result`), and a worker starts a run only once told to
(app/remote/genuine.py, app/remote/claims.py).

A cancel (a person, a timeout, the engine's stop) gives the run up in Redis first: a run no
worker took yet ends at once; a taken one is revoked with `terminate=True`, and its worker
stops the command's tree and reports it `cancelled`, settled here as the attempt's own stop.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from app import __version__
from app.core.run import broker_never, broker_waited
from app.engine.attempts import Attempt, Outcome, Sink
from app.remote import broker, checkpoints, sealing, wire
from app.remote.genuine import Genuine
from app.remote.listeners import Listeners
from app.remote.outage import Outage
from app.remote.watch import Watch

log = logging.getLogger("tickwork.engine")


@runtime_checkable
class RemoteSink(Sink, Protocol):
    """What the engine's sink also does for a run sent to Celery."""

    def on_sent(self, attempt: Attempt, celery_id: str) -> None: ...
    def on_note(self, attempt: Attempt, old: str | None, new: str,
                waiting: bool = False) -> None: ...
    def on_ignored_result(self, run_id: int, detail: dict[str, Any]) -> None: ...
    def workers_key(self) -> bytes: ...


class Remote:
    """One attempt sent (or to be sent) to Celery, until the engine settles it."""

    __slots__ = ("attempt", "celery_id", "claimed", "heard", "job", "key", "older", "queue",
                 "said", "sealed", "sent", "sent_at", "started")

    def __init__(self, attempt: Attempt, queue_name: str, job: dict[str, Any],
                 secrets: dict[str, str], key: bytes | None) -> None:
        self.attempt, self.celery_id, self.queue, self.job = (attempt, str(uuid.uuid4()),
                                                              queue_name, job)
        # the job signed for this run (a worker runs no other), its secrets as the worker
        # reads them from Redis sealed: app/remote/sealing.py
        job[sealing.SIGNATURE] = (None if key is None
                                  else sealing.sign(job, key, self.celery_id))
        self.sealed = (sealing.seal(secrets, key, self.celery_id)
                       if secrets and key is not None else None)
        self.sent = False
        self.sent_at = 0.0  # when it was (monotonic): app/remote/listeners.py
        self.started = False  # a worker said it started it
        # its replies heard signed with `key`, each once; the claim told to start it
        self.key, self.heard, self.said = key, 0, False  # (app/remote/genuine.py)
        self.claimed: str | None = None
        self.older: str | None = None  # its worker's, when it answers as one before signing


def settle(attempt: Attempt, status: str, code: int | None, error: str | None,
           at: float | None) -> Outcome:
    """A worker's word for how its command ended, as the engine's attempt sees it: a stop
    (or a loss) says why the engine stopped it (a person, its stop, a timeout first)."""
    ended = datetime.fromtimestamp(at, UTC) if at is not None else datetime.now(UTC)
    if status == "timed_out":
        attempt.cancel(error or "timed out", "timed_out")  # a person's cancel may have won
    if status in ("cancelled", "timed_out", "interrupted") and attempt.stop_requested:
        return Outcome(attempt.stop_status, ended, exit_code=code,
                       error=attempt.cancel_reason or error)
    return Outcome(status, ended, exit_code=code, error=error)


class CeleryRuns:
    """The runs of one engine on Celery workers; threads start on first use."""

    def __init__(self, sink: RemoteSink, url: str) -> None:
        self.sink = sink
        self.url = url
        self.shown = broker.shown(url)  # for the log: without its password
        self.app = broker.celery_app(url)
        self.redis = broker.redis_client(url)
        self.give_up_script = self.redis.register_script(wire.GIVE_UP)
        self.genuine = Genuine(self.redis, sink)  # which replies its workers sent
        ident = uuid.uuid4().hex
        self.reply = broker.key("replies", ident)
        self.alive = broker.key("engine", ident)  # this engine's liveness, for its workers
        self.beat = broker.beat_seconds()
        self.lock = threading.Lock()
        self.pending: dict[str, Remote] = {}
        self.orders: queue.SimpleQueue[tuple[str, Remote] | None] = queue.SimpleQueue()
        self.closed = threading.Event()
        self.outage = Outage(sink, url)  # said once each way, and on the runs it holds
        self.beaten_at = -1e9  # when this engine last said it is alive (monotonic)
        self.ahead = 0.0  # seconds the broker's clock is ahead of this engine's (read as it beats)
        self.watch = Watch(self.redis, self.beat, self.shown)  # lost workers, lost jobs
        self.threads = [threading.Thread(target=self._send_loop, name="tickwork-celery-send",
                                         daemon=True),
                        threading.Thread(target=self._read_loop, name="tickwork-celery-read",
                                         daemon=True)]
        for thread in self.threads:
            thread.start()
        # says on a run that waits for a worker when none listens on its queue (not waited
        # for by `close`: a look in flight, ~2 s, ends unsaid)
        self.listeners = Listeners(sink, url, self.beat, self.unstarted, self.closed)
        self.listeners.thread.start()

    def submit(self, attempt: Attempt, queue_name: str, argv: list[str],
               secrets: dict[str, str], key: bytes | None) -> None:
        """Send a command's attempt to Celery (returns at once; the sink hears the rest),
        its job signed and its secrets sealed with `key`, the home's workers' key
        (`RemoteSink.workers_key`; None: the job goes unsigned, and has no secrets)."""
        action = attempt.action
        job = {"version": __version__, "run_id": attempt.run_id, "attempt": attempt.attempt,
               "task_name": attempt.task_name,
               "scheduled_for": attempt.scheduled_for.isoformat(), "argv": argv,
               "env": attempt.env, "cwd": action.cwd, "stdin": action.stdin,
               "timeout": attempt.timeout, "reply": self.reply, "engine": self.alive,
               "secrets": bool(secrets),
               "resume": (None if attempt.resume_state is None
                          else json.dumps(attempt.resume_state))}
        if action.kind == "python":  # run in a Python worker process on the worker
            job["python"] = {"target": action.target, "kwargs": action.kwargs}
            job["argv"] = []
        remote = Remote(attempt, queue_name, job, secrets, key)
        self.genuine.sent(key)
        with self.lock:
            self.pending[remote.celery_id] = remote
        self.sink.on_sent(attempt, remote.celery_id)
        attempt.on_cancel = lambda: self.orders.put(("cancel", remote))
        self.orders.put(("send", remote))
        if attempt.stop_requested:
            self.orders.put(("cancel", remote))

    def close(self, timeout: float = 2.0) -> None:
        """Stop the threads (a reader waits at most half a beat in Redis)."""
        self.closed.set()
        self.orders.put(None)
        for thread in self.threads:
            thread.join(timeout)

    def unstarted(self) -> list[Remote]:
        """The runs sent (or to be sent) that no worker has started yet."""
        with self.lock:
            return [remote for remote in self.pending.values() if not remote.started]

    # -- ending runs ------------------------------------------------------------------------

    def _take(self, celery_id: str) -> Remote | None:
        with self.lock:
            remote = self.pending.pop(celery_id, None)
        if remote is not None:  # (its late replies are checked as its own were)
            remote.attempt.on_cancel = None
            self.genuine.settled(remote)
        return remote

    def _end(self, remote: Remote, outcome: Outcome) -> None:
        if not remote.started:
            self.sink.on_started(remote.attempt)
        self.sink.on_finished(remote.attempt, outcome)

    def _give_up(self, remote: Remote) -> bool:
        """No worker may take this run from now on; True when one already had."""
        keys = [broker.key(k, remote.celery_id) for k in ("ended", "taken", "secret")]
        return bool(self.give_up_script(keys=keys, args=[broker.KEEP]))

    # -- the sender thread ------------------------------------------------------------------

    def _send_loop(self) -> None:
        waiting: list[tuple[str, Remote]] = []  # orders the broker was away for
        delay = 0.5
        while not self.closed.is_set():
            try:
                order = self.orders.get(timeout=delay) if waiting else self.orders.get()
            except queue.Empty:
                order = None
                if self.closed.is_set():
                    return
            else:
                if order is None:
                    return
            batch = [*waiting, *([order] if order is not None else [])]
            waiting = []
            for kind, remote in batch:
                # while the broker is away, only a cancel of a run never sent goes on (it
                # needs no broker); the rest waits, in order
                if waiting and (kind == "send" or remote.sent):
                    waiting.append((kind, remote))
                    continue
                try:
                    self._carry_out(kind, remote)
                except Exception as exc:  # the broker is away: try again in a while
                    self.outage.began(exc)
                    waiting.append((kind, remote))
            if waiting:
                delay = min(delay * 2, 10.0)
                for kind, remote in waiting:
                    if kind == "send" and not remote.sent and remote.celery_id in self.pending:
                        self.outage.holds(remote.attempt)
            else:
                delay = 0.5
                self.outage.ended()

    def _carry_out(self, kind: str, remote: Remote) -> None:
        celery_id = remote.celery_id
        if kind == "send":
            if remote.sent or celery_id not in self.pending:
                return  # cancelled before it was sent
            self._beat()
            if remote.sealed:
                self.redis.set(broker.key("secret", celery_id), remote.sealed,
                               ex=broker.KEEP)
            self.app.send_task(broker.TASK_NAME, kwargs=remote.job, queue=remote.queue,
                               task_id=celery_id, retry=False)
            remote.sent_at, remote.sent = time.monotonic(), True  # (when, first: the
            # listeners' thread reads `sent`, then `sent_at`)
            self.outage.let_go(remote.attempt, broker_waited)
            return
        if celery_id not in self.pending:
            return  # it ended meanwhile
        taken = remote.sent and self._give_up(remote)
        if taken:
            self.app.control.revoke(celery_id, terminate=True)
            return  # its worker stops it and says so
        if self._take(celery_id) is not None:  # no worker will start it now
            attempt = remote.attempt
            if not remote.sent and attempt.stop_status == "interrupted":
                # the engine stops (or steps down) before its broker had the run: nothing
                # tried it, so the next start runs it (still "not sent yet" meanwhile)
                self.sink.on_finished(attempt, Outcome("interrupted", datetime.now(UTC),
                                                       error=attempt.cancel_reason,
                                                       tried=False))
                return
            self.outage.let_go(remote.attempt, broker_never)
            self._end(remote, Outcome(attempt.stop_status, datetime.now(UTC),
                                      error=attempt.cancel_reason or "cancelled"))

    # -- the reader thread ------------------------------------------------------------------

    def _read_loop(self) -> None:
        next_look = time.monotonic() + self.beat
        while not self.closed.is_set():
            try:
                popped = self.redis.blpop([self.reply], timeout=max(0.05, self.beat / 2))
                for raw in [popped[1], *(self.redis.lpop(self.reply, 500) or [])] if popped else []:
                    try:  # (with what else is there)
                        self._heard(raw)
                    except Exception:  # a bug, or a broker writer's making: it alone is lost
                        log.exception("a reply could not be heard, dropped: %r", raw[:200])
                if time.monotonic() >= next_look:
                    next_look = time.monotonic() + self.beat
                    self._look_for_lost()
                    self._look_for_restart()
                self.outage.ended()
            except Exception as exc:  # the broker is away (or a bug): say it once, go on
                self.outage.began(exc)
                self.watch.unsure()
                self.closed.wait(1.0)

    def _heard(self, raw: bytes) -> None:
        message = wire.decode(raw)
        if message is None:
            return self.genuine.not_ours(raw[:80])
        message, seal = wire.unseal(message)
        kind, celery_id = message[0], message[1]
        with self.lock:
            remote = self.pending.get(celery_id)
        if kind == wire.CLAIM:  # a worker asks whether to start it (app/remote/claims.py)
            self.genuine.answer(remote, message, seal)
            return
        if remote is not None and not self.genuine.heard(remote, message, seal):
            return
        if kind == "done":
            remote = self._take(celery_id)
            if remote is None:
                self.genuine.late(message, seal)
                return
            status, code, error, at, checkpoint = message[4:9]
            checkpoints.keep(remote.attempt, checkpoint)
            at = None if at is None else float(at) - self.ahead  # on this engine's clock
            self._end(remote, settle(remote.attempt, status, code, error, at))
            return
        if remote is None:
            return  # a late word about a run already settled: its `done` is audited
        attempt = remote.attempt
        if kind == "started" and not remote.started:
            remote.started = True
            attempt.started_at = datetime.fromtimestamp(float(message[5]) - self.ahead, UTC)
            self.sink.on_started(attempt)
            self.sink.on_output(attempt, "tickwork",
                                f"running on Celery worker {message[4]} ({celery_id})\n")
        elif kind == "out":
            self.sink.on_output(attempt, str(message[4]), str(message[5]))
        elif kind == "progress":
            fraction = message[4]
            self.sink.on_progress(attempt, None if fraction is None else float(fraction),
                                  str(message[5]))
        elif kind == "checkpoint":  # committed on a thread of its own, then acknowledged
            threading.Thread(target=checkpoints.commit, daemon=True,
                             args=(self.sink, self.redis, remote, remote.heard, str(message[4])),
                             name="tickwork-celery-checkpoint").start()

    def _beat(self) -> None:
        """This engine is alive: its workers go on with its runs (said at most twice a beat,
        from either thread); and the broker's clock read, which the times of its workers'
        replies are on."""
        now = time.monotonic()
        if now - self.beaten_at < self.beat / 2:
            return
        pipe = self.redis.pipeline(transaction=False)
        pipe.set(self.alive, "1", px=int(self.beat * broker.ENGINE_BEATS * 1000))
        self.ahead = broker.execute_timed(pipe)[1]
        self.beaten_at = now

    def _look_for_restart(self) -> None:
        """Jobs a restarted broker lost are sent again (app/remote/watch.py)."""
        for remote in self.watch.lost_jobs(lambda: [r for r in self.unstarted() if r.sent]):
            remote.sent = False
            self.orders.put(("send", remote))

    def _look_for_lost(self) -> None:
        """Runs a worker took whose beat is gone: the worker is lost, the run interrupted."""
        with self.lock:
            sent = [r for r in self.pending.values() if r.sent]
        if not sent:
            return
        self._beat()
        for remote in self.watch.lost(sent, self.reply):
            self._give_up(remote)
            if self._take(remote.celery_id) is None:
                continue  # its end came meanwhile
            self.sink.on_output(remote.attempt, "tickwork",
                                f"the Celery worker stopped answering (no heartbeat for "
                                f"{self.beat * 3:g} s)\n")
            self._end(remote, settle(remote.attempt, "interrupted", None,
                                     self.genuine.lost(remote), None))
