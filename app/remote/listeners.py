"""Runs sent to a Celery queue that no worker listens on: said on the run, where a person
looks (`run show`, `run list`, the window's Runs), where before it stood `queued` without a
word for good.

A run that no worker has taken `UNTAKEN_BEATS` beats after it was sent (5 s by default,
`TICKWORK_CELERY_BEAT` scales it) has its queue looked at: Celery's workers are asked which
queues they consume (`active_queues`, `INSPECT_TIMEOUT` for their replies), on a thread of
its own, so neither the sender nor the reader of replies and heartbeats waits for it. A
look that finds none consuming the run's queue is not yet taken at its word: a worker's
reply can come too late for it (a busy machine; a worker held by SIGSTOP through one look
was said not to listen, and took the run a moment later). The queue is asked about again
`MISSED_BEATS` beats later, and when that look finds none either, the run says "waiting: no
Celery worker listens on queue “nightly” (since 12:00:05)", the time of the first look that
found none (about 12 s after it was sent, at the default beat, where it was 7 s when one
look was believed). The note is written when what it says changes, not at each look: the
looks go on every `LOOK_AGAIN_BEATS` beats while it waits, and each used to write every
waiting run's note again for the time of its check ("checked 12:00:05"), a write per run
out on the queue every 30 s, for good. The engine's log says it once for the queue.
Nothing more: the run is neither failed nor cancelled, since a worker may start later.
Once a look finds one listening on the queue, or the run leaves it (a worker took it, a
person cancelled it), the note says it in the past: "waited: no Celery worker listened on
… (from 12:00:05)" (app/core/run.py; `reason_now` reads it so for a run no longer queued,
even one an engine no longer running left behind). A run waiting behind busy workers that
do listen on its queue is said nothing: it is taken as soon as a thread is free.

Each look opens a connection of its own. Measured with two idle `tickwork worker`s on a
loopback Redis: on one connection kept for every look, 25 of 40 looks at a 0.2 s timeout
and 15 of 40 at 0.5 s found no worker at all (kombu's Redis transport; celery/celery#1077
saw such looks fail every other time); on a new connection each, all 250 looks found both
(timeouts 0.1–0.5 s, 60 of them with three CPU-bound processes on the 2 cores), the replies
in 3–17 ms. Closing that connection waits about 0.9 s more (the transport's pending read),
on this thread only: a look costs it about 2 s, the engine's other threads nothing. Nobody
waits for the thread (a daemon): `tickwork engine` stopped (SIGTERM, no grace) while a look
was in flight exited 0.1–0.4 s later, as without one; with the broker gone a stop took
~5 s, look or no look (the cancel of a run sent needs the broker: app/remote/client.py).
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
MISSED_BEATS: Final = 5  # beats the looks must find no worker on a queue before it is said


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


def look_due(sent: Iterable[float], looked_at: float | None, now: float, beat: float,
             again_at: float | None = None) -> bool:
    """Whether to ask the workers now (monotonic seconds; `sent`: when the runs still waiting
    were sent): a run has waited long enough and no look since has judged it, the last look
    is `LOOK_AGAIN_BEATS` old while such a run waits, or `again_at` (a look that found no
    worker on a queue asks again then, before its runs are told: `Listeners.missed`) has
    come with no look since."""
    ripe = [at for at in (ripe_at(s, beat) for s in sent) if at <= now]
    if not ripe:
        return False
    if again_at is not None and now >= again_at and (looked_at is None
                                                     or looked_at < again_at):
        return True
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
        # the queues of waiting runs that no worker answered for, at every look since the
        # first that found none: when that was (monotonic; local time, as the notes say it)
        self.missed: dict[str, tuple[float, str]] = {}
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

    def unheard_queues(self, at: float) -> set[str]:
        """The queues that no worker has answered for at the looks of `MISSED_BEATS` beats
        up to `at` (monotonic): said on their runs, and once in the log."""
        return {queue for queue, (first, _) in self.missed.items()
                if at - first >= MISSED_BEATS * self.beat}

    def again_at(self, queues: set[str]) -> float | None:
        """When to ask again about the `queues` of waiting runs that one look found nobody
        on (monotonic)."""
        if self.looked_at is None:
            return None
        said = self.unheard_queues(self.looked_at)
        firsts = [first for queue, (first, _) in self.missed.items()
                  if queue in queues and queue not in said]
        return min(firsts) + MISSED_BEATS * self.beat if firsts else None

    def look_and_say(self, now: float, at: datetime | None = None) -> None:
        """Look at the queues when it is due (`look_due`), then say on each waiting run that
        the looks found no worker listening on its queue (`unheard_queues`), or one does again;
        a run's note is written when that changes, not at each look (`now` monotonic, `at`
        the wall time: now's, in the local zone, unless given)."""
        runs = self.waiting()
        pending = {r.celery_id for r in runs}
        for gone in [c for c in self.said if c not in pending]:  # started or ended
            del self.said[gone]
        sent = [r for r in runs if r.sent]
        if not sent:
            self.logged = set()
        # a queue no sent run waits on now has no wait to date: its runs were taken (by a
        # worker that listened after all) or ended, and a run sent to it later waits anew —
        # kept, its first look's time was said on that run after a single look of its own
        # ("since" a time before that worker took the runs of its queue)
        self.missed = {queue: first for queue, first in self.missed.items()
                       if any(r.queue == queue for r in sent)}
        if now >= self.calm_until and look_due(
                (r.sent_at for r in sent), self.looked_at, now, self.beat,
                self.again_at({r.queue for r in sent})):
            heard = self.queues_heard()
            if heard is None:  # (a failed look took ~6 s: kombu's own retries)
                self.calm_until = now + UNTAKEN_BEATS * self.beat
            if heard is None or self.closed.is_set():
                return
            self.looked_at, self.heard = now, heard
            log.debug("the Celery workers listen on the queues %s", sorted(heard) or "(none)")
            asked = {r.queue for r in sent if ripe_at(r.sent_at, self.beat) <= now}
            since = (at or datetime.now().astimezone()).strftime("%H:%M:%S")
            self.missed = {queue: self.missed.get(queue, (now, since))
                           for queue in asked - heard}
            self._log(self.unheard_queues(now))
        if self.looked_at is None:
            return
        unheard_now = self.unheard_queues(self.looked_at)
        for remote in sent:
            if self.looked_at < ripe_at(remote.sent_at, self.beat):
                continue  # sent since, or not waited long enough when looked at
            old = self.said.get(remote.celery_id)
            if remote.queue in unheard_now:
                new = unheard(remote.queue, self.missed[remote.queue][1])
            elif old is not None and remote.queue in self.heard:
                new = unheard_then(old)
            else:
                continue  # (a queue nobody answered for once: asked again before a word)
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
