"""What an engine says while its Celery broker is away: the outage once in the log each way
(whichever thread, sender or reader, meets it first), and on each run it holds back, where a
person looks (`run show`, the window's Runs): "not sent yet: …", reworded once the run went
out or was cancelled unsent (app/core/run.py's words)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Protocol

from app.core.run import broker_away
from app.engine.attempts import Attempt
from app.remote import broker

log = logging.getLogger("tickwork.engine")


class Noting(Protocol):
    def on_note(self, attempt: Attempt, old: str | None, new: str) -> None: ...


class Outage:
    def __init__(self, sink: Noting, url: str) -> None:
        self.sink = sink
        self.url = url
        self.shown = broker.shown(url)  # without its password
        self.away: str | None = None  # why the broker is unreachable, once said
        self.why = "away"  # ... in the runs' notes' words (app/core/run.py's `broker_away`)
        self._said = threading.Lock()  # ... by one thread
        self._noted: dict[int, str] = {}  # the runs that say they wait, each why (sender
        # thread)

    def began(self, exc: BaseException) -> None:
        """Said once, by whichever thread meets the outage first."""
        with self._said:
            if self.away is not None:
                return
            self.away = broker.shown(self.url, f"{type(exc).__name__}: {exc}")
            self.why = ("refused" if broker.refused(exc) else
                        "not_redis" if broker.not_redis(exc) else "away")
        if self.why == "refused":  # not an outage: it lasts until the password changes
            log.warning("the Celery broker %s refuses this engine (%s): %s; runs on Celery "
                        "wait until it lets the engine in", self.shown, self.away,
                        broker.PASSWORD_HELP)
            return
        if self.why == "not_redis":  # nor this: it lasts until the URL changes
            log.warning("the Celery broker %s does not answer as Redis does (%s): %s; runs "
                        "on Celery wait until it does", self.shown, self.away,
                        broker.NOT_REDIS_HELP)
            return
        log.warning("the Celery broker %s is unreachable (%s): runs on Celery wait until it "
                    "is back", self.shown, self.away)

    def ended(self) -> None:
        """Said once, by whichever thread reaches the broker again first (the reader does,
        within a beat, even when nothing waits to be sent)."""
        with self._said:
            if self.away is None:
                return
            self.away = None
        log.warning("the Celery broker %s is reachable again", self.shown)

    def holds(self, attempt: Attempt) -> None:
        """This run waits for the broker: said on it once, as the outage began (unreachable,
        refusing the password, or not Redis)."""
        if attempt.run_id not in self._noted:
            self._noted[attempt.run_id] = why = self.why
            self.sink.on_note(attempt, None, broker_away(self.shown, why))

    def let_go(self, attempt: Attempt, words: Callable[[str, str], str]) -> None:
        """A run that said it waits: what became of it (`words` of the broker, and why it
        waited)."""
        why = self._noted.pop(attempt.run_id, None)
        if why is not None:
            self.sink.on_note(attempt, broker_away(self.shown, why), words(self.shown, why))
