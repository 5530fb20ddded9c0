"""The ready queue: which queued run starts next, and whether it may start at all.

Plain logic, no threads and no store, so the rules are tested directly.

Order (DESIGN.md: "among runs ready at the same moment, upstream before downstream, then
higher priority first, then earlier scheduled time"):

1. upstream before downstream: a run does not start while a queued run of one of its
   (transitive) upstreams, scheduled at or before it, has not started; that upstream run
   takes its place (inherits its rank), so a low-priority upstream cannot be overtaken by
   unrelated runs while a high-priority downstream waits for it. This is a rule between
   related runs only; with the dependency gate in front of the queue (a downstream run is
   not even queued before its upstream's fire succeeded) it mostly matters for chain tasks
   and for an upstream's next fire queued behind a busy worker;
2. higher priority first;
3. earlier scheduled time first; then the task's topological level (upstream tasks first);
   then first come.

The level is deliberately *not* the first sort key: that would let every low-priority task
without upstreams overtake high-priority tasks of unrelated graphs, which is not what
"upstream before downstream" says (unrelated runs are neither).

A run may start when a worker is free, its task has fewer than `max_instances` runs going,
and its concurrency group has fewer than its limit running. Runs held back by their task,
their group or an upstream do not block runs behind them that could start. Runs held by
their task or group are reported once in `held` (the engine marks them `waiting`); being
behind the global worker limit is plain `queued`.
"""

from __future__ import annotations

import heapq
import itertools
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

# why a run is held back (reported once per run in ReadyQueue.held)
BY_TASK = "task"
BY_GROUP = "group"


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

    def __post_init__(self) -> None:
        self.sort_key = (-self.priority, self.scheduled_ts, self.level, self.seq)


_NO_ANCESTORS: frozenset[int] = frozenset()


class ReadyQueue:
    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._heap: list[Pending] = []
        self._ids: dict[int, Pending] = {}
        self._by_task: dict[int, set[int]] = {}  # task id -> its queued run ids
        self._seq = itertools.count()
        self.running_by_task: Counter[int] = Counter()
        self.running_by_group: Counter[str] = Counter()
        self.running: dict[int, Pending] = {}
        self.ancestors: Mapping[int, frozenset[int]] = {}  # task -> its transitive upstreams
        self.held: list[Pending] = []  # runs newly held by their task or group (drained by caller)
        # runs held by their task or group wait aside until a run of that task or group ends,
        # so that many held runs cost nothing per take
        self._parked_task: dict[int, list[Pending]] = {}
        self._parked_group: dict[str, list[Pending]] = {}

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, run_id: int) -> bool:
        return run_id in self._ids

    def push(self, pending: Pending) -> None:
        pending.seq = next(self._seq)
        pending.sort_key = (-pending.priority, pending.scheduled_ts, pending.level, pending.seq)
        self._ids[pending.run_id] = pending
        runs = self._by_task.get(pending.task_id)
        if runs is None:
            self._by_task[pending.task_id] = {pending.run_id}
        else:
            runs.add(pending.run_id)
        heapq.heappush(self._heap, pending)

    def remove(self, run_id: int) -> Pending | None:
        """Drop a queued run (cancelled); lazily removed from the heap."""
        pending = self._ids.pop(run_id, None)
        if pending is not None:
            self._unlink(pending)
        return pending

    def _unlink(self, pending: Pending) -> None:
        runs = self._by_task.get(pending.task_id)
        if runs is not None:
            runs.discard(pending.run_id)
            if not runs:
                del self._by_task[pending.task_id]

    def queued_for_task(self, task_id: int) -> list[int]:
        return sorted(self._by_task.get(task_id, ()))

    def queued_count(self, task_id: int) -> int:
        runs = self._by_task.get(task_id)
        return len(runs) if runs else 0

    def _upstream_runs(self, pending: Pending) -> list[Pending]:
        """Queued runs of its upstreams due at or before it: they must start first."""
        out: list[Pending] = []
        ids = self._ids
        for up in self.ancestors.get(pending.task_id, _NO_ANCESTORS):
            runs = self._by_task.get(up)
            if runs:
                out.extend(p for r in runs if (p := ids[r]).scheduled_ts <= pending.scheduled_ts)
        return out

    def _limited(self, pending: Pending) -> str | None:
        """Whether its task or its group has as many runs going as allowed."""
        if self.running_by_task[pending.task_id] >= pending.max_instances:
            return BY_TASK
        if pending.group is not None and \
                self.running_by_group[pending.group] >= pending.group_limit:
            return BY_GROUP
        return None

    def take(self) -> list[Pending]:
        """Every run that may start now, best first; they count as running on return."""
        started: list[Pending] = []
        behind: list[Pending] = []  # waiting for an upstream's run to start
        heap = self._heap
        while heap and len(self.running) < self.workers:
            pending = heapq.heappop(heap)
            if self._ids.get(pending.run_id) is not pending:
                continue  # removed (or started for a downstream) while queued
            count = len(started)
            why = self._limited(pending)
            if why is not None:
                self._hold(pending, why)
                continue
            if pending.level and self._upstream_runs(pending):
                behind.append(pending)
                self._start_upstreams(pending, started)  # they inherit its place
            else:
                self._launch(pending, started)
            if behind and len(started) > count:
                for item in behind:  # an upstream started: look at them again
                    heapq.heappush(heap, item)
                behind.clear()
        for pending in behind:
            heapq.heappush(heap, pending)
        return started

    def _start_upstreams(self, pending: Pending, started: list[Pending]) -> None:
        """Start the upstream runs a better run waits for, as far as workers and limits allow
        (so a high-priority downstream is not overtaken while its upstream sits queued)."""
        for up in sorted(self._upstream_runs(pending)):
            if len(self.running) >= self.workers:
                return
            if up.run_id not in self._ids or self._limited(up) is not None:
                continue
            if up.level and self._upstream_runs(up):
                self._start_upstreams(up, started)
            else:
                self._launch(up, started)

    def _launch(self, pending: Pending, started: list[Pending]) -> None:
        del self._ids[pending.run_id]
        self._unlink(pending)
        self.running[pending.run_id] = pending
        self.running_by_task[pending.task_id] += 1
        if pending.group is not None:
            self.running_by_group[pending.group] += 1
        started.append(pending)

    def _hold(self, pending: Pending, why: str) -> None:
        if why == BY_TASK:
            self._parked_task.setdefault(pending.task_id, []).append(pending)
        else:
            assert pending.group is not None
            self._parked_group.setdefault(pending.group, []).append(pending)
        if pending.held is None:
            pending.held = why
            self.held.append(pending)

    def finished(self, run_id: int) -> None:
        pending = self.running.pop(run_id, None)
        if pending is None:
            return
        self.running_by_task[pending.task_id] -= 1
        if self.running_by_task[pending.task_id] <= 0:
            del self.running_by_task[pending.task_id]
        if self._parked_task:
            self._unpark(self._parked_task.pop(pending.task_id, None))
        if pending.group is not None:
            self.running_by_group[pending.group] -= 1
            if self.running_by_group[pending.group] <= 0:
                del self.running_by_group[pending.group]
            if self._parked_group:
                self._unpark(self._parked_group.pop(pending.group, None))

    def _unpark(self, parked: list[Pending] | None) -> None:
        if parked:
            for pending in parked:
                if self._ids.get(pending.run_id) is pending:
                    heapq.heappush(self._heap, pending)
