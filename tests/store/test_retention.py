"""History retention in the store: which finished runs a keep policy lets go, that their
output and samples go with them, that unfinished runs and audit events stay, and that the
freed pages are given back to the file system."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from app.core.keep import KeepPolicy
from app.store import retention
from app.store.models import AuditEvent, MetricSample, RunOutput, RunRow, db
from tests.conftest import command_task

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
_SECONDS = count()  # keeps every run's (task, scheduled_for) unique


def _runs(task_id: int, statuses: list[str], *, age_days: float, output: int = 0) -> list[int]:
    """Runs of a task, oldest first, each finished `age_days` ago (plus its index in minutes)."""
    ids = []
    for i, status in enumerate(statuses):
        at = NOW - timedelta(days=age_days) + timedelta(minutes=i, seconds=next(_SECONDS))
        finished = at if status not in ("queued", "waiting", "running", "retrying") else None
        run = RunRow.create(task=task_id, scheduled_for=at, status=status, finished_at=finished,
                            started_at=at)
        for seq in range(output):
            RunOutput.create(run=run, seq=seq, stream="stdout", text="x" * 2000, at=at)
        MetricSample.create(at=at, kind="run", run=run, values={"cpu": 1})
        ids.append(run.id)
    return ids


def test_a_run_goes_only_when_old_and_not_among_the_newest(store: Any, service: Any) -> None:
    task = service.create_task(command_task("t"))
    with store.write():
        old = _runs(task.id, ["succeeded"] * 6, age_days=10)
        new = _runs(task.id, ["failed"] * 2, age_days=0.5)
    policy = KeepPolicy(runs=3, days=1)
    with store.read():
        expired = retention.expired(task.id, policy, NOW)
    assert expired == old[:5]  # the newest 3 are the 2 new ones and the newest old one
    policy = KeepPolicy(runs=4, days=1)
    with store.read():
        assert retention.expired(task.id, policy, NOW) == old[:4]  # 2 new + 2 old kept
    policy = KeepPolicy(runs=3, days=30)
    with store.read():
        assert retention.expired(task.id, policy, NOW) == []  # young enough: all kept
    assert new


def test_prune_deletes_output_and_samples_but_never_unfinished_runs_or_audit(
        store: Any, service: Any) -> None:
    task = service.create_task(command_task("t"))
    with store.write():
        done = _runs(task.id, ["succeeded", "failed", "skipped", "cancelled"], age_days=5,
                     output=3)
        active = _runs(task.id, ["queued", "waiting", "running", "retrying"], age_days=5)
        newest = _runs(task.id, ["succeeded"], age_days=5)
    audit_before = AuditEvent.select().count()
    deleted = retention.prune_task(task.id, KeepPolicy(runs=1, days=0), NOW, batch=2)
    assert deleted == len(done)
    assert {r.id for r in RunRow.select()} == set(active) | set(newest)
    assert RunOutput.select().where(RunOutput.run.in_(done)).count() == 0
    assert MetricSample.select().where(MetricSample.run.in_(done)).count() == 0
    assert AuditEvent.select().count() == audit_before


def test_a_task_s_own_values_override_the_global_default_one_by_one(store: Any,
                                                                   service: Any) -> None:
    plain = service.create_task(command_task("plain"))
    runs_only = service.create_task(command_task("runs-only", keep_runs=5))
    with store.write():
        retention.set_global_policy(KeepPolicy(runs=50, days=7))
    with store.read():
        policies = dict(retention.task_policies())
    assert policies[plain.id] == KeepPolicy(runs=50, days=7)
    assert policies[runs_only.id] == KeepPolicy(runs=5, days=7)


def test_the_built_in_default_is_90_days_and_100_runs(store: Any) -> None:
    with store.read():
        assert retention.global_policy() == KeepPolicy(runs=100, days=90)


def test_freed_pages_are_given_back_and_the_file_shrinks(store: Any, service: Any) -> None:
    task = service.create_task(command_task("t"))
    with store.write():
        _runs(task.id, ["succeeded"] * 300, age_days=3, output=4)
    db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    size_full = store.path.stat().st_size
    assert retention.prune_task(task.id, KeepPolicy(runs=1, days=0), NOW) == 299
    assert retention.free_pages() > 100
    given = retention.give_back_space(pages=500)
    assert given > 100 and retention.free_pages() == 0
    db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    assert store.path.stat().st_size < size_full / 4


def test_a_full_look_reads_only_tasks_with_more_finished_runs_than_the_fewest_kept(
        store: Any, service: Any) -> None:
    few = service.create_task(command_task("few", keep_runs=3))
    many = service.create_task(command_task("many", keep_runs=3))
    busy = service.create_task(command_task("busy"))  # the default keeps 100
    idle = service.create_task(command_task("idle"))
    with store.write():
        _runs(few.id, ["succeeded"] * 3 + ["running"], age_days=10)  # 3 finished: kept
        _runs(many.id, ["failed"] * 4, age_days=10)
        _runs(busy.id, ["succeeded"] * 5, age_days=10)  # over the fewest kept (3)
    with store.read():
        crowded = dict(retention.crowded_task_policies())
        every = dict(retention.task_policies())
    assert set(crowded) == {many.id, busy.id}  # a candidate, not yet a verdict
    assert crowded[many.id] == every[many.id] and crowded[busy.id] == every[busy.id]
    assert idle.id not in crowded
