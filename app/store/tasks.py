"""Task rows: reading them as domain tasks, writing specs, dependency edges, paged lists."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any, NamedTuple

import peewee as pw

from app.core.errors import NotFoundError, StoreError, ValidationError
from app.core.references import Snapshot, by_fold, typed, unique_name
from app.core.schedule import parse_timezone
from app.core.task import Action, Task, TaskSpec
from app.store.backend import execute, executemany
from app.store.models import (
    ConcurrencyGroup,
    Dependency,
    JsonField,
    TaskRow,
    db,
)
from app.store.runs import latest_runs
from app.store.task_rows import (
    NO_EDGES,
    UNREADABLE,
    edges_of,
    left_out,
    parsed_once,
    query,
    stored_schedule,
    stored_time,
)


def find_row(ref: int | str) -> TaskRow:
    """A task row by id (an int, or a string of digits) or by name: exactly, else the one
    name it matches ignoring letter case (app/core/references.py; ValidationError when an
    older store holds several such). Only its id and name are read: a row whose other
    columns this version cannot read is still found, to be named and deleted."""
    row: TaskRow | None
    given = ref if isinstance(ref, int) else typed(ref)  # ('': refused, naming the field)
    if isinstance(given, int) or given.isdecimal():
        row = _id_and_name(TaskRow.id == int(given)) if int(given) < 2**63 else None
    else:
        row = _id_and_name(TaskRow.name == given)
        if row is None:
            name = unique_name(given, by_fold(names_by_id().values()), "task")
            row = None if name is None else _id_and_name(TaskRow.name == name)
    if row is None:
        raise NotFoundError("task", ref)
    return row


def _id_and_name(where: pw.Expression) -> TaskRow | None:
    row: TaskRow | None = TaskRow.select(TaskRow.id, TaskRow.name).where(where).first()
    return row


def ids_by_name(names: Iterable[str], field: str) -> dict[str, int]:
    """Resolve task names (or ids) to ids; raise ValidationError naming an unknown one."""

    out: dict[str, int] = {}
    for name in names:
        try:
            out[name] = find_row(name).id
        except NotFoundError:
            raise ValidationError(field, f"unknown task {name!r}") from None
    return out


_COLUMNS = (
    "id", "name", "description", "enabled", "tags", "action", "schedule", "schedule_kind",
    "timezone", "start_at", "end_at", "priority", "retries", "retry_delay", "backoff", "timeout",
    "max_instances", "overlap", "group_id", "catch_up", "env", "secret_env", "notify",
    "fallback_id", "dependency_timeout", "next_run_at", "created_at", "updated_at",
    "keep_runs", "keep_days", "runs_on",
)
_SELECT = "SELECT " + ", ".join(f'"{c}"' for c in _COLUMNS) + " FROM task WHERE id IN "
_zones: dict[str, None] = {}  # zone names this machine knows, as tasks have them
_actions: dict[str, Action] = {}  # parsed actions by their stored JSON: many tasks share one
_notifies: dict[str, tuple[bool, bool]] = {}


def _json(text: str) -> Any:
    """json.loads with a short cut for the empty values most tasks store."""
    if text == "{}":
        return {}
    if text == "[]":
        return []
    return json.loads(text)


def _notify(text: str) -> tuple[bool, bool]:
    """(on failure, on success) from the stored JSON (a handful of texts, all tasks')."""
    found = _notifies.get(text)
    if found is None:
        notify = _json(text)
        found = (bool(notify.get("on_failure", True)), bool(notify.get("on_success", False)))
        if len(_notifies) < 64:
            _notifies[text] = found
    return found


def _action(text: str) -> Action:
    return parsed_once(_actions, text, Action.from_json)


def _build(rec: tuple[Any, ...], edges: dict[str, list[str]], group: tuple[str, int] | None,
           fallback_name: str | None, last_run: Any) -> Task:
    (task_id, name, description, enabled, tags, action, schedule, schedule_kind, timezone,
     start_at, end_at, priority, retries, retry_delay, backoff, timeout, max_instances, overlap,
     _group_id, catch_up, env, secret_env, notify, _fallback_id, dependency_timeout,
     next_run_at, created_at, updated_at, keep_runs, keep_days, runs_on) = rec
    sched = stored_schedule(schedule_kind, schedule, edges)
    notify_on_failure, notify_on_success = _notify(notify)
    spec = TaskSpec(
        name=name, action=_action(action), schedule=sched, description=description,
        enabled=bool(enabled), tags=tuple(_json(tags)), timezone=timezone,
        start_at=stored_time(start_at), end_at=stored_time(end_at), priority=priority,
        retries=retries,
        retry_delay=retry_delay, backoff=backoff, timeout=timeout, max_instances=max_instances,
        overlap=overlap, group=group[0] if group else None,
        group_limit=group[1] if group else None, catch_up=catch_up,
        depends_on=tuple(edges["wait"]), env=dict(_json(env)), secret_env=dict(_json(secret_env)),
        notify_on_failure=notify_on_failure, notify_on_success=notify_on_success,
        fallback=fallback_name, dependency_timeout=dependency_timeout,
        keep_runs=keep_runs, keep_days=keep_days, runs_on=runs_on,
    )
    return Task(id=task_id, spec=spec, next_run_at=stored_time(next_run_at),
                created_at=stored_time(created_at), updated_at=stored_time(updated_at),
                last_run=last_run)


def load_ids(ids: list[int], *, with_last_run: bool = True, strict: bool = False,
             runnable: bool = True) -> list[Task]:
    """Domain tasks by id, in the order given (missing ids are left out), with edges, group,
    fallback and last run fetched in bulk. Plain SQL: the engine loads thousands a second.
    `runnable` (for the engine, a forecast) leaves out too a task whose time zone this
    machine lacks (tzdata dropped the name): no fire of it can be worked out, and the
    engine's every step failed on it; a list, a view and `get` still read it, for it to be
    given one (`task update --tz`)."""
    recs: dict[int, tuple[Any, ...]] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        for rec in execute(_SELECT + "(" + ",".join("?" * len(chunk)) + ")", chunk):
            recs[rec[0]] = rec
    return _load([recs[i] for i in ids if i in recs], with_last_run=with_last_run, strict=strict,
                 runnable=runnable and not strict)


def _load(recs: list[tuple[Any, ...]], *, with_last_run: bool = True, strict: bool = False,
          runnable: bool = False, unread: list[Unreadable] | None = None) -> list[Task]:
    """Domain tasks for rows of `_COLUMNS`, in their order; one that cannot be read is left
    out and said in the log (`strict`: its error raised, for the caller to say; `unread`:
    kept there instead)."""
    found = [rec[0] for rec in recs]
    edges = edges_of(found)
    group_ids = {rec[18] for rec in recs if rec[18]}
    groups = {g.id: (g.name, g.limit) for g in ConcurrencyGroup.select().where(
        ConcurrencyGroup.id.in_(group_ids))} if group_ids else {}
    fb_ids = {rec[23] for rec in recs if rec[23]}
    fallbacks = dict(TaskRow.select(TaskRow.id, TaskRow.name)
                     .where(TaskRow.id.in_(fb_ids)).tuples()) if fb_ids else {}
    last = latest_runs(found) if with_last_run else {}
    out: list[Task] = []
    for rec in recs:
        task = None
        try:
            task = _build(rec, edges.get(rec[0], NO_EDGES), groups.get(rec[18]),
                          fallbacks.get(rec[23]), last.get(rec[0]))
            if runnable and rec[8] not in _zones:
                parse_timezone(rec[8])  # (`load_ids`)
                _zones[rec[8]] = None
            out.append(task)
        except UNREADABLE as exc:
            if strict:
                raise
            if unread is not None:
                unread.append(Unreadable(rec[0], rec[1], " ".join(str(exc).split()),
                                         None if task is None else rec[8]))
                continue
            left_out(rec, exc)  # one row the code cannot read stops no other task
    return out


class Unreadable(NamedTuple):
    """A stored task this version cannot read, and why (one line); or one it reads but the
    engine cannot fire, in a time zone this machine's zone data lacks (`zone`)."""

    id: int
    name: str
    reason: str
    zone: str | None = None


def unreadable() -> list[Unreadable]:
    """Every stored task a load leaves out (`_load`), by id: for `tickwork check` to name
    what the engine, `export` and `task list` pass over, and what the engine alone passes
    over (an unknown time zone)."""
    ids = [i for (i,) in execute("SELECT id FROM task ORDER BY id")]
    out: list[Unreadable] = []
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        _load(list(execute(_SELECT + "(" + ",".join("?" * len(chunk)) + ") ORDER BY id", chunk)),
              with_last_run=False, runnable=True, unread=out)
    return out


def load(rows: list[TaskRow], *, with_last_run: bool = True) -> list[Task]:
    """Domain tasks for rows already selected (re-read by id, in the same order)."""
    return load_ids([r.id for r in rows], with_last_run=with_last_run)


def get(ref: int | str) -> Task:
    row = find_row(ref)
    try:
        return load_ids([row.id], strict=True)[0]
    except UNREADABLE as exc:
        raise StoreError(f"task {row.name!r} cannot be read by this version of Tickwork "
                         f"({exc}); `tickwork task delete {row.id}` deletes it") from None


def runnable(ref: int | str | Task) -> Task:
    """`get` (or a task read already), for a run: refused when the engine would leave the task
    out (a time zone this machine's zone data lacks): a manual run of it stood `queued`."""
    task = ref if isinstance(ref, Task) else get(ref)
    try:
        parse_timezone(task.spec.timezone, "tz")
    except ValidationError as exc:
        raise ValidationError("task", f"{task.name!r} cannot run on this machine: {exc.reason}"
                              "; give it a zone this machine knows (the editor's Schedule page, "
                              f"or `tickwork task update {task.id} --tz ZONE`)") from None
    return task


def page(offset: int, limit: int, **filters: Any) -> list[Task]:
    """Tasks `offset` on, at most `limit` of them (all, when `limit` is negative)."""
    q = (query(**filters).select(*(TaskRow._meta.columns[c] for c in _COLUMNS))
         .offset(offset).limit(limit if limit >= 0 else None))
    return _load(list(db.execute_sql(*q.sql())))  # the rows as stored, in one query


def count(**filters: Any) -> int:
    filters.pop("sort", None)
    filters.pop("descending", None)
    return int(query(**filters).count())


def group_for(name: str | None, limit: int | None,
              cache: dict[str, ConcurrencyGroup] | None = None) -> ConcurrencyGroup | None:
    """The group row for a name, created on first use; a given limit updates it.

    `cache` (name -> row) spares a batch the query per task; keep it for one transaction.
    """
    if name is None:
        return None
    group: ConcurrencyGroup | None = cache.get(name) if cache is not None else None
    if group is None:
        group, _created = ConcurrencyGroup.get_or_create(name=name,
                                                        defaults={"limit": limit or 1})
        if cache is not None:
            cache[name] = group
    if limit is not None and group.limit != limit:
        group.limit = limit
        group.save()
    return group


def groups_in_use(names: Iterable[str]) -> dict[str, tuple[int, list[str]]]:
    """Each of these groups that exists: its limit and the names of its tasks, sorted."""
    wanted = sorted(set(names))
    if not wanted:
        return {}
    found: dict[str, tuple[int, list[str]]] = {
        name: (limit, []) for name, limit in ConcurrencyGroup.select(
            ConcurrencyGroup.name, ConcurrencyGroup.limit)
        .where(ConcurrencyGroup.name.in_(wanted)).tuples()}
    for group, task in (TaskRow.select(ConcurrencyGroup.name, TaskRow.name)
                        .join(ConcurrencyGroup).where(ConcurrencyGroup.name.in_(wanted))
                        .order_by(TaskRow.name).tuples()):
        found[group][1].append(task)
    return found


def row_values(spec: TaskSpec, next_run_at: datetime | None, now: datetime,
               groups: dict[str, ConcurrencyGroup] | None = None) -> dict[str, Any]:
    """Column values for a spec (edges and fallback are written separately)."""
    schedule = spec.schedule.to_json()
    if spec.schedule.kind == "after":
        schedule = {"kind": "after"}  # upstreams live in the edges table, not in a copy
    group = group_for(spec.group, spec.group_limit, groups)
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
        "keep_runs": spec.keep_runs, "keep_days": spec.keep_days, "runs_on": spec.runs_on,
    }


def set_edges(task_id: int, kind: str, upstream_ids: Iterable[int]) -> None:
    Dependency.delete().where((Dependency.task == task_id) & (Dependency.kind == kind)).execute()
    rows = [{"task": task_id, "upstream": up, "kind": kind} for up in upstream_ids]
    if rows:
        Dependency.insert_many(rows).execute()


def all_edges() -> list[tuple[int, int, str]]:
    """Every (task, upstream, kind) edge."""
    return list(Dependency.select(Dependency.task, Dependency.upstream, Dependency.kind).tuples())


def snapshot() -> Snapshot:
    """Every task's id and name, edge, fallback and stored secret name, and the limit of
    each group tasks are in, in five queries."""
    from app.store.models import SecretRef

    return Snapshot(
        names=names_by_id(),
        edges=list(Dependency.select(Dependency.task, Dependency.upstream).tuples()),
        fallbacks=dict(TaskRow.select(TaskRow.id, TaskRow.fallback)
                       .where(TaskRow.fallback.is_null(False)).tuples()),
        secrets={name for (name,) in SecretRef.select(SecretRef.name).tuples()},
        groups=dict(ConcurrencyGroup.select(ConcurrencyGroup.name, ConcurrencyGroup.limit)
                    .where(ConcurrencyGroup.id.in_(TaskRow.select(TaskRow.group))).tuples()),
    )


def insert_many(specs: list[TaskSpec], rows: list[dict[str, Any]]) -> dict[str, int]:
    """Insert new task rows (from `row_values`, with `created_at`) and then their edges and
    fallbacks, which may name each other in any order; returns every task's id by name.

    References must be names already checked (`app.core.references.check`). Plain
    `executemany` with each field's own conversion: a bulk import writes thousands of rows."""
    if rows:
        fields = [TaskRow._meta.fields[key] for key in rows[0]]
        columns = ", ".join(f'"{f.column_name}"' for f in fields)
        executemany(f'INSERT INTO "task" ({columns}) VALUES '
                    f'({", ".join("?" * len(fields))})',
                    [[_column(f, row[f.name]) for f in fields] for row in rows])
    ids = {name: task_id for task_id, name in names_by_id().items()}
    edges = [(ids[spec.name], ids[up], kind)
             for spec in specs
             for kind, ups in (("wait", spec.depends_on), ("trigger", spec.schedule.after))
             for up in ups]
    executemany('INSERT INTO "dependency" ("task_id", "upstream_id", "kind") '
                'VALUES (?, ?, ?)', edges)
    executemany('UPDATE "task" SET "fallback_id" = ? WHERE "id" = ?',
                [(ids[spec.fallback], ids[spec.name]) for spec in specs if spec.fallback])
    return ids


_ENCODE = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def _column(field: pw.Field, value: Any) -> Any:
    """A value as its column stores it: JsonField's own encoding, with one encoder kept."""
    if isinstance(field, JsonField) and value is not None:
        if not value and isinstance(value, dict | list):  # most tasks' env, tags, secrets
            return "{}" if isinstance(value, dict) else "[]"
        return _ENCODE(value)
    return field.db_value(value)


def names_by_id() -> dict[int, str]:
    return dict(TaskRow.select(TaskRow.id, TaskRow.name).tuples())


def update_row(task_id: int, values: dict[str, Any]) -> None:
    """Write a task's columns (from `row_values`)."""
    TaskRow.update(**values).where(TaskRow.id == task_id).execute()


def set_fallback(task_id: int, fallback_id: int | None) -> None:
    TaskRow.update(fallback=fallback_id).where(TaskRow.id == task_id).execute()


def delete(task_id: int) -> None:
    """Delete a task; its runs, output and edges go with it (ON DELETE CASCADE)."""
    TaskRow.delete().where(TaskRow.id == task_id).execute()


def write_links(task_id: int, spec: TaskSpec) -> None:
    """A changed task's dependencies, triggers and fallback, as its `spec` names them."""
    wait = ids_by_name(spec.depends_on, "depends_on")
    after = ids_by_name(spec.schedule.after, "after")
    set_edges(task_id, "wait", [wait[n] for n in spec.depends_on])
    set_edges(task_id, "trigger", [after[n] for n in spec.schedule.after])
    set_fallback(task_id, int(find_row(spec.fallback).id) if spec.fallback else None)
