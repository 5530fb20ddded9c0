"""History retention in SQL: the global keep policy (two meta rows), the finished runs a
policy lets go, deleted in small batches with their output and metric samples, and the
freed pages given back to the disk (`PRAGMA incremental_vacuum`).

The rule itself is `app.core.keep` (older than keep-days AND not among the newest keep-runs
finished runs; unfinished runs never, nor a failed attempt whose retry has yet to end).
"Newest" is claim order (the run id), "older" is when the run finished (its scheduled time
for a run that never started). Each batch is its own short write transaction of at most
`BATCH` runs, so the engine's writer never waits long.
Audit events are never touched.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from app.core.keep import DEFAULT_POLICY, KeepPolicy, keep_days, keep_runs
from app.core.task import FINISHED_STATUSES
from app.store.backend import id_table, ids_joined, is_postgres
from app.store.connection import end_transaction, write_batch
from app.store.models import Meta, db, set_meta
from app.store.times import from_utc_text, utc_text

BATCH = 100  # runs per write transaction (with their output chunks and samples: ~500 rows)
VACUUM_PAGES = 2_000  # pages given back per write transaction (8 MB at 4 KiB pages)
_KEYS = ("keep_runs", "keep_days")
_FINISHED = "(" + ", ".join(f"'{s}'" for s in sorted(FINISHED_STATUSES)) + ")"
# a finished attempt whose fire a later attempt has yet to end (a retry waiting, queued or
# running): it holds the checkpoint the retry resumes from (`ledger.latest_checkpoint`)
_NO_RETRY_WAITS = (
    'NOT EXISTS (SELECT 1 FROM "run" w WHERE w.task_id = "run".task_id AND '
    f'w.scheduled_for = "run".scheduled_for AND w.status NOT IN {_FINISHED})')


def global_policy() -> KeepPolicy:
    """The default every task without its own keep values gets (built in: 90 days, 100 runs)."""
    values = {row.key: row.value for row in Meta.select().where(Meta.key.in_(_KEYS))}
    runs = values.get("keep_runs")
    days = values.get("keep_days")
    return KeepPolicy(
        keep_runs(int(runs)) if runs is not None else DEFAULT_POLICY.runs,
        keep_days(int(days)) if days is not None else DEFAULT_POLICY.days,
    )


def set_global_policy(policy: KeepPolicy) -> None:
    """Store the global default (inside the caller's write transaction)."""
    set_meta("keep_runs", str(keep_runs(policy.runs)))
    set_meta("keep_days", str(keep_days(policy.days)))


def task_policies() -> list[tuple[int, KeepPolicy]]:
    """(task id, its effective policy) for every task."""
    default = global_policy()
    rows = db.execute_sql('SELECT id, keep_runs, keep_days FROM "task" ORDER BY id').fetchall()
    return [(int(i), default.for_task(r, d)) for i, r, d in rows]


def crowded_task_policies(among: Iterable[int] | None = None
                          ) -> list[tuple[int, KeepPolicy]]:
    """(task id, its policy) for the tasks (all, or those `among`) that may have runs to let
    go: those with more finished runs than the smallest keep-runs of any task (a task's runs
    can only go once it has more than it keeps). One statement, an index seek per task: a
    full look at 10,000 tasks with few runs costs a few milliseconds instead of a query per
    task, and the look after runs finish seeks only their tasks."""
    default = global_policy()
    fewest = db.execute_sql('SELECT MIN(keep_runs) FROM "task"').fetchone()[0]
    offset = min(default.runs, int(fewest)) if fewest is not None else default.runs
    tasks: str = '"task" t'
    params: list[object] = [offset]
    if among is not None:  # driven by the ids given: a seek each, never a walk of every task
        tasks, ids = ids_joined(sorted(among), '"task" t', "t.id = j.value")
        params.insert(0, ids)
    rows = db.execute_sql(
        f"SELECT t.id, t.keep_runs, t.keep_days FROM {tasks} WHERE EXISTS (SELECT 1 FROM "
        f'"run" r WHERE r.task_id = t.id AND r.status IN {_FINISHED} LIMIT 1 OFFSET ?) '
        "ORDER BY t.id", params).fetchall()
    return [(int(i), default.for_task(r, d)) for i, r, d in rows]


def finished_counts(among: Iterable[int]) -> list[tuple[int, KeepPolicy, int]]:
    """(task id, its policy, its finished runs counted up to keep-runs + 1) for these tasks
    (gone ones left out): whether a task has runs to let go, and how many more must finish
    before it can. One statement per distinct keep-runs among them, an index seek per task
    that stops one past what the task keeps."""
    ids = sorted(set(among))
    if not ids:
        return []
    default = global_policy()
    tasks, param = ids_joined(ids, '"task" t', "t.id = j.value")
    rows = db.execute_sql(f"SELECT t.id, t.keep_runs, t.keep_days FROM {tasks}",
                          (param,)).fetchall()
    kinds: dict[tuple[int | None, int | None], KeepPolicy] = {}  # most tasks share a few
    policies = {int(i): kinds.get((r, d)) or kinds.setdefault((r, d), default.for_task(r, d))
                for i, r, d in rows}
    by_keep: dict[int, list[int]] = {}
    for task_id, policy in policies.items():
        by_keep.setdefault(policy.runs, []).append(task_id)
    out: list[tuple[int, KeepPolicy, int]] = []
    for keep, group in sorted(by_keep.items()):
        table, param = id_table(group)
        counted = db.execute_sql(
            'SELECT j.value, (SELECT COUNT(*) FROM (SELECT 1 FROM "run" r WHERE r.task_id = '
            f"j.value AND r.status IN {_FINISHED} LIMIT ?) AS q) FROM {table}",
            (keep + 1, param)).fetchall()
        out.extend((int(i), policies[int(i)], int(n)) for i, n in counted)
    return sorted(out, key=lambda row: row[0])


def next_expiry(task_id: int, policy: KeepPolicy) -> datetime | None:
    """When the oldest finished run of a task past its newest keep-runs becomes old enough
    to go (None: it has no more finished runs than it keeps)."""
    boundary = db.execute_sql(
        f'SELECT id FROM "run" WHERE task_id = ? AND status IN {_FINISHED} '
        "ORDER BY id DESC LIMIT 1 OFFSET ?", (task_id, policy.runs - 1)).fetchone()
    if boundary is None:
        return None
    oldest = db.execute_sql(
        'SELECT MIN(COALESCE(finished_at, scheduled_for)) FROM "run" WHERE task_id = ? '
        f"AND id < ? AND status IN {_FINISHED}", (task_id, boundary[0])).fetchone()
    if oldest is None or oldest[0] is None:
        return None
    return from_utc_text(oldest[0]) + timedelta(days=policy.days)


def task_policy(task_id: int) -> KeepPolicy | None:
    """One task's effective policy (None when the task is gone)."""
    row = db.execute_sql('SELECT keep_runs, keep_days FROM "task" WHERE id = ?',
                         (task_id,)).fetchone()
    return None if row is None else global_policy().for_task(row[0], row[1])


def expired(task_id: int, policy: KeepPolicy, now: datetime, limit: int = BATCH) -> list[int]:
    """Up to `limit` ids of this task's finished runs the policy lets go, oldest first."""
    boundary = db.execute_sql(
        f'SELECT id FROM "run" WHERE task_id = ? AND status IN {_FINISHED} '
        "ORDER BY id DESC LIMIT 1 OFFSET ?", (task_id, policy.runs - 1)).fetchone()
    if boundary is None:  # fewer finished runs than it keeps
        return []
    rows = db.execute_sql(
        f'SELECT id FROM "run" WHERE task_id = ? AND id < ? AND status IN {_FINISHED} '
        f"AND COALESCE(finished_at, scheduled_for) < ? AND {_NO_RETRY_WAITS} "
        "ORDER BY id LIMIT ?",
        (task_id, boundary[0], utc_text(policy.cutoff(now)), limit)).fetchall()
    return [int(r[0]) for r in rows]


def delete_runs(run_ids: list[int]) -> int:
    """Delete these runs with their output and metric samples, in one write transaction.
    A run that is not finished (it was retried meanwhile), or whose retry has yet to end,
    is left alone. Returns how many runs went."""
    if not run_ids:
        return 0
    marks = ",".join("?" * len(run_ids))
    with write_batch():
        ids = [int(r[0]) for r in db.execute_sql(
            f'SELECT id FROM "run" WHERE id IN ({marks}) AND status IN {_FINISHED} '
            f"AND {_NO_RETRY_WAITS}", run_ids).fetchall()]
        if not ids:
            return 0
        marks = ",".join("?" * len(ids))
        db.execute_sql(f'DELETE FROM "run_output" WHERE run_id IN ({marks})', ids)
        db.execute_sql(f'DELETE FROM "metric_sample" WHERE run_id IN ({marks})', ids)
        db.execute_sql(f'UPDATE "run" SET parent_run_id = NULL WHERE parent_run_id IN ({marks})',
                       ids)
        db.execute_sql(f'DELETE FROM "run" WHERE id IN ({marks})', ids)
    return len(ids)


def prune_task(task_id: int, policy: KeepPolicy, now: datetime, *, batch: int = BATCH) -> int:
    """Delete every run of one task its policy lets go, `batch` runs per transaction."""
    total = 0
    while True:
        ids = expired(task_id, policy, now, batch)
        total += delete_runs(ids)
        if len(ids) < batch:
            return total


def free_pages() -> int:
    """Pages of the file that hold nothing (`PRAGMA freelist_count`)."""
    if is_postgres():  # PostgreSQL reuses and returns space itself (autovacuum)
        return 0
    return int(db.execute_sql("PRAGMA freelist_count").fetchone()[0])


def give_back_space(pages: int = VACUUM_PAGES) -> int:
    """Return free pages to the file system, `pages` per write transaction, until none are
    left; returns how many went. Does nothing for a store without incremental auto_vacuum.
    Call it outside any transaction (it opens its own)."""
    if is_postgres():
        return 0
    if int(db.execute_sql("PRAGMA auto_vacuum").fetchone()[0]) != 2:
        return 0
    con = db.connection()
    total = 0
    while True:
        before = free_pages()
        if before == 0:
            return total
        # The pragma frees one page per step of its statement, and `execute` steps once:
        # `executescript` runs it to the end (measured: 2,000 pages in ~80 ms).
        try:
            con.executescript(f"BEGIN IMMEDIATE; PRAGMA incremental_vacuum({int(pages)}); "
                              "COMMIT;")
        except Exception:
            end_transaction()
            raise
        after = free_pages()
        total += before - after
        if after >= before:
            return total
