"""Run now and Delete on many tasks at once (the window's selection): one commit for them all,
each task audited as the single call audits it, all or none — a refusal names the task and
changes nothing. Commits are counted by SQLite's own trace of this thread's statements."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.core.errors import InUseError, NotFoundError, ValidationError
from app.store.models import db
from tests.conftest import command_task

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@contextmanager
def counting(service: Any) -> Iterator[tuple[list[str], list[Any]]]:
    """The transactions this thread commits (their statements, as SQLite runs them) and the
    changes the service announces (what an engine in this process hears), meanwhile."""
    commits: list[str] = []
    changes: list[Any] = []

    def on_statement(sql: str) -> None:
        if sql.strip().upper().startswith("COMMIT"):
            commits.append(sql)

    con = db.connection()
    con.set_trace_callback(on_statement)
    service.subscribe(changes.append)
    try:
        yield commits, changes
    finally:
        service.unsubscribe(changes.append)
        con.set_trace_callback(None)


def _audit(service: Any) -> list[tuple[str, str, Any, Any]]:
    return [(e["action"], e["target"], e["before"], e["after"])
            for e in reversed(service.audit_events(limit=1000))]


def _unchanged(service: Any) -> Callable[[], tuple[Any, ...]]:
    """What a refused operation must leave as it was: tasks, runs and the audit."""
    def state() -> tuple[Any, ...]:
        return ([t.to_json() for t in service.list_tasks(sort="id")],
                [r.to_json() for r in service.list_runs(limit=1000)], _audit(service))
    return state


def test_runs_of_many_tasks_are_queued_in_one_commit_each_audited(service: Any) -> None:
    for name in ("a", "b", "c"):
        service.create_task(command_task(name), now=NOW)
    with counting(service) as (commits, changes):
        made = service.run_now_many(["a", "b", "c", "a"], now=NOW)
    assert len(commits) == 1
    assert [(r.task_name, r.status, r.trigger) for r in made] == [
        ("a", "queued", "manual"), ("b", "queued", "manual"), ("c", "queued", "manual"),
        ("a", "queued", "manual")]
    assert made[3].scheduled_for == NOW + timedelta(microseconds=1)  # the next microsecond
    assert len({r.id for r in made}) == 4
    # each as `run_now` audits it, and the engine hears of every run in the one change
    assert _audit(service)[-4:] == [("task.run_now", r.task_name, None, {"run_id": r.id})
                                    for r in made]
    assert [(c.runs, c.tasks) for c in changes] == [
        (frozenset(r.id for r in made), frozenset(r.task_id for r in made))]
    single = service.run_now("b", now=NOW)
    assert _audit(service)[-1] == ("task.run_now", "b", None, {"run_id": single.id})
    assert service.run_now_many([]) == []


def test_a_task_that_cannot_run_refuses_them_all_named_and_queues_none(service: Any) -> None:
    for name in ("a", "b", "far"):
        service.create_task(command_task(name), now=NOW)
    gone = service.create_task(command_task("gone"), now=NOW)
    service.delete_task("gone")
    state = _unchanged(service)
    before = state()
    with counting(service) as (commits, changes), pytest.raises(NotFoundError):
        service.run_now_many(["a", "b", gone.id], now=NOW)
    assert (commits, changes, state()) == ([], [], before)
    with service.store.write():  # a zone this machine's zone data lacks (a backup's)
        db.execute_sql("UPDATE task SET timezone = 'Atlantis/Capital' WHERE name = 'far'")
    before = state()
    with pytest.raises(ValidationError, match="'far' cannot run on this machine"):
        service.run_now_many(["a", "far", "b"], now=NOW)
    assert state() == before


def _linked(service: Any) -> None:
    """`up`, and three tasks that need it (a wait, a fallback, a trigger); `lone` needs none."""
    for data in (command_task("up"), command_task("down", depends_on=["up"]),
                 command_task("careful", fallback="up"),
                 command_task("chained", schedule={"kind": "after", "tasks": ["up"]}),
                 command_task("lone")):
        service.create_task(data, now=NOW)


def test_tasks_are_deleted_in_one_commit_each_audited_as_on_its_own(service: Any,
                                                                     tmp_path: Any) -> None:
    """Each deleted task's event and each task that lost links' event are the very ones
    that deleting them one by one records (a twin home, deleted a task at a time)."""
    from app.service import Service
    from app.store.database import Store

    _linked(service)
    gone = service.create_task(command_task("gone"), now=NOW)
    service.delete_task("gone")
    run = service.run_now("lone", now=NOW)
    with counting(service) as (commits, changes):
        deleted = service.delete_many(["up", gone.id, "lone", "up"], force=True,
                                      missing_ok=True, now=NOW)
    assert len(commits) == 1
    assert [name for _id, name in deleted] == ["up", "lone"]
    assert sorted(t.name for t in service.list_tasks()) == ["careful", "chained", "down"]
    with pytest.raises(NotFoundError):
        service.get_run(run.id)  # its run went with it
    ids = {t.name: t.id for t in service.list_tasks()}
    assert [(c.deleted_tasks, c.tasks) for c in changes] == [
        (frozenset(i for i, _name in deleted), frozenset(ids.values()))]
    batch = sorted(map(repr, _audit(service)[-5:]))
    service.store.close()
    twin = Service(Store.open(tmp_path / "twin", actor="cli"), "cli")
    try:
        _linked(twin)
        twin.run_now("lone", now=NOW)
        twin.delete_task("up", force=True, now=NOW)
        twin.delete_task("lone", force=True, now=NOW)
        assert sorted(map(repr, _audit(twin)[-5:])) == batch
    finally:
        twin.store.close()


def test_a_task_others_need_refuses_them_all_named_and_deletes_none(service: Any) -> None:
    """Without force, as `delete_task`: a task that runs, or that a task not deleted with it
    needs, refuses every one, named; tasks that need only ones deleted with them do not."""
    _linked(service)
    service.create_task(command_task("busy"), now=NOW)
    run = service.run_now("busy", now=NOW)
    state = _unchanged(service)
    before = state()
    with counting(service) as (commits, changes), pytest.raises(InUseError) as refused:
        service.delete_many(["lone", "up", "down"], now=NOW)
    assert refused.value.reason.startswith(  # (not 'down': it goes too)
        "'up' has a dependent task ('chained') and a task that falls back to it ('careful');")
    assert (commits, changes, state()) == ([], [], before)
    with pytest.raises(InUseError, match=f"'busy' has a run in progress \\(run {run.id} "):
        service.delete_many(["lone", "busy"], now=NOW)
    with pytest.raises(NotFoundError):
        service.delete_many(["lone", "nobody"], now=NOW)
    assert state() == before
    deleted = service.delete_many(["chained", "careful", "up", "down"], now=NOW)
    assert [name for _id, name in deleted] == ["chained", "careful", "up", "down"]
    assert sorted(t.name for t in service.list_tasks()) == ["busy", "lone"]
    assert [e[:2] for e in _audit(service)[-4:]] == [
        ("task.delete", "chained"), ("task.delete", "careful"), ("task.delete", "up"),
        ("task.delete", "down")]
