"""Task rows: reading them as domain tasks, writing specs, dependency edges, paged lists."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import peewee as pw

from app.core.errors import NotFoundError
from app.core.schedule import Schedule
from app.core.task import Action, Task, TaskSpec
from app.store.models import ConcurrencyGroup, Dependency, RunRow, TaskRow

SORT_COLUMNS = {
    "name": TaskRow.name,
    "next_run_at": TaskRow.next_run_at,
    "priority": TaskRow.priority,
    "enabled": TaskRow.enabled,
    "id": TaskRow.id,
    "schedule": TaskRow.schedule_kind,
}


def find_row(ref: int | str) -> TaskRow:
    """A task row by id (an int, or a string of digits) or by name."""
    row: TaskRow | None
    if isinstance(ref, int) or (isinstance(ref, str) and ref.strip().isdigit()):
        row = TaskRow.get_or_none(TaskRow.id == int(ref))
    else:
        row = TaskRow.get_or_none(TaskRow.name == ref.strip())
    if row is None:
        raise NotFoundError("task", ref)
    return row


def ids_by_name(names: Iterable[str], field: str) -> dict[str, int]:
    """Resolve task names (or ids) to ids; raise ValidationError naming an unknown one."""
    from app.core.errors import ValidationError

    out: dict[str, int] = {}
    for name in names:
        try:
            out[name] = find_row(name).id
        except NotFoundError:
            raise ValidationError(field, f"unknown task {name!r}") from None
    return out


def _edges_of(task_ids: list[int]) -> dict[int, dict[str, list[str]]]:
    out: dict[int, dict[str, list[str]]] = {tid: {"wait": [], "trigger": []} for tid in task_ids}
    if not task_ids:
        return out
    up = TaskRow.alias()
    query = (Dependency.select(Dependency.task, Dependency.kind, up.name)
             .join(up, on=(Dependency.upstream == up.id))
             .where(Dependency.task.in_(task_ids))
             .order_by(Dependency.id).tuples())
    for task_id, kind, name in query:
        out[task_id][kind].append(name)
    return out


def to_task(row: TaskRow, edges: dict[str, list[str]], group: ConcurrencyGroup | None,
            fallback_name: str | None, last_run: Any = None) -> Task:
    if row.schedule_kind == "after":
        # upstreams live in the edges; a chain whose upstreams were all force-deleted has
        # nothing left to follow and reads as manual
        schedule = (Schedule(kind="after", after=tuple(edges["trigger"])) if edges["trigger"]
                    else Schedule(kind="manual"))
    else:
        schedule = Schedule.from_json(dict(row.schedule))
    spec = TaskSpec(
        name=row.name, action=Action.from_json(row.action), schedule=schedule,
        description=row.description, enabled=row.enabled, tags=tuple(row.tags),
        timezone=row.timezone, start_at=row.start_at, end_at=row.end_at, priority=row.priority,
        retries=row.retries, retry_delay=row.retry_delay, backoff=row.backoff,
        timeout=row.timeout, max_instances=row.max_instances, overlap=row.overlap,
        group=group.name if group else None, group_limit=group.limit if group else None,
        catch_up=row.catch_up, depends_on=tuple(edges["wait"]), env=dict(row.env),
        secret_env=dict(row.secret_env),
        notify_on_failure=bool(row.notify.get("on_failure", True)),
        notify_on_success=bool(row.notify.get("on_success", False)),
        fallback=fallback_name, dependency_timeout=row.dependency_timeout,
    )
    return Task(id=row.id, spec=spec, next_run_at=row.next_run_at, created_at=row.created_at,
                updated_at=row.updated_at, last_run=last_run)


def load(rows: list[TaskRow], *, with_last_run: bool = True) -> list[Task]:
    """Domain tasks for rows, with edges, group, fallback and last run fetched in bulk."""
    from app.store.runs import latest_runs

    ids = [r.id for r in rows]
    edges = _edges_of(ids)
    group_ids = {r.group_id for r in rows if r.group_id}
    groups = {g.id: g for g in ConcurrencyGroup.select().where(ConcurrencyGroup.id.in_(group_ids))}
    fb_ids = {r.fallback_id for r in rows if r.fallback_id}
    fallbacks = dict(TaskRow.select(TaskRow.id, TaskRow.name)
                     .where(TaskRow.id.in_(fb_ids)).tuples()) if fb_ids else {}
    last = latest_runs(ids) if with_last_run else {}
    return [
        to_task(r, edges[r.id], groups.get(r.group_id), fallbacks.get(r.fallback_id),
                last.get(r.id))
        for r in rows
    ]


def get(ref: int | str) -> Task:
    return load([find_row(ref)])[0]


def _search_clause(search: str | None) -> pw.Expression | None:
    """Case-insensitive substring match on name, tags, action and description.

    `instr` rather than LIKE, so '%' and '_' in the search text mean themselves.
    """
    if not search:
        return None
    needle = search.lower()

    def has(col: pw.Field) -> pw.Expression:
        return pw.fn.instr(pw.fn.lower(col), needle) > 0

    return has(TaskRow.name) | has(TaskRow.tags) | has(TaskRow.action_text) | has(
        TaskRow.description)


def query(search: str | None = None, sort: str = "name", descending: bool = False,
          enabled: bool | None = None, tag: str | None = None) -> pw.ModelSelect:
    q = TaskRow.select()
    clause = _search_clause(search)
    if clause is not None:
        q = q.where(clause)
    if enabled is not None:
        q = q.where(TaskRow.enabled == enabled)
    if tag:
        q = q.where(TaskRow.tags.contains(f'"{tag}"'))
    col = SORT_COLUMNS.get(sort, TaskRow.name)
    order = col.desc(nulls="LAST") if descending else col.asc(nulls="LAST")
    return q.order_by(order, TaskRow.id)


def page(offset: int, limit: int, **filters: Any) -> list[Task]:
    return load(list(query(**filters).offset(offset).limit(limit)))


def count(**filters: Any) -> int:
    filters.pop("sort", None)
    filters.pop("descending", None)
    return int(query(**filters).count())


def group_for(name: str | None, limit: int | None) -> ConcurrencyGroup | None:
    """The group row for a name, created on first use; a given limit updates it."""
    if name is None:
        return None
    group, created = ConcurrencyGroup.get_or_create(name=name,
                                                    defaults={"limit": limit or 1})
    if not created and limit is not None and group.limit != limit:
        group.limit = limit
        group.save()
    return group


def row_values(spec: TaskSpec, next_run_at: datetime | None, now: datetime) -> dict[str, Any]:
    """Column values for a spec (edges and fallback are written separately)."""
    schedule = spec.schedule.to_json()
    if spec.schedule.kind == "after":
        schedule = {"kind": "after"}  # upstreams live in the edges table, not in a copy
    group = group_for(spec.group, spec.group_limit)
    return {
        "name": spec.name, "description": spec.description, "enabled": spec.enabled,
        "tags": list(spec.tags), "action": spec.action.to_json(),
        "action_text": spec.action.summary()[:10_000], "schedule": schedule,
        "schedule_kind": spec.schedule.kind, "timezone": spec.timezone,
        "start_at": spec.start_at, "end_at": spec.end_at, "priority": spec.priority,
        "retries": spec.retries, "retry_delay": spec.retry_delay, "backoff": spec.backoff,
        "timeout": spec.timeout, "max_instances": spec.max_instances, "overlap": spec.overlap,
        "group": group, "catch_up": spec.catch_up, "env": spec.env,
        "secret_env": spec.secret_env,
        "notify": {"on_failure": spec.notify_on_failure, "on_success": spec.notify_on_success},
        "dependency_timeout": spec.dependency_timeout, "next_run_at": next_run_at,
        "updated_at": now,
    }


def set_edges(task_id: int, kind: str, upstream_ids: Iterable[int]) -> None:
    Dependency.delete().where((Dependency.task == task_id) & (Dependency.kind == kind)).execute()
    rows = [{"task": task_id, "upstream": up, "kind": kind} for up in upstream_ids]
    if rows:
        Dependency.insert_many(rows).execute()


def all_edges() -> list[tuple[int, int, str]]:
    """Every (task, upstream, kind) edge."""
    return list(Dependency.select(Dependency.task, Dependency.upstream, Dependency.kind).tuples())


def names_by_id() -> dict[int, str]:
    return dict(TaskRow.select(TaskRow.id, TaskRow.name).tuples())


def downstream_names(task_id: int) -> list[str]:
    return [name for (name,) in TaskRow.select(TaskRow.name)
            .join(Dependency, on=(Dependency.task == TaskRow.id))
            .where(Dependency.upstream == task_id).distinct().tuples()]


def active_run_count(task_id: int) -> int:
    from app.core.task import ACTIVE_STATUSES

    return int(RunRow.select().where((RunRow.task == task_id)
                                     & (RunRow.status.in_(list(ACTIVE_STATUSES)))).count())
