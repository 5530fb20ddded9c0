"""What would run: the engine's rules played forward in time, nothing run and nothing written.

`simulate(service, start, hours)` lists the occurrences of the enabled tasks in the window
[start, start + hours], in time order, each with what moved or dropped it:

- fire times come from the tasks' own triggers, exactly as the engine computes them (the
  stored next fire first, then `next_after` the previous one), so DST rules hold;
- overdue tasks (their next fire is before `now`: no engine ran) get their catch-up policy,
  at `now` (kind "catch_up");
- chain tasks fire when all their upstreams have succeeded since their last run (kind
  "chain"), starting from what the ledger says has succeeded already;
- a run's expected duration is the median of its task's last 20 successful runs (None
  without history, and then it is taken to end at once); with it the simulation applies
  `max_instances` and the overlap policy (kind "skipped" for skip, "delayed" for queue),
  concurrency group limits ("delayed") and dependency waits ("delayed", or "skipped" when
  the upstream's latest run in the ledger failed, or past the dependency timeout);
- every simulated run is assumed to succeed.

The rules are the engine's own classes (`ReadyQueue`, `Gate`, `judge`, `FireBook`, `Chains`)
driven by simulated time. Not simulated: the global worker limit (it belongs to the engine
process, not the store; pass `workers=` to apply one), cron `@reboot` tasks, manual runs,
and runs already queued or running (those still occupy their task and group until their
expected end).

The work is bounded: at most `limit` occurrences in all (the earliest ones: when the result
has `limit` items, the window was cut at the last one's time), and at most `per_task` per
task (the last one listed says that more were left out); the playback stops at the limit,
so its cost follows `limit`, not the length of the window. Fire sequences shared by several
tasks (the same cron in the same zone from the same first fire) and catch-up plans shared
the same way are computed once. Measured on the 2-core reference machine, 10,000 tasks
(a tenth of them firing every minute): 100,000 occurrences in 2.5 s, 1,000,000 in 19 s.

This module reads the store (`World`); `app.engine.playback` plays it forward.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Final

from app.core.task import Task
from app.engine.dependencies import Fire, Graph, fire_state
from app.engine.playback import Occurrence, Playback
from app.engine.upstreams import chain_successes
from app.store import ledger, task_queries
from app.store import runs as run_store
from app.store import tasks as task_store
from app.store.database import Store

if TYPE_CHECKING:
    from app.service import Service

KINDS: Final = ("fire", "catch_up", "chain", "skipped", "delayed")
PER_TASK: Final = 2_000  # occurrences listed per task at most
HISTORY: Final = 20  # successful runs a typical duration is taken from


def simulate(service: Service, start: datetime, hours: float, *,
             task_ids: set[int] | None = None, limit: int = 100_000,
             now: datetime | None = None, per_task: int = PER_TASK,
             workers: int | None = None) -> list[Occurrence]:
    """The occurrences in [start, start + hours], earliest first, at most `limit`."""
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("start must be timezone-aware")
    now = now if now is not None else datetime.now(UTC)
    end = start + timedelta(hours=hours)
    if limit <= 0 or end < start:
        return []
    world = World.read(service.store, task_ids, now)
    return Playback(world, start, end, now, limit, per_task, workers).run()


@dataclass(slots=True)
class World:
    """Everything read from the store, in one read transaction."""

    tasks: list[Task]
    wanted: set[int] | None  # tasks whose occurrences are listed (None: all)
    graph: Graph
    names: dict[int, str]
    durations: dict[int, float | None]
    chain_done: dict[int, set[int]]
    history: dict[tuple[int, float], Fire | None]
    busy: list[tuple[int, float]]  # (task, started ts) of runs going now
    retries: list[tuple[int, datetime, int]]  # (task, due, attempt)

    store: Store
    now: datetime

    @classmethod
    def read(cls, store: Store, task_ids: set[int] | None, now: datetime) -> World:
        with store.read():
            return cls._read(store, task_ids, now)

    @classmethod
    def _read(cls, store: Store, task_ids: set[int] | None, now: datetime) -> World:
        graph = Graph.from_edges(task_store.all_edges())
        involved: set[int] | None = None
        if task_ids is not None:
            involved = set(task_ids)
            for task_id in task_ids:
                involved |= graph.ancestors.get(task_id, frozenset())
        ids = task_queries.schedulable_ids(involved)
        tasks = task_store.load_ids(ids, with_last_run=False)
        durations = {t.id: _typical(ledger.recent_durations(t.id, HISTORY)) for t in tasks}
        known = {t.id for t in tasks}
        chain_done = {c: chain_successes(c, ups) for c, ups in graph.trigger_ups.items()
                      if c in known}
        nodes: set[int] = set()
        for task_id, ups in [*graph.wait_ups.items(), *graph.trigger_ups.items()]:
            nodes.add(task_id)
            nodes.update(ups)
        busy = run_store.running_since(known)
        retries = run_store.retries_due(known)
        history: dict[tuple[int, float], Fire | None] = {}
        for task_id in graph.waited_on:  # each upstream's latest fire in the ledger
            found = ledger.latest_fire(task_id, now)
            history[(task_id, now.timestamp())] = None if found is None else Fire(
                found[1].timestamp(), fire_state(found[2]), found[0])
        return cls(tasks, task_ids, graph, ledger.task_names(nodes), durations, chain_done,
                   history, busy, retries, store, now)

    def latest(self, task_id: int, ts: float) -> Fire | None:
        """A task's latest fire in the ledger at or before `ts` (before the simulated window
        the ledger is all there is; within it, only runs before `now`)."""
        key = (task_id, min(ts, self.now.timestamp()))
        if key not in self.history:
            with self.store.read():
                found = ledger.latest_fire(task_id, datetime.fromtimestamp(key[1], UTC))
            self.history[key] = None if found is None else Fire(
                found[1].timestamp(), fire_state(found[2]), found[0])
        return self.history[key]


def _typical(durations: list[float]) -> float | None:
    return statistics.median(durations) if durations else None


__all__ = ["KINDS", "PER_TASK", "Occurrence", "World", "simulate"]
