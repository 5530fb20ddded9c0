"""The ready queue: which queued run starts next, and whether it may start at all.

Plain logic, no threads and no store, so the rules are tested directly. Among runs that are
ready, upstream before downstream (a run's `level` is its depth in the dependency graph),
then higher priority, then earlier scheduled time, then first come. A run may start when a
worker is free, its task has fewer than `max_instances` runs going, and its concurrency
group has fewer than its limit. Runs held back by their task or group do not block runs
behind them that could start.
"""

from __future__ import annotations

import heapq
import itertools
from collections import Counter
from dataclasses import dataclass, field


@dataclass(order=True)
class Pending:
    """A claimed run waiting for a worker."""

    sort_key: tuple[int, int, float, int] = field(init=False, repr=False)
    run_id: int = field(compare=False)
    task_id: int = field(compare=False)
    priority: int = field(compare=False, default=0)
    scheduled_ts: float = field(compare=False, default=0.0)
    level: int = field(compare=False, default=0)
    max_instances: int = field(compare=False, default=1)
    group: str | None = field(compare=False, default=None)
    group_limit: int = field(compare=False, default=1)
    seq: int = field(compare=False, default=0)

    def __post_init__(self) -> None:
        self.sort_key = (self.level, -self.priority, self.scheduled_ts, self.seq)


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

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, run_id: int) -> bool:
        return run_id in self._ids

    def push(self, pending: Pending) -> None:
        pending.seq = next(self._seq)
        pending.sort_key = (pending.level, -pending.priority, pending.scheduled_ts, pending.seq)
        self._ids[pending.run_id] = pending
        self._by_task.setdefault(pending.task_id, set()).add(pending.run_id)
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
        return len(self._by_task.get(task_id, ()))

    def take(self) -> list[Pending]:
        """Every run that may start now, best first; they count as running on return."""
        started: list[Pending] = []
        held: list[Pending] = []
        while self._heap and len(self.running) < self.workers:
            pending = heapq.heappop(self._heap)
            if self._ids.get(pending.run_id) is not pending:
                continue  # removed while queued
            if self.running_by_task[pending.task_id] >= pending.max_instances or (
                pending.group is not None
                and self.running_by_group[pending.group] >= pending.group_limit
            ):
                held.append(pending)
                continue
            del self._ids[pending.run_id]
            self._unlink(pending)
            self.running[pending.run_id] = pending
            self.running_by_task[pending.task_id] += 1
            if pending.group is not None:
                self.running_by_group[pending.group] += 1
            started.append(pending)
        for pending in held:
            heapq.heappush(self._heap, pending)
        return started

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
