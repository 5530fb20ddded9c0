"""The engine's task cache, kept in step with the store (`TaskSync`, dispatcher thread).

Tasks are loaded when they fall due within the horizon, in bulk on the store thread; a load
or a change that reads a task with a local Python action has the Python workers warmed
(`python_due`), one with a local command the launchers (`commands_due`: one launcher, or
one per command loaded to fire; and one at start when the store holds a command task:
recovery.py), so its fire does not wait for interpreters to start. A change
(from this process's service, or seen in the store) drops what the engine knew of a task and
re-reads it, with the dependency graph.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from app.core.placement import runs_here
from app.core.task import Task
from app.engine.events import EventHub, TasksChanged
from app.store import ledger, task_queries
from app.store import tasks as task_store
from app.store.database import Store

Post = Callable[[Callable[[], None]], None]


class Armed(Protocol):
    """The horizon, as the cache tells it of loads and changes."""

    def loaded(self, ids: list[int], loaded: list[Task]) -> None: ...
    def forget(self, task_id: int) -> None: ...
    def drop_trigger(self, task_id: int) -> None: ...
    def set(self, task_id: int, when: datetime | None) -> None: ...


class Graphed(Protocol):
    """The dependency holds, as the cache tells them of the graph and of deleted tasks."""

    def set_graph(self, edges: list[tuple[int, int, str]], names: dict[int, str]) -> bool: ...
    def drop_task(self, task_id: int) -> None: ...
    def review(self, upstream: int | None) -> None: ...


class TaskSync:
    """The tasks the engine knows, by id, and how they are (re)read from the store."""

    def __init__(self, store: Store, hub: EventHub, *, post: Post, on_store: Post,
                 python_due: Callable[[int], None] | None = None,
                 commands_due: Callable[[int], None] | None = None) -> None:
        self.store = store
        self.hub = hub
        self._post = post  # to the dispatcher thread
        self._on_store = on_store  # to the store thread
        self._python_due = python_due  # Python actions of this engine's fall due soon
        self._commands_due = commands_due  # ... or N of its commands may (their launchers)
        self.tasks: dict[int, Task] = {}  # shared with the horizon, which arms them
        self.horizon: Armed | None = None
        self.upstreams: Graphed | None = None
        self._dropped: Callable[[int, bool], None] | None = None
        self._changed: Callable[[list[Task]], None] | None = None

    def attach(self, horizon: Armed, upstreams: Graphed,
               dropped: Callable[[int, bool], None] | None = None,
               changed: Callable[[list[Task]], None] | None = None) -> None:
        """Tell the horizon and the dependency holds of loads and changes, `dropped` of
        each task found deleted (False: its runs in flight are to be stopped) or paused
        (True: its runs not started are to be dropped), and `changed` of the tasks found
        active as they are now (their runs not started yet are to start so)."""
        self.horizon = horizon
        self.upstreams = upstreams
        self._dropped = dropped
        self._changed = changed

    def cached(self, task_id: int) -> Task | None:
        return self.tasks.get(task_id)

    def put(self, task: Task) -> None:
        self.tasks[task.id] = task

    def get(self, task_id: int) -> Task | None:
        """A task by id from the cache, else read now (rare: manual runs, retries, chains)."""
        task = self.tasks.get(task_id)
        if task is None:
            loaded = self.read([task_id])
            if not loaded:
                return None
            task = self.tasks[task_id] = loaded[0]
        return task

    def fallback_of(self, task: Task) -> Task | None:
        """The fallback `task` has in the store now, by its link (a run's copy of its task
        names it as it was when the run began: renamed meanwhile, that name found no task
        and no fallback ran; changed or cleared, the old one ran)."""
        with self.store.read():
            fallback_id = task_queries.fallback_id(task.id)
        return self.get(fallback_id) if fallback_id is not None else None

    def read(self, ids: list[int]) -> list[Task]:
        with self.store.read():
            return task_store.load_ids(ids, with_last_run=False)

    def load(self, ids: list[int]) -> None:
        """Load tasks in bulk on the store thread, then arm them (the horizon's loader)."""
        def load() -> None:
            loaded = self.read(ids)
            self._post(lambda: self._armed().loaded(ids, loaded))
            self._warm_for(loaded, due=True)
        self._on_store(load)

    def _warm_for(self, loaded: list[Task], *, due: bool) -> None:
        """Tasks read (to be armed, or changed): with a local Python action among them, warm
        the workers; with a local command (paused: still run by hand), the launchers — one,
        or when they are `due` (loaded to fire) one per command, up to their most."""
        python = sum(runs_here(t.spec, "python") and t.spec.enabled for t in loaded)
        if python and self._python_due is not None:
            self._python_due(python if due else 1)
        commands = sum(runs_here(t.spec, "command") for t in loaded)
        if commands and self._commands_due is not None:
            self._commands_due(commands if due else 1)

    def commands_defined(self) -> None:
        """Commands may run on this machine: have a launcher started."""
        if self._commands_due is not None:
            self._commands_due(1)

    def set_graph(self, edges: list[tuple[int, int, str]],
                  names: dict[int, str] | None = None) -> None:
        if names is None:
            with self.store.read():
                names = ledger.task_names({n for e in edges for n in e[:2]})
        self._graphed().set_graph(edges, names)

    def request_reload(self, ids: set[int]) -> None:
        """Tasks changed: drop what we knew, re-read them (and the dependency graph), re-arm
        them from their stored state."""
        horizon = self._armed()
        for task_id in ids:
            self.tasks.pop(task_id, None)
            horizon.drop_trigger(task_id)

        def load() -> None:
            with self.store.read():
                loaded = task_store.load_ids(list(ids), with_last_run=False)
                edges = task_store.all_edges()
                names = ledger.task_names({n for e in edges for n in e[:2]})
            self._post(lambda: self.reloaded(ids, loaded, edges, names))
            self._warm_for(loaded, due=False)
        self._on_store(load)

    def reloaded(self, ids: set[int], loaded: list[Task], edges: list[tuple[int, int, str]],
                 names: dict[int, str]) -> None:
        horizon = self._armed()
        upstreams = self._graphed()
        found = {t.id: t for t in loaded}
        active: list[Task] = []
        for task_id in ids:
            task = found.get(task_id)
            if task is None:
                horizon.forget(task_id)
                upstreams.drop_task(task_id)
                if self._dropped is not None:
                    self._dropped(task_id, False)
                continue
            if not task.spec.enabled:
                horizon.forget(task_id)
                self.tasks[task_id] = task
                if self._dropped is not None:
                    self._dropped(task_id, True)
                continue
            self.tasks[task_id] = task
            horizon.set(task_id, task.next_run_at)
            active.append(task)
        if active and self._changed is not None:  # (before the review: what it lets go)
            self._changed(active)
        self.set_graph(edges, names)
        upstreams.review(None)
        self.hub.emit(TasksChanged(frozenset(ids)))

    def names_changed(self, changed: set[int], names: set[str]) -> None:
        gone = {tid for tid, t in self.tasks.items() if t.name in names} - changed
        if changed | gone:
            self.request_reload(changed | gone)

    def _armed(self) -> Armed:
        assert self.horizon is not None, "attach() first"
        return self.horizon

    def _graphed(self) -> Graphed:
        assert self.upstreams is not None, "attach() first"
        return self.upstreams
