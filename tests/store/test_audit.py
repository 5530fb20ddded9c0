"""The audit trail is hash-chained: any edit, deletion or reordering is found."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import command_task


@pytest.fixture
def audited(service: Any) -> Any:
    service.create_task(command_task("a"))
    service.create_task(command_task("b"))
    service.update_task("a", {"priority": 5})
    service.set_enabled("b", False)
    service.delete_task("b")
    return service


def raw(home: Path, sql: str, *params: Any) -> None:
    con = sqlite3.connect(home / "tickwork.db")
    con.execute(sql, params)
    con.commit()
    con.close()


def test_every_change_is_audited_with_before_and_after(audited: Any) -> None:
    events = list(reversed(audited.audit_events()))
    actions = [e["action"] for e in events]
    assert actions == ["task.create", "task.create", "task.update", "task.pause", "task.delete"]
    update = events[2]
    assert update["actor"] == "cli" and update["target"] == "a"
    assert update["before"]["priority"] == 0 and update["after"]["priority"] == 5
    assert events[4]["after"] is None and events[4]["before"]["name"] == "b"
    assert audited.verify_audit().ok


def test_edited_event_is_detected(audited: Any, home: Path) -> None:
    raw(home, "UPDATE audit_event SET actor='gui' WHERE id=3")
    report = audited.verify_audit()
    assert not report.ok and report.event_id == 3 and "altered" in (report.problem or "")


def test_deleted_middle_event_is_detected(audited: Any, home: Path) -> None:
    raw(home, "DELETE FROM audit_event WHERE id=2")
    assert not audited.verify_audit().ok


def test_deleted_newest_event_is_detected(audited: Any, home: Path) -> None:
    raw(home, "DELETE FROM audit_event WHERE id=(SELECT MAX(id) FROM audit_event)")
    report = audited.verify_audit()
    assert not report.ok and "newest" in (report.problem or "")


def test_reordered_events_are_detected(audited: Any, home: Path) -> None:
    raw(home, "UPDATE audit_event SET id=100 WHERE id=2")
    raw(home, "UPDATE audit_event SET id=2 WHERE id=3")
    raw(home, "UPDATE audit_event SET id=3 WHERE id=100")
    assert not audited.verify_audit().ok


def test_failed_change_writes_no_audit_event(service: Any) -> None:
    from app.core.errors import ValidationError

    service.create_task(command_task("a"))
    before = len(service.audit_events())
    with pytest.raises(ValidationError):
        service.create_task(command_task("a"))
    assert len(service.audit_events()) == before
