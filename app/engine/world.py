"""What the simulation knows of the store: tasks, graph, typical durations and history, read
in one transaction (`World.read`), so that `app.engine.forecast` never reads the store."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from app.core.task import Task
from app.engine.dependencies import Fire, Graph, fire_state
from app.engine.upstreams import chain_successes
from app.store import ledger, task_queries
from app.store import runs as run_store
from app.store import tasks as task_store
from app.store.database import Store

HISTORY: Final = 20  # successful runs a typical duration is taken from


@dataclass(slots=True)
class World:
    """Everything read from the store, in one read transaction."""

    tasks: list[Task]
    edges: list[tuple[int, int, str]]
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
        edges = task_store.all_edges()
        graph = Graph.from_edges(edges)
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
        return cls(tasks, edges, task_ids, graph, ledger.task_names(nodes), durations, chain_done,
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
