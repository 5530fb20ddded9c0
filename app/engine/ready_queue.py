"""The ready queue: which queued run starts next, and whether it may start at all.

Plain logic, no threads and no store; the rules it applies are `app.core.rules`'.

Order (DESIGN.md: "among runs ready at the same moment, upstream before downstream, then
higher priority first, then earlier scheduled time"):

1. upstream before downstream is the dependency gate's work (`app.engine.upstreams`): a run
   is not *ready* (not in this queue) before the upstream fires it depends on have
   succeeded, and a chain run is only claimed once its upstreams succeeded. So among ready
   runs no run waits on another, and this queue orders them:
2. higher priority first;
3. earlier scheduled time first; then the task's topological level (upstream tasks first),
   then first come.

The level is deliberately not the first sort key: that would let every low-priority task
without upstreams overtake high-priority tasks of unrelated graphs, which is not what
"upstream before downstream" says (unrelated runs are neither). Nor does a ready run wait
for *other* queued runs of its upstream tasks (fires it does not depend on): with an
upstream that has a backlog (`overlap: queue`), that would starve its downstream for good.

A run may start when a worker is free, its task has fewer than `max_instances` runs going,
and its concurrency group has fewer than its limit running. Runs held back by their task or
group do not block runs behind them that could start; they wait aside (parked) until a run
of that task or group ends, so a thousand held runs cost nothing per `take`. Each is
reported once in `held` (the engine marks it `waiting`); being behind the global worker
limit is plain `queued`.
"""

from __future__ import annotations

import heapq
import itertools
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.core.rules import BY_GROUP, BY_TASK, limited, ready_key
from app.core.task import Task

__all__ = ["BY_GROUP", "BY_TASK", "Pending", "ReadyQueue", "fire_rank"]


@dataclass(order=True, slots=True)
class Pending:
    """A claimed run waiting for a worker."""

    sort_key: tuple[int, float, int, int] = field(init=False, repr=False)
    run_id: int = field(compare=False)
    task_id: int = field(compare=False)
    priority: int = field(compare=False, default=0)
    scheduled_ts: float = field(compare=False, default=0.0)
    level: int = field(compare=False, default=0)
    max_instances: int = field(compare=False, default=1)
    group: str | None = field(compare=False, default=None)
    group_limit: int = field(compare=False, default=1)
    seq: int = field(compare=False, default=0)
    held: str | None = field(compare=False, default=None)  # BY_TASK / BY_GROUP once reported
    lot: tuple[str, object] | None = field(compare=False, default=None)  # unparked from

    def __post_init__(self) -> None:
        self.sort_key = ready_key(self.priority, self.scheduled_ts, self.level, self.seq)


Entry = tuple[tuple[int, float, int, int], Pending]  # a heap's: the run's sort key first


class ReadyQueue:
    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._heap: list[Entry] = []  # (sort key, run): compared in C, not by a method
        self._ids: dict[int, Pending] = {}
        self._by_task: dict[int, set[int]] = {}  # task id -> its queued run ids
        self._seq = itertools.count()
        self.running_by_task: Counter[int] = Counter()
        self.running_by_group: Counter[str] = Counter()
        self.running: dict[int, Pending] = {}
        self.held: list[Pending] = []  # runs newly held by their task or group (drained by caller)
        # runs held by their task or group wait aside, in a heap per task or group (a lot),
        # until a run of that task or group ends: many held runs cost nothing per take
        self._lots: dict[tuple[str, object], list[Entry]] = {}

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, run_id: int) -> bool:
        return run_id in self._ids

    def backlog(self) -> int:
        """The runs queued while every worker is busy: they wait for a worker (any thread
        may ask). None while one is free: what is queued then is held by its task or group."""
        return len(self._ids) if len(self.running) >= self.workers else 0

    def push(self, pending: Pending) -> None:
        """Queue a run; one queued already (its task changed: `Requests.tasks_changed`) keeps
        its place on the same terms, else goes back in line by its new ones."""
        if (queued := self._ids.get(pending.run_id)) is not None:
            same_limits = _limits(queued) == _limits(pending)
            if same_limits and _place(queued) == _place(pending):
                return
            self.remove(pending.run_id)
            if same_limits:  # held back again, for the same reason: said once
                pending.held = queued.held
        pending.seq = next(self._seq)
        pending.sort_key = ready_key(pending.priority, pending.scheduled_ts, pending.level,
                                     pending.seq)
        self._ids[pending.run_id] = pending
        runs = self._by_task.get(pending.task_id)
        if runs is None:
            self._by_task[pending.task_id] = {pending.run_id}
        else:
            runs.add(pending.run_id)
        heapq.heappush(self._heap, (pending.sort_key, pending))

    def remove(self, run_id: int) -> Pending | None:
        """Drop a queued run (cancelled); lazily removed from the heap."""
        pending = self._ids.pop(run_id, None)
        if pending is not None:
            self._unlink(pending)
            if pending.lot is not None:  # it was given a slot it will not use
                self._unpark(pending.lot)
        return pending

    def _unlink(self, pending: Pending) -> None:
        runs = self._by_task.get(pending.task_id)
        if runs is not None:
            runs.discard(pending.run_id)
            if not runs:
                del self._by_task[pending.task_id]

    def queued_ids(self) -> list[int]:
        """Every queued run (not running)."""
        return list(self._ids)

    def queued_for_task(self, task_id: int) -> list[int]:
        return sorted(self._by_task.get(task_id, ()))

    def queued_count(self, task_id: int) -> int:
        runs = self._by_task.get(task_id)
        return len(runs) if runs else 0

    def _limited(self, pending: Pending) -> str | None:
        """Whether its task or its group has as many runs going as allowed."""
        group = pending.group
        return limited(self.running_by_task[pending.task_id], pending.max_instances,
                       self.running_by_group[group] if group is not None else 0, group,
                       pending.group_limit)

    def take(self) -> list[Pending]:
        """Every run that may start now, best first; they count as running on return."""
        started: list[Pending] = []
        heap = self._heap
        while heap and len(self.running) < self.workers:
            pending = heapq.heappop(heap)[1]
            if self._ids.get(pending.run_id) is not pending:
                continue  # removed while queued
            why = self._limited(pending)
            if why is not None:
                self._hold(pending, why)
                continue
            self._launch(pending, started)
        return started

    def _launch(self, pending: Pending, started: list[Pending]) -> None:
        pending.lot = None
        del self._ids[pending.run_id]
        self._unlink(pending)
        self.running[pending.run_id] = pending
        self.running_by_task[pending.task_id] += 1
        if pending.group is not None:
            self.running_by_group[pending.group] += 1
        started.append(pending)

    def _hold(self, pending: Pending, why: str) -> None:
        key = (why, pending.task_id if why == BY_TASK else pending.group)
        heapq.heappush(self._lots.setdefault(key, []), (pending.sort_key, pending))
        came, pending.lot = pending.lot, None
        if came is not None and came != key:
            self._unpark(came)  # the slot it was given goes to the next in that lot
        if pending.held is None:
            pending.held = why
            self.held.append(pending)

    def _unpark(self, key: tuple[str, object]) -> None:
        """A slot of a task or group came free: its best held run goes back in line."""
        lot = self._lots.get(key)
        while lot:
            pending = heapq.heappop(lot)[1]
            if self._ids.get(pending.run_id) is pending:
                pending.lot = key
                heapq.heappush(self._heap, (pending.sort_key, pending))
                break
        if lot is not None and not lot:
            del self._lots[key]

    def finished(self, run_id: int) -> None:
        pending = self.running.pop(run_id, None)
        if pending is None:
            return
        self.running_by_task[pending.task_id] -= 1
        if self.running_by_task[pending.task_id] <= 0:
            del self.running_by_task[pending.task_id]
        if pending.group is not None:
            self.running_by_group[pending.group] -= 1
            if self.running_by_group[pending.group] <= 0:
                del self.running_by_group[pending.group]
        if self._lots:
            self._unpark((BY_TASK, pending.task_id))
            if pending.group is not None:
                self._unpark((BY_GROUP, pending.group))


def _place(p: Pending) -> tuple[Any, ...]:
    """What decides a queued run's place in line."""
    return (p.priority, p.scheduled_ts, p.level)


def _limits(p: Pending) -> tuple[Any, ...]:
    """What decides whether a queued run may start, and why it is held back if not."""
    return (p.max_instances, p.group, p.group_limit)


def fire_rank(job_id: str, run_times: list[datetime], runs: Mapping[int, Any],
              task_of: Callable[[int], Task | None], levels: Mapping[int, int]
              ) -> tuple[int, float, int, int]:
    """Where a due job (`t<task id>` or `r<run id>`: a retry, by its run's task) falls in
    this queue's order (`ready_key`, its arrival left to the caller): many fires due together
    are claimed in it (app/engine/batch.py), so the best of them start first."""
    ident = int(job_id[1:])
    if job_id[0] == "r":
        record = runs.get(ident)
        task = None if record is None else record.task
    else:
        task = task_of(ident)
    if task is None:
        return ready_key(0, run_times[0].timestamp(), 0, 0)
    return ready_key(task.spec.priority, run_times[0].timestamp(), levels.get(task.id, 0), 0)
