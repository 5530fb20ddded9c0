"""A `tickwork worker`'s word on its broker: one line when it cannot reach it, one when it
is back — not Celery's and kombu's own lines about the same outage (DESIGN.md, invariant
13: a fault is a state, never a traceback loop).

Celery says a lost broker its own way: a warning, then an error at every try to reconnect
(every 2 s, growing to 30 s), and, with a run in flight, kombu failing to give back its
unacknowledged message to the broker that is gone — an 'Unrecoverable error' and an 'Error
on stopping Hub', each with a chained traceback of about 90 lines, after which the worker
starts its consumer again (app/remote/worker.py) with its banner. `Quiet`, a filter on the
worker's log handlers, drops those records and tells `Contact`; `Contact` says the outage
once, and the worker's heartbeat thread, whose own Redis client tries every beat, says when
it is back.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from app.remote import broker

log = logging.getLogger("tickwork.worker")


def _broker_error(exc: BaseException | None) -> BaseException | None:
    """The connection error `exc` is or was raised from (redis's, kombu's, a socket's)."""
    from kombu.exceptions import OperationalError
    from redis.exceptions import ConnectionError, TimeoutError

    seen = 0
    while exc is not None and seen < 20:
        if isinstance(exc, (ConnectionError, TimeoutError, OperationalError, OSError)):
            return exc
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None


class Contact:
    """Whether this worker reaches its broker, said once per change."""

    def __init__(self, url: str, stops_after: float) -> None:
        self.url = url
        self.shown = broker.shown(url)  # for the log: without its password
        self.stops_after = stops_after
        self.lock = threading.Lock()
        self.away = False
        self.losses = 0  # times a loss was heard, said or not

    def lost(self, exc: BaseException) -> None:
        with self.lock:
            self.losses += 1
            if self.away:
                return
            self.away = True
        why = broker.shown(self.url, f"{type(exc).__name__}: {exc}")
        if broker.refused(exc):  # not an outage: it lasts until the password changes
            log.warning("the broker %s refuses this worker (%s): %s; retrying until it lets "
                        "the worker in", self.shown, why, broker.PASSWORD_HELP)
            return
        if broker.not_redis(exc):  # nor this: it lasts until the URL changes
            log.warning("the broker %s does not answer as Redis does (%s): %s; retrying until "
                        "it does", self.shown, why, broker.NOT_REDIS_HELP)
            return
        log.warning("the broker %s is unreachable (%s): retrying until it is back (replies "
                    "wait for it; runs in flight stop if it stays away %gs)",
                    self.shown, why, self.stops_after)

    def back(self) -> None:
        with self.lock:
            if not self.away:
                return
            self.away = False
        log.warning("the broker %s is back", self.shown)


class Quiet(logging.Filter):
    """Drops Celery's and kombu's records about a lost broker (telling `Contact`), and their
    start-up lines when the consumer starts again."""

    def __init__(self, contact: Contact) -> None:
        super().__init__()
        from celery.worker.consumer.consumer import CONNECTION_ERROR, CONNECTION_RETRY

        self.contact = contact
        self.retry_lines = (CONNECTION_ERROR, CONNECTION_RETRY)
        self.said: set[str] = set()  # start-up lines said once: connected, ready

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "py.warnings":  # Celery's notice that a lost connection may one
            # day cancel running tasks: a worker keeps its runs through a short outage
            return "_cancel_long_running_tasks_on_connection_loss" not in record.getMessage()
        if not record.name.startswith(("celery.", "kombu.")):
            return True
        msg = str(record.msg)
        args: Any = record.args if isinstance(record.args, tuple) else ()
        if msg in self.retry_lines or (args and args[0] in self.retry_lines):
            # said as it happens (a traceback raised from one may come much later: kombu's
            # stop waits for the runs in flight, and the broker is back by then)
            self.contact.lost(next((a for a in args if isinstance(a, BaseException)),
                                   ConnectionError("the connection to the broker was lost")))
            return False
        if _broker_error(record.exc_info[1] if record.exc_info else None) is not None:
            return False
        if msg.startswith(("Restoring ", "Skipping prefetch count reduction")):
            return False  # kombu giving back a run's message, a lost connection's detail
        first = ("connected" if msg.startswith("Connected to ")
                 else "ready" if msg == "%s ready." else None)
        if first is not None:  # said again when the consumer starts again: the outage said it
            if first in self.said:
                return False
            self.said.add(first)
        return True


def hush(contact: Contact) -> Quiet:
    """`Quiet` on every handler of the root logger."""
    quiet = Quiet(contact)
    for handler in logging.getLogger().handlers:
        handler.addFilter(quiet)
    return quiet
