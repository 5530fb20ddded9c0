"""The audit trail is chained with a keyed hash and its head is kept in the keyring: any
edit, deletion, reordering, truncation or rollback is found and named."""

from __future__ import annotations

import json
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
    assert not report.ok and report.event_id == 5 and report.missing == 1
    assert "ends at event 4 but the keyring says 5 events were recorded: 1 missing" \
        in (report.problem or "")


def test_deleted_newest_event_with_rewritten_head_is_detected(audited: Any,
                                                              home: Path) -> None:
    raw(home, "DELETE FROM audit_event WHERE id=5")
    raw(home, "UPDATE meta SET value=(SELECT hash FROM audit_event WHERE id=4) "
              "WHERE key='audit_head'")
    report = audited.verify_audit()
    assert not report.ok and report.event_id == 5 and report.missing == 1


def test_deleted_first_event_is_named(audited: Any, home: Path) -> None:
    raw(home, "DELETE FROM audit_event WHERE id=1")
    report = audited.verify_audit()
    assert not report.ok and report.event_id == 1 and "event 1 is missing" in report.problem


def test_forged_tail_without_the_key_is_detected(audited: Any, home: Path) -> None:
    """Rewriting an event and everything after it with plain SHA-256 (all an attacker without
    the key can do) is named at the first rewritten event."""
    from app.store.audit import canonical, chain_hash

    con = sqlite3.connect(home / "tickwork.db")
    rows = con.execute("SELECT id, at, actor, action, target, before, after, prev_hash "
                       "FROM audit_event WHERE id >= 3 ORDER BY id").fetchall()
    prev = rows[0][7]
    for ev_id, at, _actor, action, target, before, after, _prev in rows:
        body = canonical(at, "gui", action, target, json.loads(before) if before else None,
                         json.loads(after) if after else None)
        digest = chain_hash(prev, body)
        con.execute("UPDATE audit_event SET actor='gui', prev_hash=?, hash=? WHERE id=?",
                    (prev, digest, ev_id))
        prev = digest
    con.execute("UPDATE meta SET value=? WHERE key='audit_head'", (prev,))
    con.commit()
    con.close()
    report = audited.verify_audit()
    assert not report.ok and report.event_id == 3 and "not keyed" in report.problem


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
