"""The real `Dispatcher` played forward in simulated time: nothing run, nothing written.

`SimulatedEngine` wires the engine's own `Dispatcher`, `Horizon`, `TaskSync` and
`Upstreams` to a `SimulatedClock`, a ledger in memory (claims get ids, the ledger's unique
fire key holds, writes are acknowledged at once), timing that arms jobs as calls on the
clock, and an executor that only records: each attempt "runs" for the time and ends with the
status `outcome(attempt)` says. `run()` advances the clock from one due call to the next and
runs the dispatcher's inbox after each, exactly as the engine's dispatcher thread would, so
a day of fires takes milliseconds. Tests use it to check the route of every fire against
the rules; `observe` sees the dispatcher after each step; `simulate` (app/engine/forecast.py)
lists what it started. Not simulated: the store (tasks are given up front, the history is
what `history` says: empty unless given); dependency timeouts are steps of their own. A
stopped attempt (a cancel, an overlap `replace`) ends at once, as `stop_status`.
"""

from __future__ import annotations

import contextlib
import itertools
from collections import deque
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from app.core.rules import Fire
from app.core.task import Task
from app.engine.clock import SimulatedClock
from app.engine.dispatcher import Dispatcher
from app.engine.events import Event, EventHub, RunChanged
from app.engine.executor import Attempt, Outcome
from app.engine.horizon import Horizon
from app.engine.ports import Done, History
from app.engine.stats import Stats
from app.engine.sync import TaskSync
from app.store.database import Store

NOWHERE = Path("/dev/null")
OutcomeOf = Callable[[Attempt], tuple[float, str]]  # (seconds it runs, how it ends)


class MemoryLedger:
    """Claims by the ledger's unique key (task, fire, attempt); every write acknowledged."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self.claims: dict[tuple[int, str, int], int] = {}
        self.waiting: Callable[[], int] = lambda: 0  # (the dispatcher's queue: not asked)

    def claim(self, row: tuple[Any, ...], done: Done) -> None:
        key = (row[0], row[1], row[2])
        if key in self.claims:
            done(None, None)  # claimed already
            return
        run_id = self.claims[key] = next(self._ids)
        done(run_id, None)

    def taken(self, task_id: int, fire: str, attempt: int) -> int:
        """A run claimed before the play (its fire's key held from here): its id."""
        run_id = self.claims[(task_id, fire, attempt)] = next(self._ids)
        return run_id

    def submit(self, work: Callable[[], Any], done: Done | None = None) -> None:
        if done is not None:
            done(None, None)

    def next_run(self, task_id: int, next_run_at: str | None) -> None:
        pass

    def flush(self, timeout: float = 10.0) -> bool:
        return True

    def together(self) -> AbstractContextManager[Any]:
        return contextlib.nullcontext()


class ClockTiming:
    """Armed jobs as calls on the simulated clock; the latest arming of a job wins."""

    def __init__(self, clock: SimulatedClock, on_fire: Callable[[str, list[datetime]], None]
                 ) -> None:
        self.clock = clock
        self._on_fire = on_fire
        self.jobs: dict[str, datetime] = {}

    def arm(self, job_id: str, at: datetime) -> None:
        self.jobs[job_id] = at
        self.clock.call_later(at.timestamp() - self.clock.time(), lambda: self._due(job_id, at))

    def _due(self, job_id: str, at: datetime) -> None:
        if self.jobs.get(job_id) == at:
            del self.jobs[job_id]
            self._on_fire(job_id, [at])

    def disarm(self, job_id: str) -> None:
        self.jobs.pop(job_id, None)

    def clear(self) -> None:
        self.jobs.clear()

    def wakeup(self) -> None:
        pass


class RecordingExecutor:
    """Starts nothing: records each attempt and ends it on the clock as `outcome` says."""

    def __init__(self, clock: SimulatedClock, outcome: OutcomeOf,
                 finished: Callable[[Attempt, Outcome], None]) -> None:
        self.clock = clock
        self._outcome = outcome
        self._finished = finished
        self.started: list[tuple[float, Attempt]] = []
        self.stopped: list[tuple[float, Attempt]] = []

    def start_many(self, attempts: list[Attempt]) -> None:
        for attempt in attempts:
            self.start(attempt)

    def start(self, attempt: Attempt) -> None:
        clock = self.clock
        attempt.started_at = clock.now()
        self.started.append((clock.time(), attempt))
        seconds, status = self._outcome(attempt)
        attempt.on_cancel = lambda: self._stopped(attempt)
        clock.call_later(seconds, lambda: self._end(attempt, Outcome(status, clock.now())))

    def _stopped(self, attempt: Attempt) -> None:
        """A stop ends the attempt at once (a second report of it is ignored)."""
        clock = self.clock
        self.stopped.append((clock.time(), attempt))
        clock.call_later(0.0, lambda: self._end(attempt, attempt.stopped(clock.now())))

    def _end(self, attempt: Attempt, outcome: Outcome) -> None:
        """Report an end; the attempt lets go of its stop (a closure over itself: a cycle
        only the collector frees, tens of thousands of them a calendar read, collected on
        the window's GUI thread)."""
        attempt.on_cancel = None
        self._finished(attempt, outcome)


class NoRecorder:
    """Nothing to record: no output, no checkpoints."""

    def forget(self, run_id: int) -> None:
        pass

    def final(self, attempt: Attempt, outcome: Outcome,
              said: Callable[[RunChanged], None] | None = None) -> None:
        pass

    def checkpoint_file(self, run_id: int, task_id: int, fire: datetime,
                        resume: Any) -> str | None:
        return str(NOWHERE)

    def collect_checkpoint(self, attempt: Attempt, outcome: Outcome, retrying: bool) -> None:
        pass


class EmptyHistory:
    """No runs before the simulation's."""

    def latest(self, task_id: int, ts: float) -> Fire | None:
        return None

    def chain_successes(self, task_id: int, ups: frozenset[int]) -> set[int]:
        return set()

    def checkpoint(self, task_id: int, fire: datetime) -> str | None:
        return None


class GivenTasks(TaskSync):
    """The task cache over the tasks given up front (read back when the cache dropped one,
    as the engine reads the store: a one-shot's retry, a fallback by name)."""

    def __init__(self, given: dict[int, Task], hub: EventHub,
                 post: Callable[[Callable[[], None]], None]) -> None:
        super().__init__(cast(Store, None), hub, post=post, on_store=lambda job: job())
        self.given = given

    def read(self, ids: list[int]) -> list[Task]:
        return [self.given[i] for i in ids if i in self.given]

    def fallback_of(self, task: Task) -> Task | None:
        name = task.spec.fallback
        found = next((t.id for t in self.given.values() if t.name == name), None)
        return self.get(found) if name and found is not None else None


class SimulatedEngine:
    """The engine's dispatcher over given tasks, on a simulated clock from `start`."""

    def __init__(self, tasks: Iterable[Task], edges: list[tuple[int, int, str]], *,
                 start: datetime, workers: int, outcome: OutcomeOf,
                 history: History | None = None, horizon: float = 3.0,
                 names: dict[int, str] | None = None,
                 ledger: MemoryLedger | None = None) -> None:
        """`names`: of tasks in `edges` not given (else named by the given tasks); the
        tasks' first fires are their `next_run_at`."""
        self.clock = clock = SimulatedClock(start)
        self.inbox: deque[Callable[[], None]] = deque()
        self.hub = EventHub()
        self.events: list[Event] = []
        self.hub.subscribe(self.events.append)
        self.ledger = ledger or MemoryLedger()
        self.timing = ClockTiming(clock, lambda job, times: self.dispatcher.on_fire(job, times))
        self.executor = RecordingExecutor(clock, outcome,
                                          lambda a, o: self.dispatcher.on_finished(a, o))
        listed = list(tasks)
        self.tasks = GivenTasks({t.id: t for t in listed}, self.hub, post=self.post)
        self.horizon = Horizon(self.timing, self.ledger, self.tasks.tasks, horizon,
                               self.tasks.load, clock)
        self.dispatcher = Dispatcher(
            "simulated", clock=clock, post=self.post, writer=self.ledger,
            hub=self.hub, timing=self.timing, executor=self.executor, recorder=NoRecorder(),
            stats=Stats(clock), horizon=self.horizon, tasks=self.tasks, workers=workers,
            paused=lambda: False, history=history or EmptyHistory())
        self.tasks.attach(self.horizon, self.dispatcher.upstreams)
        names = dict(names or {})
        for task in listed:
            self.tasks.put(task)
            names[task.id] = task.name
        self.dispatcher.upstreams.set_graph(edges, names)
        for task in listed:
            self.horizon.set(task.id, task.next_run_at)
        self.horizon.refill()

    def post(self, fn: Callable[[], None]) -> None:
        self.inbox.append(fn)

    def release(self, *listed: list[Any]) -> None:
        """Let go of what a play gathered — its events, the executor's records, the ledger's
        claims, the fires shared by tasks alike (a key of two tuples per fire stepped: 14,000
        objects a three-day read of 51 tasks), and the `listed` lists its listener kept
        (copied out) — once it is listed: the engine's parts refer to one another, so only
        the cyclic collector frees them, and each calendar read left it tens of thousands of
        objects, collected on the window's GUI thread (stalls a soak saw there)."""
        for gathered in listed:
            gathered.clear()
        if self.horizon.shared is not None:
            self.horizon.shared.clear()
        self.events.clear()
        self.executor.started.clear()
        self.executor.stopped.clear()
        self.ledger.claims.clear()

    def step(self) -> None:
        """Run the dispatcher's inbox until it is empty, arming what it asks for."""
        horizon = self.horizon
        while True:
            for job_id, at in horizon.take_armed():
                self.timing.arm(job_id, at)
            if not self.inbox:
                return
            self.inbox.popleft()()

    def run(self, until: datetime | None = None,
            observe: Callable[[SimulatedEngine], None] | None = None,
            enough: Callable[[], bool] | None = None) -> None:
        """Advance from one due call (or horizon refill) to the next, up to `until` (or
        until `enough()` says so), stepping the dispatcher after each, as its thread would."""
        clock = self.clock
        end = until.timestamp() if until is not None else None
        self.step()
        while (due := self._next_due()) is not None and (end is None or due <= end):
            if enough is not None and enough():
                return
            clock.advance(max(due - clock.time(), 0.0))
            self.dispatcher.tick()
            self.step()
            if observe is not None:
                observe(self)

    def _next_due(self) -> float | None:
        """The next call on the clock, or the moment the horizon must take in the next fire
        (the engine's store thread ticks it every few tens of milliseconds)."""
        due = self.clock.next_due()
        deadline = self.dispatcher.upstreams.gate.next_deadline()  # a dependency timeout
        if deadline is not None:
            deadline = max(deadline, self.clock.time())
            due = deadline if due is None else min(due, deadline)
        head = self.horizon.head()
        if head is not None:
            refill = max(head - self.horizon.horizon, self.clock.time())
            due = refill if due is None else min(due, refill)
        return due
