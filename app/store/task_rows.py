"""Task rows as they are stored, read without building tasks: the filters and order of a
list of tasks, each schedule parsed once per stored text, the upstreams of chains, and the
lines `tickwork task list` shows (no `Task`, no `TaskSpec`: a list of tasks neither builds
nor imports them, app/store/tasks.py does).

Each runs inside the caller's read or write transaction.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import fields
from datetime import datetime, timezone
from typing import Any, NamedTuple, TypeVar

import peewee as pw

from app.core.errors import ValidationError
from app.core.schedule import Schedule
from app.store.backend import contains, execute, ids_joined
from app.store.models import TaskRow, db, from_utc_text
from app.store.runs import first_retries, latest_statuses

SORT_COLUMNS = {
    "name": pw.fn.lower(TaskRow.name),  # as people read them (an index: models.py)
    "next_run_at": TaskRow.next_run_at,
    "priority": TaskRow.priority,
    "enabled": TaskRow.enabled,
    "id": TaskRow.id,
    "schedule": TaskRow.schedule_kind,
}


NO_EDGES: dict[str, list[str]] = {"wait": [], "trigger": []}  # shared, never mutated
UNREADABLE = (ValidationError, ValueError, TypeError, KeyError)  # a stored row's, built
_said_unreadable: set[tuple[int, str]] = set()
log = logging.getLogger("tickwork.store")


def left_out(rec: tuple[Any, ...], exc: BaseException) -> None:
    """A stored task this version cannot read (a check made stricter since it was stored, a
    row edited by hand: `rec` its row, id and name first) is left out of every load and list,
    said once in the log: it made every load with it fail, and the engine ran nothing at all
    (a review), and `task list` failed whole (a fault hunt). `tasks.get` names it."""
    key = (int(rec[0]), str(exc))
    if key not in _said_unreadable:
        _said_unreadable.add(key)
        log.warning("task %r (id %s) cannot be read and is left out: %s", rec[1], rec[0], exc)


def edges_of(task_ids: list[int]) -> dict[int, dict[str, list[str]]]:
    """Upstream names by kind for each task that has any (others: use `NO_EDGES`). Plain
    SQL driven by the ids (a seek each): the engine loads thousands of tasks a second, and a
    peewee `IN` of hundreds of ids cost more to build than the query took to run."""
    out: dict[int, dict[str, list[str]]] = {}
    if not task_ids:
        return out
    edges, param = ids_joined(task_ids, '"dependency" d', "d.task_id = j.value")
    rows = execute(f'SELECT d.task_id, d.kind, u.name FROM {edges} JOIN "task" u '
                   "ON u.id = d.upstream_id ORDER BY d.id", (param,))
    for task_id, kind, name in rows:
        out.setdefault(task_id, {"wait": [], "trigger": []})[kind].append(name)
    return out


T = TypeVar("T")
_schedules: dict[str, Schedule] = {}  # parsed schedules by their stored JSON (frozen, shared)


def stored_time(text: str | None) -> datetime | None:
    """A time column's value (UTC text, or None)."""
    return None if text is None else from_utc_text(text)


def parsed_once(cache: dict[str, T], text: str, parse: Callable[[Any], T]) -> T:
    """`parse` of the stored JSON `text`, once per distinct text (the cache is emptied when
    it grows past 10,000 texts)."""
    value = cache.get(text)
    if value is None:
        if len(cache) > 10_000:
            cache.clear()
        value = cache[text] = parse(json.loads(text))
    return value


# a one-off date as the store writes it (keys sorted, no spaces: models.JsonField)
_DATE = re.compile(r'\{"at":"([0-9T:.+-]{19,32})","kind":"date"\}')
_DATE_FIELDS = tuple((f.name, f.default) for f in fields(Schedule))


def _date(at_text: str) -> Schedule | None:
    """A stored one-off date's schedule without parsing JSON or validating again (each
    one-shot task's text is its own, so the cache of parsed texts never served it, and the
    engine loads thousands a second: 26 → 2 µs); None where the text is not plainly one (an
    offset other than a fixed one), for `Schedule.from_json` to read and judge."""
    try:
        at = datetime.fromisoformat(at_text)
    except ValueError:
        return None
    if type(at.tzinfo) is not timezone:  # (naive, or a zone: the full reading says why)
        return None
    schedule = object.__new__(Schedule)  # as Schedule(kind="date", at=at) builds it
    for name, default in _DATE_FIELDS:
        object.__setattr__(schedule, name, default)
    object.__setattr__(schedule, "kind", "date")
    object.__setattr__(schedule, "at", at)
    return schedule


def _schedule(text: str) -> Schedule:
    date = _DATE.fullmatch(text)
    if date is not None and (schedule := _date(date[1])) is not None:
        return schedule
    return parsed_once(_schedules, text, Schedule.from_json)


def stored_schedule(kind: str, text: str, edges: dict[str, list[str]]) -> Schedule:
    """A task's schedule from its stored kind and JSON, a chain's from its upstream edges."""
    if kind == "after":
        # upstreams live in the edges; a chain whose upstreams were all force-deleted has
        # nothing left to follow and reads as manual
        return (Schedule(kind="after", after=tuple(edges["trigger"])) if edges["trigger"]
                else Schedule(kind="manual"))
    return _schedule(text)


def _search_clause(search: str | None) -> pw.Expression | None:
    """Case-insensitive substring match on name, tags, action and description.

    `instr` (`strpos` on PostgreSQL) rather than LIKE, so '%' and '_' in the search text
    mean themselves.
    """
    if not search:
        return None
    needle = search.lower()

    def has(col: pw.Field) -> pw.Expression:
        return contains(col, needle)

    return has(TaskRow.name) | has(TaskRow.tags) | has(TaskRow.action_text) | has(
        TaskRow.description)


def query(search: str | None = None, sort: str = "name", descending: bool = False,
          enabled: bool | None = None, tag: str | None = None,
          ids: range | None = None) -> pw.ModelSelect:
    """Task rows by these filters, in this order; `ids`: only those in that range (an
    export's pages: each a bounded read, a task that cannot be read never ending them)."""
    q = TaskRow.select()
    if ids is not None:
        q = q.where(TaskRow.id.between(ids.start, ids.stop - 1))
    clause = _search_clause(search)
    if clause is not None:
        q = q.where(clause)
    if enabled is not None:
        q = q.where(TaskRow.enabled == enabled)
    if tag:
        # the tag with its JSON quotes, in the tags' JSON text (a pattern given to the JSON
        # field itself would be JSON-encoded again and never match)
        q = q.where(contains(TaskRow.tags, json.dumps(tag, ensure_ascii=False).lower()))
    col = SORT_COLUMNS.get(sort, SORT_COLUMNS["name"])
    order = col.desc(nulls="LAST") if descending else col.asc(nulls="LAST")
    return q.order_by(order, TaskRow.id)


def last_id() -> int:
    """The highest id a task has (0 with none): where a read of every task by `ids` ends."""
    return int(TaskRow.select(pw.fn.MAX(TaskRow.id)).scalar() or 0)


class TaskLine(NamedTuple):
    """A task as a list of tasks shows it (`tickwork task list`)."""

    id: int
    name: str
    enabled: bool
    schedule: Schedule
    timezone: str
    next_run_at: datetime | None
    last_status: str | None  # its newest run's
    retry_due: datetime | None  # when its first retry waiting out its delay falls due
    anchor: datetime | None  # where its intervals and calendar steps count from (Task.anchor)
    priority: int


def lines(**filters: Any) -> list[TaskLine]:
    """The tasks `query` selects, as a list shows them: the seven columns it needs and the
    newest run's status, no `Task` built (a list of 1,000: 581 → 471 M instructions; not
    loading app.core.task, app.core.run and what they need: 462 → 419 M)."""
    q = query(**filters).select(TaskRow.id, TaskRow.name, TaskRow.enabled, TaskRow.schedule_kind,
                                TaskRow.schedule, TaskRow.timezone, TaskRow.next_run_at,
                                TaskRow.start_at, TaskRow.created_at, TaskRow.priority)
    recs = list(db.execute_sql(*q.sql()))  # the rows as stored, in one query
    chains = edges_of([rec[0] for rec in recs if rec[3] == "after"])
    last = latest_statuses([rec[0] for rec in recs])
    retries = first_retries([rec[0] for rec in recs])
    out = []
    for rec in recs:
        task_id, name, enabled, kind, schedule, timezone, next_run_at, start, made, pri = rec
        try:
            parsed = stored_schedule(kind, schedule, chains.get(task_id, NO_EDGES))
            anchor = stored_time(start or made) if parsed.anchored else None  # (words need it)
            retry = retries.get(task_id)
            out.append(TaskLine(task_id, name, bool(enabled), parsed, timezone,
                                stored_time(next_run_at), last.get(task_id),
                                retry.due if retry else None, anchor, pri))
        except UNREADABLE as exc:
            left_out(rec, exc)
    return out
