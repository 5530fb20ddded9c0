"""Task selections beyond one task: by id and name, the engine's start-up sets, the
simulation's world, the views' filters, the dependency graph, and what deleting a task
touches.

Each returns plain ids, names, tuples or domain tasks (through `tasks.load_ids`), never rows,
and runs inside the caller's read or write transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import peewee as pw

from app.core.errors import InUseError
from app.core.next_due import next_due
from app.core.placement import LOCAL
from app.core.schedule import Schedule
from app.core.task import ACTIVE_STATUSES, Task
from app.store import tasks as task_store
from app.store.backend import contains_sql, execute, id_table, json_text
from app.store.models import Dependency, Meta, RunRow, TaskRow, set_meta
from app.store.runs import WAITING_RETRY
from app.store.task_rows import NO_EDGES, UNREADABLE, stored_schedule, stored_time
from app.store.times import from_utc_text, utc_text


def by_ids(ids: Iterable[int]) -> list[Task]:
    """The tasks with these ids that exist, in id order."""
    id_list = sorted(ids)
    found: list[Task] = []
    for start in range(0, len(id_list), 500):  # the views ask for few; a chunk per 500
        found.extend(task_store.load_ids(id_list[start:start + 500], runnable=False))
    return found


def read_together(ids: list[int]) -> dict[int, Task]:
    """These tasks by id, read in one load without their last runs (a thousand read one by
    one with `tasks.get` cost ~1 s of CPU: Run now or Delete on a selection); none at all
    when one cannot be read by this version, for the caller's `tasks.get` to say which."""
    try:
        return {t.id: t for t in task_store.load_ids(ids, with_last_run=False, strict=True)}
    except UNREADABLE:
        return {}


def sorted_names() -> list[str]:
    """Every task's name, sorted."""
    return [str(n) for (n,) in TaskRow.select(TaskRow.name).order_by(TaskRow.name).tuples()]


# a task at either end of an edge `graph` draws: a dependency (waits for, runs after) or a
# fallback (the failing task and the one run then)
LINKED = ("(id IN (SELECT task_id FROM dependency) OR id IN (SELECT upstream_id FROM "
          "dependency) OR fallback_id IS NOT NULL OR id IN (SELECT fallback_id FROM task "
          "WHERE fallback_id IS NOT NULL))")


def names_matching(text: str, limit: int, without: str | None = None,
                   linked: bool = False) -> list[str]:
    """Up to `limit` names containing `text`, ignoring case (as `ids_containing`): those that
    start with it first, then the rest, each part as names sort for people (`lower`); never
    `without` (the edited task's own); only tasks with a dependency or a fallback, at either
    end, when `linked` (the Graph's tasks when it hides the others). The name fields
    complete from it in a big home."""
    needle = text.lower()
    other = "" if without is None else " AND name <> ?"
    rest = () if without is None else (without,)
    if linked:
        other += f" AND {LINKED}"
    starts = "substr(lower(name), 1, ?) = ?"
    found = [str(n) for (n,) in execute(
        f"SELECT name FROM task WHERE {starts}{other} ORDER BY lower(name), name LIMIT ?",
        (len(needle), needle, *rest, limit))]
    if needle and len(found) < limit:
        found += [str(n) for (n,) in execute(
            f"SELECT name FROM task WHERE {contains_sql('name')} AND NOT {starts}{other} "
            "ORDER BY lower(name), name LIMIT ?",
            (needle, len(needle), needle, *rest, limit - len(found)))]
    return found


def any_containing(text: str) -> bool:
    """Whether a task's name contains `text`, ignoring case (as `ids_containing`)."""
    rows = execute(f"SELECT 1 FROM task WHERE {contains_sql('name')} LIMIT 1", (text.lower(),))
    return any(True for _ in rows)


def id_of(ref: int | str) -> int:
    """A task's id from its id or name; NotFoundError when there is none."""
    return int(task_store.find_row(ref).id)


def fallback_id(task_id: int) -> int | None:
    """The id of the task's fallback as stored now (None: it has none, or is gone)."""
    row = TaskRow.get_or_none(TaskRow.id == task_id)
    return None if row is None or row.fallback_id is None else int(row.fallback_id)


def ids_named(names: Iterable[str]) -> set[int]:
    """Ids of the tasks with these names (the names that exist)."""
    return {int(tid) for (tid,) in TaskRow.select(TaskRow.id)
            .where(TaskRow.name.in_(list(names))).tuples()}


def ids_not_enabled(enabled: bool) -> list[int]:
    """Ids of the tasks whose enabled flag differs from `enabled`."""
    return [int(row.id) for row in TaskRow.select(TaskRow.id).where(TaskRow.enabled != enabled)]


def ids_containing(text: str) -> set[int]:
    """Ids of tasks whose name contains `text`, ignoring case."""
    rows = execute(f"SELECT id FROM task WHERE {contains_sql('name')}", (text.lower(),))
    return {int(i) for (i,) in rows}


def ids_clause(task_ids: set[int] | None, column: str) -> tuple[str, list[Any]]:
    if task_ids is None:
        return "", []
    ids = sorted(task_ids) or [-1]
    return f" AND {column} IN ({','.join('?' * len(ids))})", list(ids)


def one_shot_ids(task_ids: set[int] | None) -> set[int]:
    """Ids of one-shot tasks (among `task_ids` when given)."""
    where, params = ids_clause(task_ids, "id")
    return {int(i) for (i,) in execute(
        f"SELECT id FROM task WHERE schedule_kind = 'date'{where}", params)}


def one_shots_run(task: Task) -> frozenset[datetime]:
    """The times of the task's one-shots that its schedule fired at: the ledger holds a run
    claimed for one (on time or caught up), however it ended (app/core/edits.py)."""
    texts = sorted({utc_text(part.at) for part in task.spec.schedule.each
                    if part.kind == "date" and part.at is not None})
    if not texts:
        return frozenset()
    marks = ", ".join("?" * len(texts))
    return frozenset(from_utc_text(str(at)) for (at,) in execute(
        f"SELECT DISTINCT scheduled_for FROM run WHERE task_id = ? AND scheduled_for IN "
        f"({marks}) AND trigger IN ('schedule', 'catch_up')", [task.id, *texts]))


def policies_of(task_ids: set[int]) -> dict[int, tuple[str, int, tuple[int, str, bool] | None]]:
    """Each task's name, retry count and fallback (its id, name and whether it is active —
    not paused; None: it has none)."""
    if not task_ids:
        return {}
    Fallback = TaskRow.alias()
    rows = (TaskRow.select(TaskRow.id, TaskRow.name, TaskRow.retries, Fallback.id,
                           Fallback.name, Fallback.enabled)
            .join(Fallback, pw.JOIN.LEFT_OUTER, on=(TaskRow.fallback == Fallback.id))
            .where(TaskRow.id.in_(task_ids)).tuples())
    return {int(tid): (str(name), int(retries),
                       None if fid is None else (int(fid), str(fname), bool(on)))
            for tid, name, retries, fid, fname, on in rows}


# -- the engine's start-up and catch-up -----------------------------------------------------


def _scheduled() -> Any:
    """Enabled tasks that have a next run: the ones an engine would fire."""
    return TaskRow.enabled & TaskRow.next_run_at.is_null(False)


def _stored_time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def overdue(now: datetime) -> list[Task]:
    """Enabled tasks whose stored next run is at or before `now` (without their last run)."""
    ids = [i for (i,) in TaskRow.select(TaskRow.id).where(
        _scheduled() & (TaskRow.next_run_at <= utc_text(now))).tuples()]
    return task_store.load_ids(ids, with_last_run=False)


def startup() -> list[Task]:
    """Enabled `@reboot` tasks, found in SQL (reading every cron row cost seconds at 100k)."""
    expr = pw.fn.lower(pw.fn.trim(json_text(TaskRow.schedule, "expr")))
    ids = [i for (i,) in TaskRow.select(TaskRow.id).where(
        TaskRow.enabled & (TaskRow.schedule_kind == "cron") & (expr == "@reboot")).tuples()]
    return task_store.load_ids(ids, with_last_run=False)


STARTUP_BOOT = "startup_boot"  # meta key: the boot whose `@reboot` tasks were claimed


def startup_fired_in(boot: str) -> bool:
    """Whether an engine has claimed the `@reboot` tasks of this boot already."""
    row = Meta.get_or_none(Meta.key == STARTUP_BOOT)
    return row is not None and row.value == boot


def mark_startup_fired(boot: str) -> None:
    """Record that this boot's `@reboot` tasks are claimed (in the claims' own commit)."""
    set_meta(STARTUP_BOOT, boot)


def local_commands() -> bool:
    """Whether a task runs a command on this machine (enabled or not: a paused one still
    runs by hand)."""
    return bool(TaskRow.select().where((json_text(TaskRow.action, "kind") == "command")
                                       & (TaskRow.runs_on == LOCAL)).exists())


def next_run_index() -> list[tuple[int, datetime]]:
    """(task id, next run) of every enabled task that has one."""
    return list(TaskRow.select(TaskRow.id, TaskRow.next_run_at).where(_scheduled()).tuples())


def ahead_schedules(now: datetime) -> list[tuple[int, Schedule, datetime, str, datetime,
                                                   datetime | None]]:
    """(task id, schedule, next run, time zone, anchor, end) of every enabled task whose next
    run is after `now`, the anchor being the start of its window, else its creation: what a
    clock set back recomputes (app/engine/jumps.py), read without building whole tasks
    (100,000 cron tasks: 1.5 s of a 3 s rewind)."""
    rows = execute("SELECT id, schedule_kind, schedule, next_run_at, timezone, start_at, end_at,"
                   " created_at FROM task WHERE enabled AND next_run_at > ?", (utc_text(now),))
    return [(task_id, stored_schedule(kind, schedule, NO_EDGES), from_utc_text(next_run),
             zone, from_utc_text(start or created), stored_time(end))
            for task_id, kind, schedule, next_run, zone, start, end, created in rows]


def schedulable_ids(involved: set[int] | None) -> list[int]:
    """Ids of enabled tasks that fire (a next run, or chained after others): among
    `involved` and the tasks sharing a concurrency group with them, when given."""
    fires = ("SELECT id FROM task WHERE enabled AND (next_run_at IS NOT NULL"
             " OR schedule_kind = 'after')")
    if involved is None:  # plain SQL: peewee's rows cost 80 ms at 10,000 tasks (the calendar)
        return [int(i) for (i,) in execute(fires + " ORDER BY id")]
    table, param = id_table(sorted(involved))
    among = f"(SELECT value FROM {table})"
    return [int(i) for (i,) in execute(
        f"{fires} AND (id IN {among} OR group_id IN (SELECT group_id FROM task WHERE id IN"
        f" {among} AND group_id IS NOT NULL)) ORDER BY id", (param, param))]


# -- the views -----------------------------------------------------------------------------


def next_fire() -> datetime | None:
    """The earliest next run: an enabled task's fire of its schedule, or a retry waiting
    out its delay (app/core/next_due.py: the status bar said the next fire hours on while a
    retry was due within the hour)."""
    fire = _stored_time(TaskRow.select(pw.fn.MIN(TaskRow.next_run_at))
                        .where(_scheduled()).scalar())
    retry = first_retry()
    return next_due(fire, retry[1] if retry is not None else None)[0]


def scheduled() -> tuple[int, str | None, datetime | None]:
    """How many enabled tasks have a next fire, and the soonest one's name and time."""
    count = int(TaskRow.select().where(_scheduled()).count())
    first = (TaskRow.select(TaskRow.name, TaskRow.next_run_at).where(_scheduled())
             .order_by(TaskRow.next_run_at).limit(1).tuples().first())
    if not first:
        return count, None, None
    name, at = first
    return count, str(name), _stored_time(at)


def first_retry() -> tuple[str, datetime] | None:
    """The retry waiting out its delay that falls due first, of any task (a paused task's
    too: it keeps its policy): its task's name and when."""
    first = (RunRow.select(TaskRow.name, RunRow.due_at)
             .join(TaskRow, on=(RunRow.task == TaskRow.id))
             .where(WAITING_RETRY).order_by(RunRow.due_at).limit(1).tuples().first())
    if not first:
        return None
    name, at = first
    due = _stored_time(at)
    return (str(name), due) if due is not None else None


def count_all() -> int:
    return int(TaskRow.select().count())


GraphRows = tuple[list[tuple[int, str, bool, str]], list[tuple[int, int, str]],
                  list[tuple[int, str]], list[tuple[int, int, str]]]


def graph(active: Iterable[str]) -> GraphRows:
    """Every task (id, name, enabled, schedule kind), every edge (task, upstream, kind), each
    task's latest run (task, status), and the runs in the `active` statuses (id, task,
    status). A task's fallback is an edge from it to its fallback (kind "fallback")."""
    nodes = [(int(i), str(name), bool(enabled), str(kind)) for i, name, enabled, kind in
             execute("SELECT id, name, enabled, schedule_kind FROM task ORDER BY id")]
    edges = [(int(down), int(up), str(kind)) for down, up, kind in
             execute("SELECT task_id, upstream_id, kind FROM dependency ORDER BY id")]
    edges += [(int(down), int(up), "fallback") for down, up in execute(
        "SELECT fallback_id, id FROM task WHERE fallback_id IS NOT NULL ORDER BY id")]
    latest = [(int(t), str(s)) for t, s in execute(
        "SELECT task_id, status FROM run WHERE id IN (SELECT MAX(id) FROM run GROUP BY task_id)")]
    statuses = sorted(active)
    marks = ",".join("?" * len(statuses))
    runs = [(int(r), int(t), str(s)) for r, t, s in execute(
        f"SELECT id, task_id, status FROM run WHERE status IN ({marks})", statuses)]
    return nodes, edges, latest, runs


# -- what deleting a task touches -------------------------------------------------------------

def linked_ids(task_id: int) -> set[int]:
    """The tasks that wait for this one, follow it or fall back to it."""
    edges = Dependency.select(Dependency.task).where(Dependency.upstream == task_id)
    fallbacks = TaskRow.select(TaskRow.id).where(TaskRow.fallback == task_id)
    return {i for (i,) in edges.tuples()} | {i for (i,) in fallbacks.tuples()}


def in_use(task_id: int, name: str, going: frozenset[str] = frozenset()
           ) -> InUseError | None:
    """Why deleting a task needs force (None: it does not): its runs in progress, the tasks
    that wait for it, follow it or fall back to it, but for those in `going` (deleted with
    it) — and of those that follow it, the ones left to run only by hand."""
    active = [(int(i), str(s)) for i, s in RunRow.select(RunRow.id, RunRow.status).where(
        (RunRow.task == task_id) & RunRow.status.in_(list(ACTIVE_STATUSES)))
        .order_by(RunRow.id).tuples()]
    edges = [(n, kind, f) for n, kind, f in
             Dependency.select(TaskRow.name, Dependency.kind, Dependency.task)
             .join(TaskRow, on=(Dependency.task == TaskRow.id))
             .where(Dependency.upstream == task_id).tuples() if n not in going]
    followers = {f: n for n, kind, f in edges if kind == "trigger"}  # (a task may also wait)
    others = {f for (f, upstream) in Dependency.select(Dependency.task, TaskRow.name)
              .join(TaskRow, on=(Dependency.upstream == TaskRow.id))
              .where(Dependency.task.in_(list(followers)) & (Dependency.kind == "trigger")
                     & (Dependency.upstream != task_id)).tuples() if upstream not in going}
    fallbacks = [n for (n,) in TaskRow.select(TaskRow.name).where(TaskRow.fallback == task_id)
                 .order_by(TaskRow.name).tuples() if n not in going]
    return InUseError.of(name, active, sorted({n for n, _kind, _f in edges}), fallbacks,
                         sorted(n for f, n in followers.items() if f not in others))
