"""The engine's history retention: a task's runs are looked at after one finishes (debounced),
every task's at start and hourly; a real `tickwork engine` process prunes what the policy set
through the CLI lets go, gives the space back, and leaves audit events and unfinished runs."""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any

from app.engine.clock import SimulatedClock
from app.engine.events import RunChanged, TasksChanged
from app.engine.retention import Retention
from app.store.models import RunRow
from faults.harness import wait_until
from tests.conftest import command_task

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
_MINUTES = count()  # every run its own scheduled time


def _finished(task_id: int, n: int, status: str = "succeeded") -> list[int]:
    out = []
    for _ in range(n):
        at = NOW - timedelta(days=1) + timedelta(minutes=next(_MINUTES))
        out.append(RunRow.create(task=task_id, scheduled_for=at, status=status,
                                 finished_at=at if status == "succeeded" else None).id)
    return out


def test_a_finished_run_makes_its_task_looked_at_after_the_debounce_and_all_hourly(
        store: Any, service: Any) -> None:
    keep = service.create_task(command_task("keep3", keep_runs=3, keep_days=0))
    other = service.create_task(command_task("other", keep_runs=1, keep_days=0))
    with store.write():
        runs = _finished(keep.id, 5)
        others = _finished(other.id, 4)
    clock = SimulatedClock(NOW)
    stop = threading.Event()
    retention = Retention(stop, clock=clock, debounce=5, first=60, every=3600)
    retention.on_event(RunChanged(runs[-1], keep.id, "keep3", "succeeded", NOW))
    retention.on_event(RunChanged(others[-1], other.id, "other", "running", NOW))  # not done
    clock.call_later(10, stop.set)
    retention.run()  # on the simulated clock: returns when `stop` is set, 10 s on
    assert retention.total.runs == 2  # keep3 looked at 5 s after its run finished
    assert RunRow.select().where(RunRow.task == other.id).count() == 4  # not yet
    stop.clear()
    clock.call_later(70, stop.set)
    retention.run()
    assert retention.total.runs == 2 + 3  # the first look at every task, a minute on
    left = sorted(r.id for r in RunRow.select().where(RunRow.task == keep.id))
    assert left == runs[-3:]


def _looks(retention: Retention, clock: SimulatedClock, stop: threading.Event,
           calls: list[tuple[float, Any]], until: float) -> None:
    """Run the retention thread's body on the simulated clock, calling each `calls` entry at
    its second, until `until` seconds on."""
    for at, fn in calls:
        clock.call_later(at, fn)
    clock.call_later(until, stop.set)
    retention.run()


def _done(retention: Retention, task_id: int, run_id: int) -> None:
    retention.on_event(RunChanged(run_id, task_id, "t", "succeeded", NOW))


def test_runs_finished_after_a_look_are_counted_until_the_task_has_more_than_it_keeps(
        store: Any, service: Any) -> None:
    task = service.create_task(command_task("t", keep_runs=3, keep_days=0))
    with store.write():
        runs = _finished(task.id, 2)
    clock, stop = SimulatedClock(NOW), threading.Event()
    retention = Retention(stop, clock=clock, debounce=5, first=3600, every=3600)
    more: list[int] = []

    def two_more() -> None:
        with store.write():
            more.extend(_finished(task.id, 2))
        for run_id in more:
            _done(retention, task.id, run_id)

    _looks(retention, clock, stop, [(0, lambda: _done(retention, task.id, runs[-1])),
                                    (20, two_more)], until=40)
    assert retention.total.runs == 1  # 4 finished, 3 kept
    assert sorted(r.id for r in RunRow.select().where(RunRow.task == task.id)) == \
        runs[1:] + more


def test_a_changed_task_is_looked_at_by_its_new_policy(store: Any, service: Any) -> None:
    task = service.create_task(command_task("t", keep_runs=5, keep_days=0))
    with store.write():
        runs = _finished(task.id, 3)
    clock, stop = SimulatedClock(NOW), threading.Event()
    retention = Retention(stop, clock=clock, debounce=5, first=3600, every=3600)

    def keep_one() -> None:
        service.update_task(task.id, {"keep_runs": 1})
        retention.on_event(TasksChanged(frozenset({task.id})))
        _done(retention, task.id, runs[-1])

    _looks(retention, clock, stop, [(0, lambda: _done(retention, task.id, runs[-1])),
                                    (20, keep_one)], until=40)
    assert retention.total.runs == 2


def test_runs_kept_only_by_their_age_go_at_the_first_look_after_they_are_old_enough(
        store: Any, service: Any) -> None:
    task = service.create_task(command_task("t", keep_runs=1, keep_days=1))
    at = NOW - timedelta(days=1) + timedelta(minutes=10)  # old enough 10 minutes from NOW
    with store.write():
        runs = [RunRow.create(task=task.id, scheduled_for=at + timedelta(seconds=i),
                              status="succeeded", finished_at=at).id for i in range(2)]
    clock, stop = SimulatedClock(NOW), threading.Event()
    retention = Retention(stop, clock=clock, debounce=5, first=3600, every=3600)
    _looks(retention, clock, stop, [(0, lambda: _done(retention, task.id, runs[-1])),
                                    (60, lambda: _done(retention, task.id, runs[-1]))],
           until=120)
    assert retention.total.runs == 0  # too young at both looks
    stop.clear()
    _looks(retention, clock, stop, [(600, lambda: _done(retention, task.id, runs[-1]))],
           until=700)
    assert retention.total.runs == 1
    assert [r.id for r in RunRow.select().where(RunRow.task == task.id)] == runs[-1:]


def test_one_look_skips_tasks_that_are_gone(store: Any, service: Any) -> None:
    task = service.create_task(command_task("t", keep_runs=1, keep_days=0))
    with store.write():
        _finished(task.id, 3)
    retention = Retention(threading.Event(), clock=SimulatedClock(NOW))
    assert retention.prune({task.id, 9999}).runs == 2


def _db(home: Path) -> sqlite3.Connection:
    return sqlite3.connect(home / "tickwork.db")


def test_a_real_engine_prunes_to_the_policy_set_by_the_cli(spawn: Any, cli: Any,
                                                           home: Path) -> None:
    assert cli("task", "add", "chatty", "--command",
               "python3 -c \"print('x' * 200000)\"").code == 0
    assert cli("task", "add", "slow", "--command", "sleep 60").code == 0
    assert cli("task", "update", "chatty", "--keep-runs", "3", "--keep-days", "0").code == 0
    assert cli("settings", "--keep-runs", "1", "--keep-days", "0").code == 0
    engine = spawn(grace=0.1)  # `slow` is still running at the stop: no need to wait for it
    engine.wait_for("engine running")
    slow = cli("task", "run", "slow", "--json").json()  # stays running: never pruned
    for _ in range(8):
        assert cli("task", "run", "chatty", "--wait", "30").code == 0
    con = _db(home)
    audit_before = con.execute("SELECT COUNT(*) FROM audit_event").fetchone()[0]
    con.close()

    def chatty_runs_and_free_pages() -> tuple[int, int]:
        con = _db(home)
        try:
            runs = con.execute("SELECT COUNT(*) FROM run r JOIN task t ON t.id = r.task_id "
                               "WHERE t.name = 'chatty'").fetchone()[0]
            return int(runs), int(con.execute("PRAGMA freelist_count").fetchone()[0])
        finally:
            con.close()

    # the newest 3 are left, and the pages the others held are given back to the disk
    wait_until(lambda: (lambda runs, free: runs == 3 and free < 50)(
        *chatty_runs_and_free_pages()), 30)
    assert "free pages given back" in engine.text()
    con = _db(home)
    try:
        assert con.execute("SELECT status FROM run WHERE id = ?",
                           (slow["id"],)).fetchone()[0] == "running"
        orphans = con.execute("SELECT COUNT(*) FROM run_output WHERE run_id NOT IN "
                              "(SELECT id FROM run)").fetchone()[0]
        assert orphans == 0
        assert con.execute("PRAGMA auto_vacuum").fetchone()[0] == 2
        assert con.execute("SELECT COUNT(*) FROM audit_event").fetchone()[0] >= audit_before
    finally:
        con.close()
    assert cli("audit", "--verify").code == 0
    assert engine.stop() == 0


def test_a_failed_attempt_whose_retry_waits_keeps_the_checkpoint_it_resumes_from(
        spawn: Any, cli: Any, home: Path, tmp_path: Path) -> None:
    """Keep the last run, by count alone: a failed attempt's retry, due 6 s on, resumes from
    the checkpoint its fire's failed attempt saved. Another fire of the task ending meanwhile
    made that attempt no longer the newest, and the look after it deleted it, checkpoint and
    all: the retry began again from nothing ("resumed null")."""
    marks = tmp_path / "marks"
    assert cli("task", "add", "resumable", "--python",
               "tests.engine.actions:checkpoint_then_fail", "--kwargs",
               json.dumps({"marks": str(marks)}), "--manual", "--retries", "1",
               "--retry-delay", "6s", "--keep-runs", "1", "--keep-days", "0").code == 0
    engine = spawn()
    engine.wait_for("engine running")
    assert cli("task", "run", "resumable").code == 0
    wait_until(lambda: marks.exists() and marks.read_text().count("attempt 1") == 1, 20)
    assert cli("task", "run", "resumable").code == 0  # a second fire: it fails too

    def attempts() -> list[tuple[int, int, str]]:
        con = _db(home)
        try:
            return [(int(a), int(i), str(s)) for i, a, s in con.execute(
                "SELECT id, attempt, status FROM run ORDER BY id")]
        finally:
            con.close()

    # both fires' retries end, the newest run alone is kept after that
    wait_until(lambda: marks.read_text().count("attempt 2") == 2, 40)
    engine.stop()
    said = marks.read_text().splitlines()
    assert said.count('attempt 2 resumed {"done": 5}') == 2, (said, attempts())
