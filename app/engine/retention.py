"""History retention in the engine: deletes the finished runs each task's keep policy lets
go (`app.core.keep`, in SQL by `app.store.retention`), with their output and metric samples,
and gives the freed pages back to the disk — on its own thread, so firing never waits on it.

When: the tasks whose runs finished are looked at together, `debounce` seconds (5) after
the first of them finished (one look however many finish meanwhile), and every task's a
minute after the engine starts (out of the way of start-up's recovery and catch-up) and then
every `every` seconds (an hour). A look costs SQL only for a task that may have runs to let
go: the thread remembers what the last look found of each task (its finished runs, counted
up to its keep-runs + 1, and, for a task with more than it keeps, when the oldest of those
becomes old enough) and counts the runs that finish after it; a task with fewer finished
runs than it keeps, or whose extra runs are all too young, is passed over in memory. (At
300,000 fires a minute a look per finished run, each reading every task's keep-runs, cost
the engine a fifth of its CPU.) A change to a task, or to the global default, forgets what
was remembered; the hourly look at every task stands behind the counting.

Deletes go in batches of at most `app.store.retention.BATCH` runs, each its own short write
transaction, so the engine's writer is never held up for long; free pages go back with
`PRAGMA incremental_vacuum` in slices. Ages and waits are measured with the engine's clock
(`Clock`). Audit events are never touched; a failure is logged and tried again at the next
look, it never stops the engine (a store's server away is not logged here: the engine says
it once).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime

from app.core.keep import KeepPolicy
from app.core.task import FINISHED_STATUSES
from app.engine.clock import WALL, Clock
from app.engine.events import Event, RunChanged, TasksChanged
from app.store import connection, retention
from app.store.integrity import UNREACHABLE, fault_of

log = logging.getLogger("tickwork.engine")

EVERY = 3600.0  # seconds between looks at every task
DEBOUNCE = 5.0  # seconds from a run's end to the look at its task
FIRST = 60.0  # seconds from the engine's start to the first look at every task
# Idle, the thread sleeps until the hourly look, woken by the first run to finish (a wake-up
# costs an idle engine ~0.3 ms of CPU: it polled every 2.5 s) and by the engine's stop (`wake`)


@dataclass(frozen=True)
class Pruned:
    """What one look did: runs deleted (of how many tasks), pages given back."""

    runs: int = 0
    tasks: int = 0
    pages: int = 0


@dataclass(slots=True)
class Seen:
    """What the last look found of one task, plus the runs finished since."""

    policy: KeepPolicy
    finished: int  # finished runs (counted up to policy.runs + 1 by the look, then on)
    not_before: datetime | None = None  # more than it keeps, all too young until then

    def may_prune(self, now: datetime) -> bool:
        """Whether a look could find a run of this task to let go."""
        return self.finished > self.policy.runs and (
            self.not_before is None or now >= self.not_before)


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
        self._finished: dict[int, int] = {}  # task id -> its runs finished since the last look
        self._forget: set[int] = set()  # tasks changed since the last look
        self._forget_all = False
        self._due_at: float | None = None  # monotonic time the next look at them is due
        self._wake = threading.Event()  # a look fell due, or the engine stops
        self._seen: dict[int, Seen] = {}  # the thread's own: what looks found
        self._default: KeepPolicy | None = None  # the global default the last look read
        self.total = Pruned()

    def on_event(self, event: Event) -> None:
        """A run finished: count it for its task (looked at once `debounce` seconds have
        passed); a task changed: forget what was seen of it (its keep policy may differ)."""
        if isinstance(event, RunChanged):
            if event.status in FINISHED_STATUSES:
                with self._lock:
                    finished = self._finished
                    finished[event.task_id] = finished.get(event.task_id, 0) + 1
                    if self._due_at is None:
                        self._due_at = self.clock.monotonic() + self._debounce
                        self._wake.set()  # (once per look, however many runs finish)
        elif isinstance(event, TasksChanged):
            with self._lock:
                self._forget.update(event.task_ids)
                self._forget_all = self._forget_all or event.everything

    def prune(self, task_ids: set[int] | None = None) -> Pruned:
        """One look at these tasks (None: every task): delete, then give space back."""
        now = self.clock.now()
        runs = tasks = 0
        if task_ids is None:  # those with more finished runs than any task keeps (one statement)
            looks = [(t, p, p.runs + 1) for t, p in retention.crowded_task_policies()]
        else:
            looks = retention.finished_counts(task_ids)
        for task_id, policy, finished in looks:
            if self._stop.is_set():
                break
            seen = Seen(policy, finished)
            self._seen[task_id] = seen
            if finished <= policy.runs:
                continue
            deleted = retention.prune_task(task_id, policy, now)
            if deleted:
                runs += deleted
                tasks += 1
            seen.not_before = retention.next_expiry(task_id, policy)
            seen.finished = policy.runs + (seen.not_before is not None)
        pages = retention.give_back_space() if runs else 0
        if runs:
            log.info("history: deleted %d finished runs of %d tasks (keep policy); "
                     "%d free pages given back", runs, tasks, pages)
        done = Pruned(runs, tasks, pages)
        self.total = Pruned(self.total.runs + runs, self.total.tasks + tasks,
                            self.total.pages + pages)
        return done

    def _take(self) -> dict[int, int] | None:
        """The runs finished since the last look, per task, once their look is due."""
        with self._lock:
            if self._due_at is None or self.clock.monotonic() < self._due_at:
                return None
            finished, self._finished, self._due_at = self._finished, {}, None
            forget, self._forget, forget_all = self._forget, set(), self._forget_all
            self._forget_all = False
        if forget_all:
            self._seen.clear()
        for task_id in forget:
            self._seen.pop(task_id, None)
        return finished

    def _again(self, finished: dict[int, int]) -> None:
        """A failed look's tasks: looked at again `debounce` seconds on."""
        with self._lock:
            for task_id, count in finished.items():
                self._finished[task_id] = self._finished.get(task_id, 0) + count
            if self._due_at is None:
                self._due_at = self.clock.monotonic() + self._debounce

    def _look_after_runs(self, finished: dict[int, int]) -> None:
        """Look at the tasks whose runs finished, in SQL only where runs may go."""
        default = retention.global_policy()
        if default != self._default:  # the default changed: what was seen may be wrong
            self._seen.clear()
            self._default = default
        now = self.clock.now()
        ask: set[int] = set()
        for task_id, count in finished.items():
            seen = self._seen.get(task_id)
            if seen is None:
                ask.add(task_id)
                continue
            seen.finished += count
            if seen.may_prune(now):
                ask.add(task_id)
        if ask:
            self.prune(ask)

    def wake(self) -> None:
        """The engine stops (its stop event is set first)."""
        self._wake.set()

    def _wait(self, next_full: float) -> float:
        """Seconds to sleep: until the next look falls due (the first run to finish wakes
        the thread to sleep until its own look)."""
        now = self.clock.monotonic()
        with self._lock:
            due = self._due_at
        return max(min(next_full, due if due is not None else next_full) - now, 0.0)

    def run(self) -> None:
        """The thread: every task `first` seconds from now, then every `every` seconds, and
        the tasks whose runs finished as their looks fall due, until the engine stops."""
        next_full = self.clock.monotonic() + self._first
        try:
            while not self._stop.is_set():
                full = self.clock.monotonic() >= next_full
                finished = None if full else self._take()
                if full or finished is not None:
                    try:
                        if finished is None:
                            self.prune(None)
                        else:
                            self._look_after_runs(finished)
                    except Exception as exc:  # a busy or full store: said, tried again later
                        if fault_of(exc) == UNREACHABLE:  # the engine says that, once
                            log.debug("history: pruning waits for the store's server")
                        else:
                            log.warning("history: pruning failed, will try again: %s", exc)
                        connection.end_transaction()
                        if finished:
                            self._again(finished)
                    if full:
                        next_full = self.clock.monotonic() + self._every
                    continue
                self.clock.wait(self._wake, self._wait(next_full))
                self._wake.clear()
        finally:
            connection.close()
