"""The task reads the views need beyond the service's paged list: the few tasks an event
named, and every task's name (for name pickers). Run on a pool thread by `Background`."""

from __future__ import annotations

from app.core.errors import curly
from app.core.references import Snapshot
from app.core.task import Task
from app.service import Service
from app.store import task_queries
from app.store import tasks as task_store


def tasks_by_id(service: Service, ids: set[int]) -> tuple[list[Task], set[int]]:
    """The tasks with these ids, and the ids that no longer exist."""
    with service.store.read():
        found = task_queries.by_ids(ids)
    return found, ids - {t.id for t in found}


def references(service: Service, own: int | None) -> tuple[Snapshot, list[str]]:
    """Every task's id, name, edges and fallback (and the stored secrets' names): what the
    editor checks a task against as it is typed, as the service will on save; and the names
    of the tasks other than `own` (the one edited), sorted for its pickers. The names' index
    by folded form is made here too: with 100,000 tasks, sorting and folding them cost the
    GUI thread ~200 ms as the editor opened, and ~140 ms again at each pause in the typing."""
    with service.store.read():
        snapshot = task_store.snapshot()
    snapshot.folded()
    return snapshot, sorted(n for i, n in snapshot.names.items() if i != own)


def task_names(service: Service) -> list[str]:
    """Every task's name, sorted (pickers for dependencies, fallbacks and filters)."""
    with service.store.read():
        return task_queries.sorted_names()


def names_matching(service: Service, text: str, limit: int,
                   without: str | None = None, linked: bool = False) -> list[str]:
    """The best `limit` names for what is typed (`task_queries.names_matching`)."""
    with service.store.read():
        return task_queries.names_matching(text, limit, without, linked)


def any_name_containing(service: Service, text: str) -> bool:
    with service.store.read():
        return task_queries.any_containing(text)


def in_use(service: Service, ids: list[int]) -> list[str]:
    """Why deleting these tasks needs "Delete anyway", one reason per task that runs or is
    needed by a task not deleted with it (the same words the service refuses with)."""
    with service.store.read():
        names = {i: task_store.get(i).name for i in ids}
        going = frozenset(names.values())
        refusals = [task_queries.in_use(i, name, going) for i, name in names.items()]
    return [r.worded(curly) for r in refusals if r is not None]
