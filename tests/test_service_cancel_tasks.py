"""`Service.cancel_runs_of`: every run in progress of some tasks cancelled in one commit (the
window's Stop runs, `tickwork task cancel`), each audited as `cancel_run` audits it, the
change said once; a run already ended is passed over, an unknown task refuses them all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.core.errors import NotFoundError
from app.service import Change
from tests.conftest import command_task

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _manual(service: Any, *names: str) -> None:
    for name in names:
        service.create_task(command_task(name, schedule={"kind": "manual"}), now=NOW)


def _cancels(service: Any) -> list[dict[str, Any]]:
    return [e for e in reversed(service.audit_events(search="run.cancel"))
            if e["action"] == "run.cancel"]


def test_every_run_in_progress_of_the_tasks_in_one_commit(service: Any) -> None:
    _manual(service, "a", "b", "idle", "other")
    done = service.run_now("a", now=NOW)
    service.cancel_run(done.id, now=NOW)  # ended before: passed over
    a1, a2 = service.run_now("a", now=NOW), service.run_now("a", now=NOW)
    b1 = service.run_now("b", now=NOW)
    o1 = service.run_now("other", now=NOW)  # not asked: left as it is
    heard: list[Change] = []
    service.subscribe(heard.append)
    later = NOW + timedelta(minutes=1)
    stopped = service.cancel_runs_of(["b", "a", "idle"], now=later)

    assert dict(stopped.tasks) == {service.get_task(n).id: n for n in ("b", "a", "idle")}
    assert [r.id for r in stopped.cancelled] == [a1.id, a2.id, b1.id]
    assert {r.status for r in stopped.cancelled} == {"cancelled"}  # no engine held them
    assert stopped.asked_before == []
    for run in (a1, a2, b1):
        again = service.get_run(run.id)
        assert (again.status, again.finished_at, again.error, again.reason) == (
            "cancelled", later, "cancelled on request", None)
    assert service.get_run(done.id).finished_at == NOW
    assert service.get_run(o1.id).status == "queued"
    events = _cancels(service)
    assert [e["target"] for e in events] == [f"a#{done.id}", f"a#{a1.id}", f"a#{a2.id}",
                                             f"b#{b1.id}"]
    assert [e["before"] for e in events[1:]] == [{"status": "queued"}] * 3
    assert {e["at"] for e in events[1:]} == {later.isoformat()}
    (change,) = heard  # said once, for them all
    assert change.runs == {a1.id, a2.id, b1.id}
    assert change.tasks == {service.get_task("a").id, service.get_task("b").id}


def test_nothing_in_progress_changes_nothing_and_says_nothing(service: Any) -> None:
    _manual(service, "a")
    heard: list[Change] = []
    service.subscribe(heard.append)
    stopped = service.cancel_runs_of(["a"], now=NOW)
    assert (stopped.cancelled, stopped.asked_before) == ([], [])
    assert list(stopped.tasks.values()) == ["a"]
    assert heard == [] and _cancels(service) == []


def test_an_unknown_task_refuses_them_all_unless_passed_over(service: Any) -> None:
    _manual(service, "a")
    run = service.run_now("a", now=NOW)
    with pytest.raises(NotFoundError, match="ghost"):
        service.cancel_runs_of(["a", "ghost"], now=NOW)
    assert service.get_run(run.id).status == "queued" and _cancels(service) == []
    stopped = service.cancel_runs_of(["ghost", "a", 999], now=NOW, missing_ok=True)
    assert list(stopped.tasks.values()) == ["a"]
    assert [r.id for r in stopped.cancelled] == [run.id]
