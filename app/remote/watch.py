"""What an engine looks for every beat among its runs on Celery workers: a worker lost, and
jobs a restarted broker lost. It decides; the engine's client (app/remote/client.py) acts.

A run a worker took whose beat key is gone (`tickwork:beat:<celery id>`, refreshed every
beat, app/remote/heartbeat.py) has lost its worker: a kill -9, a crash, a lost network.
Not while the broker was away lately (`LOST_AFTER` beats: the workers beat again once it is
back), nor while replies wait on the engine's list (a run's `done` comes before its beat
runs out).

A broker that restarted without its data (its server id changed) lost the jobs no worker
had taken yet: those are sent again once `3 × BEAT` has passed without a beat or a taken
key for them (a worker still running one beats again by then).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from app.remote import broker

log = logging.getLogger("tickwork.engine")
LOST_AFTER = 4  # beats after the broker was away before a missing beat means a lost worker


class Watched(Protocol):
    """A run sent to Celery (client.py's Remote), as far as the watch goes."""

    celery_id: str
    started: bool  # a worker said it started it


W = TypeVar("W", bound=Watched)


class Watch:
    """The looks of one engine at its broker `shown` (without its password)."""

    def __init__(self, redis: Any, beat: float, shown: str) -> None:
        self.redis, self.beat, self.shown = redis, beat, shown
        self.server: str | None = None  # the broker's server id (a new one: it restarted)
        # when this engine last could not read the broker (monotonic): a run's missing beat
        # means a lost worker only `LOST_AFTER` beats later, once its workers beat again
        self.unsure_at = -1e9
        self.restarted_at: float | None = None  # when a restart was seen (monotonic)

    def unsure(self) -> None:
        """The broker could not be read just now."""
        self.unsure_at = time.monotonic()

    def lost(self, sent: Sequence[W], replies: str) -> list[W]:
        """The runs among `sent` whose worker is lost: taken (or started), their beat gone;
        none while the broker was away lately, or while replies wait on `replies`."""
        unsure = max(self.unsure_at, self.restarted_at or -1e9)
        if not sent or time.monotonic() - unsure < self.beat * LOST_AFTER:
            return []
        pipe = self.redis.pipeline(transaction=False)
        for remote in sent:
            pipe.exists(broker.key("beat", remote.celery_id))
            pipe.exists(broker.key("taken", remote.celery_id))
        pipe.llen(replies)
        found = pipe.execute()
        if found[-1]:
            return []  # replies first: a run's `done` comes before its beat runs out
        return [remote for i, remote in enumerate(sent)
                if not found[2 * i] and (found[2 * i + 1] or remote.started)]

    def lost_jobs(self, waiting: Callable[[], Sequence[W]]) -> list[W]:
        """The runs among those sent and not started (`waiting`, asked only then) whose jobs
        a restarted broker lost: to be sent again."""
        server = str(self.redis.info("server").get("run_id", ""))
        if self.server is not None and server != self.server:
            log.warning("the Celery broker %s restarted: the runs it lost are sent again",
                        self.shown)
            self.restarted_at = time.monotonic()
        self.server = server
        if self.restarted_at is None or time.monotonic() - self.restarted_at < self.beat * 3:
            return []
        self.restarted_at = None
        runs = waiting()
        if not runs:
            return []
        pipe = self.redis.pipeline(transaction=False)
        for remote in runs:
            pipe.exists(broker.key("beat", remote.celery_id))
            pipe.exists(broker.key("taken", remote.celery_id))
        found = pipe.execute()
        return [remote for i, remote in enumerate(runs)
                if not (found[2 * i] or found[2 * i + 1])]
