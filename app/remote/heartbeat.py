"""A `tickwork worker`'s heartbeat: every `BEAT` seconds it refreshes the beat key of each
run the worker runs (a beat missing is a lost worker to the engine), and stops the runs it
must stop by itself.

A run whose `ended` key its engine set is stopped as the engine's cancel: a revoke this
worker did not hear (Celery stops listening in its warm shutdown, and while it
reconnects). A run whose engine's lease ran out (its liveness key, app/remote/broker.py) is
stopped `interrupted`: a dead engine's runs are retried by the next engine's recovery, never
beside the old command. All runs stop when the broker stays away past the beat's lifetime
(the engine has taken them as lost by then). While the broker is away the heartbeat also
tries it every beat, sends the replies kept meanwhile, and says when it is back
(app/remote/contact.py).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from app.engine.attempts import Attempt
from app.remote import broker
from app.remote.contact import Contact

log = logging.getLogger("tickwork.worker")


class Running(Protocol):
    """A run this worker runs (worker.py's Job), as far as its heartbeat goes."""

    celery_id: str
    engine: str | None  # its engine's liveness key (None: the job named none)
    head: list[Any]  # celery id, run id, attempt
    attempt: Attempt


class Heartbeat:
    """The thread that beats for the runs of the worker `host`: `running` gives them,
    `flush` sends the replies kept while the broker was away, `read` runs a pipeline and
    reads the broker's clock with it (the worker's `ahead`)."""

    def __init__(self, redis: Any, host: str, beat: float, contact: Contact,
                 running: Callable[[], Sequence[Running]], flush: Callable[[], bool],
                 read: Callable[[Any], list[Any]]) -> None:
        self.redis, self.host, self.beat, self.contact = redis, host, beat, contact
        self.running, self.flush, self.read = running, flush, read
        self.leases: dict[str, float] = {}  # engine key -> alive until (monotonic)
        self.thread = threading.Thread(target=self._beat, name="tickwork-beat", daemon=True)

    def _beat(self) -> None:
        """Look at the running jobs every beat; stop them all when Redis is gone too long."""
        ok_at = time.monotonic()
        while True:
            time.sleep(self.beat)
            jobs = self.running()
            try:
                if jobs:
                    self._look(jobs)
                elif self.contact.away:
                    self.redis.ping()
                ok_at = time.monotonic()
            except Exception as exc:
                self.contact.lost(exc)
                if time.monotonic() - ok_at > self.beat * 3:
                    self._fence(f"no contact with the broker for {self.beat * 3:g} s ({exc})")
                continue
            if self.flush():
                self.contact.back()

    def _look(self, jobs: Sequence[Running]) -> None:
        """Refresh each job's beat; stop a job its engine gave up on (its `ended` key: a
        cancel whose revoke this worker did not hear, as in a warm shutdown, when Celery
        no longer listens), and the jobs of an engine whose lease ran out."""
        pipe = self.redis.pipeline(transaction=False)
        for job in jobs:
            pipe.set(broker.key("beat", job.celery_id), self.host, px=int(self.beat * 3000))
            pipe.exists(broker.key("ended", job.celery_id))
            pipe.pttl(job.engine or broker.key("engine", "-"))
        found = self.read(pipe)
        now = time.monotonic()
        leases = {job.engine: self._lease(job.engine, found[3 * i + 2], now)
                  for i, job in enumerate(jobs) if job.engine}
        self.leases = leases  # those of engines with runs here
        for i, job in enumerate(jobs):
            if found[3 * i + 1]:
                cancelled(job)
            elif job.engine and now >= leases[job.engine]:
                stop(job, "the engine that sent it stopped answering")

    def _lease(self, engine: str, ttl: int, now: float) -> float:
        """Until when (monotonic) `engine` is taken as alive: its key's expiry as last read.
        A key gone before it (a Redis restart that lost its data) does not shorten it: a
        live engine sets it again within a beat or two. An engine whose key was never seen
        here has `ENGINE_BEATS` beats from the first look."""
        if ttl == -1:  # no expiry: set by hand, or by another program
            return now + broker.ENGINE_BEATS * self.beat
        if ttl >= 0:
            return now + ttl / 1000
        return self.leases.get(engine, now + broker.ENGINE_BEATS * self.beat)

    def _fence(self, why: str) -> None:
        for job in self.running():
            stop(job, why)


def cancelled(job: Running) -> None:
    """The engine cancelled the run (its revoke, or its `ended` key): stop its tree."""
    if not job.attempt.stop_requested:
        log.info("run %d (%s): cancelled by the engine", job.head[1], job.celery_id)
        job.attempt.cancel("cancelled")


def stop(job: Running, why: str) -> None:
    """Stop a run by this worker's own decision: it ends `interrupted`."""
    if not job.attempt.stop_requested:
        log.warning("run %d: stopping it: %s", job.head[1], why)
        job.attempt.cancel(why, "interrupted")
