"""The service API over a real store: validation, references, cycles, import/export."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.core.errors import (
    CycleError,
    InUseError,
    NotFoundError,
    SecretStoreUnavailable,
    ValidationError,
)
from tests.conftest import command_task

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def test_create_list_show_round_trip(service: Any) -> None:
    task = service.create_task(command_task("backup", schedule={"kind": "cron",
                                                                "expr": "0 2 * * *"}), now=NOW)
    assert task.id > 0
    assert task.next_run_at == datetime(2026, 6, 2, 2, 0, tzinfo=UTC)
    listed = service.list_tasks()
    assert [t.name for t in listed] == ["backup"]
    data = service.get_task("backup").to_json()
    assert data["schedule"] == {"kind": "cron", "expr": "0 2 * * *"}
    assert data["last_run"] is None
    assert service.get_task(str(task.id)).name == "backup"


def test_update_merges_and_recomputes_next_run(service: Any) -> None:
    service.create_task(command_task("t", schedule={"kind": "interval", "seconds": 60}), now=NOW)
    updated = service.update_task("t", {"schedule": {"kind": "interval", "seconds": 3600},
                                        "priority": 3}, now=NOW)
    assert updated.spec.priority == 3
    assert updated.next_run_at == NOW + timedelta(hours=1)
    assert updated.spec.action.argv == ("true",)


def test_a_form_writes_what_it_changed_over_what_changed_since_it_read(service: Any) -> None:
    """A form passes the task as it read it: a rename and a stdin set elsewhere meanwhile
    stay (its form shows no stdin), and its own change lands; the same field changed in
    both is refused unless the form overwrites it."""
    from app.core.edits import Opened
    from app.core.errors import ChangedElsewhere
    read = service.create_task(command_task("t", action={"kind": "command", "argv": ["cat"]}),
                               now=NOW)
    form = read.spec.to_json()
    form["action"] = {k: v for k, v in form["action"].items() if k != "stdin"}
    service.update_task("t", {"name": "t2", "action": {**form["action"], "stdin": "hello"}},
                        now=NOW)
    saved = service.update_task(read.id, {**form, "priority": 4}, now=NOW,
                                since=Opened(read.spec.to_json()))
    assert (saved.name, saved.spec.priority, saved.spec.action.stdin) == ("t2", 4, "hello")
    with pytest.raises(ChangedElsewhere, match="“t2” was changed elsewhere while you edited "
                                               "it: the name \\(now “t2”, yours “t3”\\) and "
                                               "the priority \\(now 4, yours 5\\)"):
        service.update_task(read.id, {**form, "name": "t3", "priority": 5}, now=NOW,
                            since=Opened(read.spec.to_json()))
    assert service.get_task(read.id).spec.priority == 4
    saved = service.update_task(read.id, {**form, "name": "t3", "priority": 5}, now=NOW,
                                since=Opened(read.spec.to_json()), overwrite=True)
    assert (saved.name, saved.spec.priority, saved.spec.action.stdin) == ("t3", 5, "hello")


def test_an_edit_that_keeps_the_timing_keeps_the_next_fire(service: Any) -> None:
    """A fire missed while no engine ran stays the task's next fire through an edit that does
    not change when it fires, whatever the edit sends as it was (the editor sends all)."""
    created = service.create_task(command_task("t", schedule={"kind": "interval", "seconds": 60},
                                               timezone="Europe/Berlin"), now=NOW)
    later = NOW + timedelta(minutes=10)
    same = {k: created.spec.to_json()[k] for k in ("schedule", "timezone", "start_at", "end_at")}
    kept = service.update_task("t", {**same, "description": "a note"}, now=later)
    assert kept.next_run_at == NOW + timedelta(minutes=1)
    moved = service.update_task("t", {"timezone": "UTC"}, now=later)
    assert moved.next_run_at == later + timedelta(minutes=1)  # a new timing: from now on


@pytest.mark.parametrize(("data", "field"), [
    ({"schedule": {"kind": "cron", "expr": "61 * * * *"}}, "cron"),
    ({"timezone": "Mars/Olympus"}, "tz"),
    ({"schedule": {"kind": "date", "at": "2020-01-01T00:00:00+00:00"}}, "at"),
    ({"depends_on": ["nope"]}, "depends_on"),
    ({"priority": "high"}, "priority"),
    ({"retries": -1}, "retries"),
    ({"overlap": "sometimes"}, "overlap"),
    ({"env": {"1BAD": "x"}}, "env"),
    ({"action": {"kind": "python", "target": "no colon"}}, "python"),
    ({"action": {"kind": "command", "argv": ["x" * 1_000_001]}}, "command"),
    ({"name": ""}, "name"),
    ({"name": "a\nb"}, "name"),
    ({"colour": "blue"}, "colour"),
    ({"secret_env": {"TOKEN": "missing"}}, "secret_env"),
    ({"fallback": "ghost"}, "fallback"),
])
def test_bad_input_names_the_field_and_changes_nothing(service: Any, data: dict[str, Any],
                                                       field: str) -> None:
    before = service.audit_events()
    with pytest.raises(ValidationError) as info:
        service.create_task({**command_task("t"), **data}, now=NOW)
    assert info.value.field == field, str(info.value)
    assert service.count_tasks() == 0
    assert service.audit_events() == before


def test_sqlish_and_unicode_names_are_just_names(service: Any) -> None:
    for name in ("x'); DROP TABLE task; --", "Ünïcødé ✓ 任务", "100% _done_"):
        service.create_task(command_task(name))
    assert service.count_tasks() == 3
    assert service.get_task("Ünïcødé ✓ 任务").name == "Ünïcødé ✓ 任务"
    assert [t.name for t in service.list_tasks(search="100%")] == ["100% _done_"]
    assert [t.name for t in service.list_tasks(search="_d")] == ["100% _done_"]


def test_duplicate_name_refused(service: Any) -> None:
    service.create_task(command_task("a"))
    with pytest.raises(ValidationError, match="already exists"):
        service.create_task(command_task("a"))
    service.create_task(command_task("b"))
    with pytest.raises(ValidationError, match="already exists"):
        service.update_task("b", {"name": "a"})


def test_cycle_is_refused_and_named(service: Any) -> None:
    service.create_task(command_task("A"))
    service.create_task(command_task("B", depends_on=["A"]))
    service.create_task(command_task("C", depends_on=["B"]))
    with pytest.raises(CycleError) as info:
        service.update_task("A", {"depends_on": ["C"]})
    assert info.value.cycle == ["A", "B", "C", "A"]
    assert "A → B → C → A" in str(info.value)
    assert service.get_task("A").spec.depends_on == ()


def test_self_dependency_is_a_cycle(service: Any) -> None:
    with pytest.raises(ValidationError, match="cycle"):
        service.create_task(command_task("A", depends_on=["A"]))


def test_delete_with_dependents_needs_force(service: Any) -> None:
    """Every reason is named at once, with what deleting anyway does — also that a task
    following it alone then runs only by hand; each task that loses a link is audited."""
    service.create_task(command_task("up"))
    service.create_task(command_task("other"))
    service.create_task(command_task("down", depends_on=["up"]))
    service.create_task(command_task("careful", fallback="up"))
    service.create_task(command_task("chained", schedule={"kind": "after", "tasks": ["up"]}))
    service.create_task(command_task("both", schedule={"kind": "after",
                                                       "tasks": ["up", "other"]}))
    run = service.run_now("up")
    with pytest.raises(InUseError) as refused:
        service.delete_task("up")
    assert refused.value.reason == (
        f"'up' has a run in progress (run {run.id} queued) and dependent tasks ('both', "
        "'chained', 'down') and a task that falls back to it ('careful'); deleting it "
        "anyway cancels it, removes those dependencies ('chained' then runs only when "
        "started by hand, following no other task) and leaves it without a fallback")
    service.delete_task("up", force=True)
    assert service.get_task("down").spec.depends_on == ()
    assert service.get_task("careful").spec.fallback is None
    assert service.get_task("chained").spec.schedule.kind == "manual"
    assert service.get_task("both").spec.schedule.after == ("other",)
    with pytest.raises(NotFoundError):
        service.get_task("up")
    changed = {e["target"]: e for e in service.audit_events(limit=10)
               if e["action"] == "task.update"}
    assert sorted(changed) == ["both", "careful", "chained", "down"]
    assert changed["chained"]["before"]["schedule"] == {"kind": "after", "tasks": ["up"]}
    assert changed["chained"]["after"]["schedule"] == {"kind": "manual"}


def test_a_task_that_waits_for_and_follows_the_deleted_one_is_named_as_left_by_hand(
        service: Any) -> None:
    """Two links to one upstream (a wait and a trigger) still count it as the only task
    the chain follows."""
    service.create_task(command_task("up"))
    service.create_task(command_task("tied", depends_on=["up"],
                                     schedule={"kind": "after", "tasks": ["up"]}))
    with pytest.raises(InUseError) as refused:
        service.delete_task("up")
    assert "('tied' then runs only when started by hand, following no other task)" in (
        refused.value.reason)


def test_pause_and_resume(service: Any) -> None:
    service.create_task(command_task("t", schedule={"kind": "interval", "seconds": 60}), now=NOW)
    paused = service.set_enabled("t", False, now=NOW)
    assert not paused.spec.enabled and paused.next_run_at is None
    resumed = service.set_enabled("t", True, now=NOW)
    assert resumed.next_run_at == NOW + timedelta(minutes=1)


def test_tasks_are_paused_together_all_or_none_each_audited(service: Any) -> None:
    """The window's Pause on a selection: one commit for them all (a commit each took 7 s
    for 200), each task's pause in the audit as on its own; one gone meanwhile pauses
    none, rather than some."""
    for name in ("a", "b", "c"):
        service.create_task(command_task(name, schedule={"kind": "interval", "seconds": 60}),
                            now=NOW)
    gone = service.create_task(command_task("gone"), now=NOW)
    service.delete_task("gone")
    with pytest.raises(NotFoundError):
        service.set_enabled_many(["a", "b", gone.id], False, now=NOW)
    assert service.count_tasks(enabled=True) == 3
    done = service.set_enabled_many(["a", "b"], False, now=NOW)
    assert [(t.name, t.spec.enabled) for t in done] == [("a", False), ("b", False)]
    assert service.count_tasks(enabled=True) == 1
    assert sorted(e["target"] for e in service.audit_events(search="task.pause")) == ["a", "b"]
    assert [t.spec.enabled for t in service.set_enabled_many(["a", "c"], False)] == [False,
                                                                                      False]
    assert service.set_all_enabled(True) == 3 and service.count_tasks(enabled=True) == 3


def test_run_now_queues_a_manual_run(service: Any) -> None:
    service.create_task(command_task("t"))
    first = service.run_now("t")
    second = service.run_now("t")
    assert first.status == "queued" and first.trigger == "manual"
    assert first.id != second.id
    cancelled = service.cancel_run(first.id)
    assert cancelled.status == "cancelled"
    with pytest.raises(ValidationError, match="already finished"):
        service.cancel_run(first.id)


def test_export_import_round_trip(service: Any, tmp_path: Path) -> None:
    service.create_task(command_task("a", schedule={"kind": "interval", "seconds": 60},
                                     tags=["x"]))
    service.create_task(command_task("b", depends_on=["a"], priority=4))
    service.create_task(command_task("c", schedule={"kind": "after", "tasks": ["a", "b"]}))
    path = tmp_path / "tasks.json"
    assert service.export_tasks(path) == (3, 0)
    data = json.loads(path.read_text())
    assert data["version"] == 1 and len(data["tasks"]) == 3
    for item in data["tasks"]:
        item.pop("id")
        item["name"] = item["name"] + "2"  # (names are one regardless of letter case)
        item["depends_on"] = [n + "2" for n in item["depends_on"]]
        if item["schedule"]["kind"] == "after":
            item["schedule"]["tasks"] = [n + "2" for n in item["schedule"]["tasks"]]
    path.write_text(json.dumps(data))
    report = service.import_tasks(path)
    assert sorted(report.created) == ["a2", "b2", "c2"]
    assert service.get_task("b2").spec.depends_on == ("a2",)
    assert service.get_task("c2").spec.schedule.after == ("a2", "b2")


@pytest.mark.parametrize("content", [
    "{not json", '{"version": 1}', '{"version": 2, "tasks": []}',
    '{"version": 1, "tasks": [{"name": "x", "action": {"kind": "command", "argv": ["true"]},'
    ' "schedule": {"kind": "cron", "expr": "bad"}}]}',
    '{"version": 1, "tasks": [{"name": "x", "action": {"kind": "command", "argv": ["true"]},'
    ' "shoe_size": 3}]}',
    '{"version": 1, "tasks": [{"name": "p", "action": {"kind": "command", "argv": ["true"]},'
    ' "depends_on": ["q"]}, {"name": "q", "action": {"kind": "command", "argv": ["true"]},'
    ' "depends_on": ["p"]}]}',
])
def test_bad_import_changes_nothing(service: Any, tmp_path: Path, content: str) -> None:
    service.create_task(command_task("existing"))
    path = tmp_path / "in.json"
    path.write_text(content)
    with pytest.raises(ValidationError):
        service.import_tasks(path)
    assert [t.name for t in service.list_tasks()] == ["existing"]


def test_secrets_go_to_the_keyring_not_the_store(service: Any, home: Path) -> None:
    service.set_secret("api-token", "s3cr3t-value")
    service.create_task(command_task("t", secret_env={"TOKEN": "api-token"}))
    assert service.list_secrets() == ["api-token"]
    for path in home.iterdir():
        assert b"s3cr3t-value" not in path.read_bytes(), path
    assert service.keyring.get("api-token") == "s3cr3t-value"


def test_no_keyring_backend_refuses_secrets(service: Any, home: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring
    from keyring.backends import fail

    monkeypatch.setattr(keyring.core, "_keyring_backend", fail.Keyring())
    with pytest.raises(SecretStoreUnavailable, match="no usable keyring"):
        service.set_secret("x", "value")
    assert service.list_secrets() == []
