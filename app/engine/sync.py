"""Keeping the engine's view of tasks in step with the store (dispatcher thread).

Tasks are loaded when they fall due within the horizon, in bulk on the store thread; a change
(from this process's service, or seen in the store) drops what the engine knew of a task and
re-reads it, with the dependency graph.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.core.task import Task
from app.engine.events import TasksChanged
from app.store import ledger
from app.store import tasks as task_store

if TYPE_CHECKING:
    from app.engine.engine import Engine


def set_graph(engine: Engine, edges: list[tuple[int, int, str]],
               names: dict[int, str] | None = None) -> None:
    if names is None:
        with engine.store.read():
            names = ledger.task_names({n for e in edges for n in e[:2]})
    engine.upstreams.set_graph(edges, names)


def load_tasks(engine: Engine, ids: list[int]) -> None:
    """Load tasks in bulk on the store thread, then arm them here."""
    def load() -> None:
        loaded = read_tasks(engine, ids)
        engine._post(lambda: engine.horizon.loaded(ids, loaded))
    engine.watcher.submit(load)


def read_tasks(engine: Engine, ids: list[int]) -> list[Task]:
    with engine.store.read():
        return task_store.load_ids(ids, with_last_run=False)


def task(engine: Engine, task_id: int) -> Task | None:
    """A task by id from the cache, else read now (rare: manual runs, retries, chains)."""
    task = engine._tasks.get(task_id)
    if task is None:
        loaded = read_tasks(engine, [task_id])
        if not loaded:
            return None
        task = engine._tasks[task_id] = loaded[0]
    return task


def request_reload(engine: Engine, ids: set[int]) -> None:
    """Tasks changed: drop what we knew, re-read them (and the dependency graph), re-arm
    them from their stored state."""
    for task_id in ids:
        engine._tasks.pop(task_id, None)
        engine.horizon.triggers.pop(task_id, None)

    def load() -> None:
        with engine.store.read():
            loaded = task_store.load_ids(list(ids), with_last_run=False)
            edges = task_store.all_edges()
            names = ledger.task_names({n for e in edges for n in e[:2]})
        engine._post(lambda: reloaded(engine, ids, loaded, edges, names))
    engine.watcher.submit(load)


def reloaded(engine: Engine, ids: set[int], loaded: list[Task], edges: list[tuple[int, int, str]],
              names: dict[int, str]) -> None:
    found = {t.id: t for t in loaded}
    for task_id in ids:
        task = found.get(task_id)
        if task is None:
            engine.horizon.forget(task_id)
            engine.upstreams.drop_task(task_id)
            continue
        if not task.spec.enabled:
            engine.horizon.forget(task_id)
            engine._tasks[task_id] = task
            continue
        engine._tasks[task_id] = task
        engine.horizon.set(task_id, task.next_run_at)
    set_graph(engine, edges, names)
    engine.upstreams.review(None)
    engine.hub.emit(TasksChanged(frozenset(ids)))


def names_changed(engine: Engine, changed: set[int], names: set[str]) -> None:
    gone = {tid for tid, t in engine._tasks.items() if t.name in names} - changed
    if changed | gone:
        request_reload(engine, changed | gone)
