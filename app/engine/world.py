"""What the simulation knows of the store: tasks, graph, typical durations and history, read
in one transaction (`World.read`), so that `app.engine.forecast` never reads the store.

A reader that reads Worlds again and again (the calendar) passes a `WorldCache`: only the
tasks whose row changed are loaded again (a moved next fire is taken from its column), and
only the tasks with runs finished since the last read get their typical duration again."""

from __future__ import annotations

import dataclasses
import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final

from app.core.sweeps import keep_from_sweeps
from app.core.task import Task
from app.engine.dependencies import Fire, Graph, fire_state
from app.engine.horizon import FREEZE_AT
from app.engine.upstreams import chain_successes
from app.store import forecast_reads, ledger, task_queries
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
    # (run, task, fire, attempt, trigger, reason) of runs claimed and not started
    unstarted: list[tuple[int, int, datetime, int, str, str | None]]
    retries: list[tuple[int, datetime, int]]  # (task, due, attempt)

    store: Store
    now: datetime

    @classmethod
    def read(cls, store: Store, task_ids: set[int] | None, now: datetime,
             cache: WorldCache | None = None) -> World:
        with store.read():
            return cls._read(store, task_ids, now, cache)

    @classmethod
    def _read(cls, store: Store, task_ids: set[int] | None, now: datetime,
              cache: WorldCache | None) -> World:
        edges = task_store.all_edges() if cache is None else forecast_reads.edges()
        graph = cache.graph(edges) if cache is not None else Graph.from_edges(edges)
        involved: set[int] | None = None
        if task_ids is not None:
            involved = set(task_ids)
            for task_id in task_ids:
                involved |= graph.ancestors.get(task_id, frozenset())
        ids = task_queries.schedulable_ids(involved)
        if cache is None:
            tasks = task_store.load_ids(ids, with_last_run=False)
            durations = {t.id: _typical(ledger.recent_durations(t.id, HISTORY)) for t in tasks}
        else:
            tasks = cache.load(ids)
            typical = cache.typical()
            durations = {t.id: typical.get(t.id) for t in tasks}
        known = {t.id for t in tasks}
        chain_done = {c: chain_successes(c, ups) for c, ups in graph.trigger_ups.items()
                      if c in known}
        nodes: set[int] = set()
        for task_id, ups in [*graph.wait_ups.items(), *graph.trigger_ups.items()]:
            nodes.add(task_id)
            nodes.update(ups)
        busy = run_store.running_since(known)
        unstarted = forecast_reads.unstarted(known)
        retries = run_store.retries_due(known)
        history: dict[tuple[int, float], Fire | None] = {}
        latest = ledger.latest_fires(graph.waited_on, now)  # each upstream's, in the ledger
        for task_id in graph.waited_on:
            found = latest.get(task_id)
            history[(task_id, now.timestamp())] = None if found is None else Fire(
                found[1].timestamp(), fire_state(found[2]), found[0])
        return cls(tasks, edges, task_ids, graph, ledger.task_names(nodes), durations, chain_done,
                   history, busy, unstarted, retries, store, now)

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


@dataclass
class WorldCache:
    """Tasks and typical durations kept between reads (see the module docstring)."""

    tasks: dict[int, tuple[forecast_reads.Version, Task]] = field(default_factory=dict)
    durations: dict[int, float | None] | None = None
    finished: str | None = None  # the newest run finish seen when durations were read
    edges: list[tuple[int, int, str]] | None = None
    loaded: int = 0  # tasks the last `load` read afresh
    _graph: Graph | None = None

    def graph(self, edges: list[tuple[int, int, str]]) -> Graph:
        """The dependency graph of these edges (the kept one while they are the same)."""
        if self._graph is None or edges != self.edges:
            self.edges, self._graph = edges, Graph.from_edges(edges)
        return self._graph

    def load(self, ids: list[int]) -> list[Task]:
        """The tasks by id (inside a read transaction), loading only those that changed."""
        versions = forecast_reads.versions(ids)
        stale = [i for i, v in versions.items()  # (the next fire, v[1], only moves)
                 if i not in self.tasks or _spec_part(self.tasks[i][0]) != _spec_part(v)]
        reload = set(stale)  # (a list's `in` made this quadratic: 1.7 s at 10,000 tasks)
        moved = [i for i, v in versions.items() if i not in reload and self.tasks[i][0] != v]
        self.loaded = len(stale)
        for task in task_store.load_ids(stale, with_last_run=False):
            self.tasks[task.id] = (versions[task.id], task)
        for i in moved:
            task = self.tasks[i][1]
            text = versions[i][1]
            self.tasks[i] = (versions[i], dataclasses.replace(
                task, next_run_at=datetime.fromisoformat(text) if text else None))
        return [self.tasks[i][1] for i in ids if i in self.tasks and i in versions]

    def keep_from_sweeps(self) -> None:
        """After a read that loaded thousands of tasks afresh, keep what is kept between reads
        out of the cyclic collector's full sweeps, as `Horizon` does (at 10,000 tasks one
        sweep cost 130-370 ms in every other calendar read); freed as ever once dropped."""
        if self.loaded >= FREEZE_AT:
            keep_from_sweeps()

    def typical(self) -> dict[int, float | None]:
        """Every task's typical duration, read again only for tasks with new finishes."""
        if self.durations is None:
            _none, self.finished = forecast_reads.finished_since(None)
            self.durations = {t: _typical(d) for t, d in
                              forecast_reads.recent_durations_of_all(HISTORY).items()}
            return self.durations
        changed, newest = forecast_reads.finished_since(self.finished)
        for task_id in changed:
            self.durations[task_id] = _typical(ledger.recent_durations(task_id, HISTORY))
        self.finished = newest or self.finished
        return self.durations


def _spec_part(version: forecast_reads.Version) -> tuple[object, ...]:
    return (version[0], *version[2:])


def _typical(durations: list[float]) -> float | None:
    return statistics.median(durations) if durations else None
