"""History retention in the engine: deletes the finished runs each task's keep policy lets
go (`app.core.keep`, in SQL by `app.store.retention`), with their output and metric samples,
and gives the freed pages back to the disk — on its own thread, so firing never waits on it.

When: a task's runs are looked at `debounce` seconds (5) after one of its runs finished
(one look however many finish meanwhile), and every task's a minute after the engine starts
(out of the way of start-up's recovery and catch-up) and then every `every` seconds (an
hour). Deletes go in batches of at most `app.store.retention.BATCH` runs, each its own short
write transaction, so the engine's writer is never held up for long; free pages go back with
`PRAGMA incremental_vacuum` in slices. Ages and waits are measured with the engine's clock
(`Clock`). Audit events are never touched; a failure is logged and tried again at the next
look, it never stops the engine.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from app.core.task import FINISHED_STATUSES
from app.engine.clock import WALL, Clock
from app.engine.events import Event, RunChanged
from app.store import connection, retention

log = logging.getLogger("tickwork.engine")

EVERY = 3600.0  # seconds between looks at every task
DEBOUNCE = 5.0  # seconds from a run's end to the look at its task
FIRST = 60.0  # seconds from the engine's start to the first look at every task
POLL = 2.5  # longest sleep (half the debounce): a new task to look at is seen within this;
# the engine's stop wakes the thread at once (it waits on the stop event)


@dataclass(frozen=True)
class Pruned:
    """What one look did: runs deleted (of how many tasks), pages given back."""

    runs: int = 0
    tasks: int = 0
    pages: int = 0


class Retention:
    """The keep policy applied by the engine. `on_event` is an engine listener; `run` is the
    thread's body; `prune` is one look, callable from a test."""

    def __init__(self, stop: threading.Event, *, clock: Clock = WALL, every: float = EVERY,
                 debounce: float = DEBOUNCE, first: float = FIRST) -> None:
        self._stop = stop
        self.clock = clock
        self._every = every
        self._debounce = debounce
        self._first = first
        self._lock = threading.Lock()
        self._dirty: dict[int, float] = {}  # task id -> monotonic time its look is due
        self.total = Pruned()

    def on_event(self, event: Event) -> None:
        """A run finished: look at its task once `debounce` seconds have passed."""
        if isinstance(event, RunChanged) and event.status in FINISHED_STATUSES:
            with self._lock:
                if event.task_id not in self._dirty:
                    self._dirty[event.task_id] = self.clock.monotonic() + self._debounce

    def prune(self, task_ids: set[int] | None = None) -> Pruned:
        """One look at these tasks (None: every task): delete, then give space back."""
        now = self.clock.now()
        runs = tasks = 0
        # Only tasks with more finished runs than any task keeps can have runs to let go:
        # one statement finds them (a query per task whose run finished cost the engine a
        # third more CPU at 300,000 fires a minute, every task having one run).
        policies = retention.crowded_task_policies(task_ids)
        for task_id, policy in policies:
            if self._stop.is_set():
                break
            deleted = retention.prune_task(task_id, policy, now)
            if deleted:
                runs += deleted
                tasks += 1
        pages = retention.give_back_space() if runs else 0
        if runs:
            log.info("history: deleted %d finished runs of %d tasks (keep policy); "
                     "%d free pages given back", runs, tasks, pages)
        done = Pruned(runs, tasks, pages)
        self.total = Pruned(self.total.runs + runs, self.total.tasks + tasks,
                            self.total.pages + pages)
        return done

    def _due(self) -> tuple[set[int], float]:
        """Tasks whose look is due now, and seconds until the next one is."""
        now = self.clock.monotonic()
        with self._lock:
            due = {t for t, at in self._dirty.items() if at <= now}
            for t in due:
                del self._dirty[t]
            wait = min((at - now for at in self._dirty.values()), default=self._every)
        return due, max(wait, 0.0)

    def run(self) -> None:
        """The thread: every task `first` seconds from now, then every `every` seconds, and
        the tasks whose runs finished as their looks fall due, until the engine stops."""
        next_full = self.clock.monotonic() + self._first
        try:
            while not self._stop.is_set():
                due, wait = self._due()
                full = self.clock.monotonic() >= next_full
                if full or due:
                    try:
                        self.prune(None if full else due)
                    except Exception as exc:  # a busy or full store: said, tried again later
                        log.warning("history: pruning failed, will try again: %s", exc)
                        connection.end_transaction()
                    if full:
                        next_full = self.clock.monotonic() + self._every
                    continue
                wait = min(wait, next_full - self.clock.monotonic(), POLL)
                if self.clock.wait(self._stop, max(wait, 0.0)):
                    return
        finally:
            connection.close()
