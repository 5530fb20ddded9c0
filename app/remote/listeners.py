"""Runs sent to a Celery queue that no worker listens on: said on the run, where a person
looks (`run show`, `run list`, the window's Runs), where before it stood `queued` without a
word for good.

A run that no worker has taken `UNTAKEN_BEATS` beats after it was sent (5 s by default,
`TICKWORK_CELERY_BEAT` scales it) has its queue looked at: Celery's workers are asked which
queues they consume (`active_queues`, `INSPECT_TIMEOUT` for their replies), on a thread of
its own, so neither the sender nor the reader of replies and heartbeats waits for it. When
none consumes the run's queue, the run says "waiting: no Celery worker listens on queue
“nightly” (checked 12:00:05)", looked at again every `LOOK_AGAIN_BEATS` beats while it
waits (the time renewed); the engine's log says it once for the queue. Nothing more: the
run is neither failed nor cancelled, since a worker may start later. Once one listens on
the queue, or the run leaves it (a worker took it, a person cancelled it), the note says it
in the past: "waited: no Celery worker listened on …" (app/core/run.py; `reason_now` reads
it so for a run no longer queued, even one an engine no longer running left behind). A run
waiting behind busy workers that do listen on its queue is said nothing: it is taken as
soon as a thread is free.

Each look opens a connection of its own. Measured with two idle `tickwork worker`s on a
loopback Redis: on one connection kept for every look, 25 of 40 looks at a 0.2 s timeout
and 15 of 40 at 0.5 s found no worker at all (kombu's Redis transport; celery/celery#1077
saw such looks fail every other time); on a new connection each, all 250 looks found both
(timeouts 0.1–0.5 s, 60 of them with three CPU-bound processes on the 2 cores), the replies
in 3–17 ms. Closing that connection waits about 0.9 s more (the transport's pending read),
on this thread only: a look costs it about 2 s, the engine's other threads nothing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, Final, Protocol

from app.core.run import unheard, unheard_then
from app.engine.attempts import Attempt
from app.remote import broker

log = logging.getLogger("tickwork.engine")

UNTAKEN_BEATS: Final = 5  # beats a sent run waits for a worker before its queue is looked at
LOOK_AGAIN_BEATS: Final = 30  # beats between looks while such runs still wait
INSPECT_TIMEOUT: Final = 1.0  # seconds the workers have to say their queues (Celery's default)


class Waiting(Protocol):
    """A run sent (or to be sent) to Celery that no worker has started (client.py's Remote)."""

    attempt: Attempt
    celery_id: str
    queue: str
    sent: bool
    sent_at: float  # when it was sent (monotonic)


class Noting(Protocol):
    def on_note(self, attempt: Attempt, old: str | None, new: str,
                waiting: bool = False) -> None: ...


def ripe_at(sent_at: float, beat: float) -> float:
    """When a run sent at `sent_at` (monotonic) has waited long enough for its queue to be
    looked at."""
    return sent_at + UNTAKEN_BEATS * beat


def look_due(sent: Iterable[float], looked_at: float | None, now: float, beat: float) -> bool:
    """Whether to ask the workers now (monotonic seconds; `sent`: when the runs still waiting
    were sent): a run has waited long enough and no look since has judged it, or the last
    look is `LOOK_AGAIN_BEATS` old while such a run waits."""
    ripe = [at for at in (ripe_at(s, beat) for s in sent) if at <= now]
    if not ripe:
        return False
    return (looked_at is None or looked_at < max(ripe)
            or now - looked_at >= LOOK_AGAIN_BEATS * beat)


class Listeners:
    """Who listens on the queues of this engine's runs that wait for a worker: one thread,
    started by `thread.start()`, ended by `closed`."""

    def __init__(self, sink: Noting, url: str, beat: float,
                 waiting: Callable[[], Sequence[Waiting]], closed: threading.Event) -> None:
        self.sink = sink
        self.url = url
        self.beat = beat
        self.waiting = waiting  # the runs sent or to be sent that no worker has started
        self.closed = closed
        self.looked_at: float | None = None  # when the last look began (monotonic)
        self.heard: set[str] = set()  # the queues some worker consumed then
        self.checked = ""  # ... its local time, as the notes say it
        self.said: dict[str, str] = {}  # celery id -> the note its run holds now
        self.app: Any = None  # Celery's app for the looks, made at the first
        self.calm_until = 0.0  # no look before (monotonic): the last could not reach Redis
        self.logged: set[str] = set()  # the queues the log said nobody listens on
        self.failing = False  # a bug of ours was said in the log (once, until it passes)
        self.thread = threading.Thread(target=self._loop, name="tickwork-celery-queues",
                                       daemon=True)

    def _loop(self) -> None:
        while not self.closed.wait(self.beat):
            try:
                self.look_and_say(time.monotonic())
                self.failing = False
            except Exception:  # a bug of ours: said once, and the next beat tries again
                if not self.failing:
                    log.exception("cannot tell whether Celery workers listen on the runs' "
                                  "queues")
                self.failing = True

    def look_and_say(self, now: float, at: datetime | None = None) -> None:
        """Look at the queues when it is due (`look_due`), then say on each waiting run that
        the last look judged whether a worker listens on its queue (`now` monotonic, `at`
        the wall time: now's, in the local zone, unless given)."""
        runs = self.waiting()
        pending = {r.celery_id for r in runs}
        for gone in [c for c in self.said if c not in pending]:  # started or ended
            del self.said[gone]
        sent = [r for r in runs if r.sent]
        if not sent:
            self.logged = set()
        if now >= self.calm_until and look_due((r.sent_at for r in sent), self.looked_at,
                                               now, self.beat):
            heard = self.queues_heard()
            if heard is None:  # (a failed look took ~6 s: kombu's own retries)
                self.calm_until = now + UNTAKEN_BEATS * self.beat
            if heard is None or self.closed.is_set():
                return
            self.looked_at, self.heard = now, heard
            log.debug("the Celery workers listen on the queues %s", sorted(heard) or "(none)")
            self._log({r.queue for r in sent if ripe_at(r.sent_at, self.beat) <= now} - heard)
            self.checked = (at or datetime.now().astimezone()).strftime("%H:%M:%S")
        if self.looked_at is None:
            return
        for remote in sent:
            if self.looked_at < ripe_at(remote.sent_at, self.beat):
                continue  # sent since, or not waited long enough when looked at
            old = self.said.get(remote.celery_id)
            if remote.queue not in self.heard:
                new = unheard(remote.queue, self.checked)
            elif old is not None:
                new = unheard_then(old)
            else:
                continue
            if new != old:
                self.said[remote.celery_id] = new
                self.sink.on_note(remote.attempt, old, new, waiting=True)

    def _log(self, unheard_now: set[str]) -> None:
        """Said in the engine's log once each time a queue's waiting runs find nobody."""
        for queue in sorted(unheard_now - self.logged):
            log.warning("no Celery worker listens on queue “%s”: its runs wait until one does",
                        queue)
        self.logged = unheard_now

    def queues_heard(self) -> set[str] | None:
        """The queues Celery's workers consume now (None: the broker cannot be asked; the
        sender and the reader say its outage)."""
        if self.app is None:
            self.app = broker.celery_app(self.url)
        try:
            with self.app.connection_for_write() as connection:  # a new one: see above
                looking = self.app.control.inspect(timeout=INSPECT_TIMEOUT,
                                                   connection=connection)
                replies = looking.active_queues()
        except Exception as exc:
            log.debug("cannot ask the Celery workers for their queues: %s",
                      broker.shown(self.url, str(exc)))
            return None
        return {str(queue.get("name")) for queues in (replies or {}).values()
                for queue in queues or () if isinstance(queue, dict)}
