"""Reads that let a forecast reuse what it read before: each task's version (so only the
tasks that changed are loaded again), the tasks whose runs finished since a moment (so only
their typical durations are read again), and every task's recent successful durations in
one windowed query (the first read); and the runs claimed and not started, which a forecast
takes as the engine has them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from app.store.backend import execute, ids_joined
from app.store.models import RunRow
from app.store.times import from_utc_text, utc_text

# (task id, updated_at text, next_run_at text, group id): a task whose row keeps these keeps
# its spec; its next fire is the one column the engine moves on every fire
Version = tuple[Any, ...]


def versions(ids: list[int]) -> dict[int, Version]:
    """Each task's version, by id (missing ids are left out)."""
    joined, param = ids_joined(ids, '"task" t', "t.id = j.value")
    return {int(rec[0]): tuple(rec[1:]) for rec in execute(
        f"SELECT t.id, t.updated_at, t.next_run_at, t.group_id, t.enabled FROM {joined}",
        (param,))}


def finished_since(moment: str | None) -> tuple[set[int], str | None]:
    """(tasks with a run finished after `moment`, the newest finish seen): all tasks with
    a finished run when `moment` is None."""
    newest = execute("SELECT MAX(finished_at) FROM run").fetchone()[0]
    if moment is None:
        return set(), newest
    # a minute's margin: a run whose finish was written late with an earlier time
    since = utc_text(from_utc_text(moment) - timedelta(seconds=60))
    rows = execute("SELECT task_id FROM run WHERE finished_at >= ?", (since,))
    return {int(t) for (t,) in rows}, newest


def recent_durations_of_all(count: int) -> dict[int, list[float]]:
    """Seconds taken by each task's newest `count` successful runs, in one query."""
    rows = execute(
        "SELECT task_id, started_at, finished_at FROM (SELECT task_id, started_at, "
        "finished_at, row_number() OVER (PARTITION BY task_id ORDER BY id DESC) AS n "
        "FROM run WHERE status = 'succeeded' AND started_at IS NOT NULL "
        "AND finished_at IS NOT NULL) AS q WHERE n <= ?", (count,))
    out: dict[int, list[float]] = {}
    for task_id, a, b in rows:
        out.setdefault(int(task_id), []).append(
            (from_utc_text(b) - from_utc_text(a)).total_seconds())
    return out


def edges() -> list[tuple[int, int, str]]:
    """Every (task, upstream, kind) edge (as `tasks.all_edges`, without building rows)."""
    return [(int(t), int(u), str(k)) for t, u, k in execute(
        "SELECT task_id, upstream_id, kind FROM dependency")]


def stamp(moment: datetime) -> str:
    """A moment as the store compares it."""
    return utc_text(moment)


def unstarted(task_ids: set[int]) -> list[tuple[int, int, datetime, int, str, str | None]]:
    """(run id, task id, fire, attempt, trigger, reason) of each run of these tasks claimed
    (or queued by hand) and not started: queued, or held back, or waiting on its upstreams;
    oldest first."""
    return [(int(r), int(t), f, int(a), str(g), n) for r, t, f, a, g, n in
            RunRow.select(RunRow.id, RunRow.task, RunRow.scheduled_for, RunRow.attempt,
                          RunRow.trigger, RunRow.reason)
            .where(RunRow.status.in_(("queued", "waiting"))).order_by(RunRow.id).tuples()
            if t in task_ids]
