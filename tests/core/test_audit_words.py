"""Audit events as sentences (issue 10, point 9): every action the code writes has words."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest

from app.core.audit_words import SENTENCES, sentence

APP = Path(__file__).resolve().parents[2] / "app"
ACTION = re.compile(r"^(task|tasks|run|runs|secret|secrets|store|audit|settings)\.[a-z_]+$")


def _task(name: str = "Backup", **changes: Any) -> dict[str, Any]:
    task: dict[str, Any] = {
        "name": name, "description": "", "enabled": True, "tags": [],
        "action": {"kind": "command", "argv": ["rsync", "-a", "notes", "/backup"],
                   "shell": False, "cwd": None},
        "schedule": {"kind": "cron", "expr": "0 2 * * *"}, "timezone": "UTC",
        "start_at": None, "end_at": None, "priority": 0, "retries": 0, "retry_delay": 60,
        "backoff": "fixed", "timeout": None, "max_instances": 1, "overlap": "skip",
        "group": None, "group_limit": None, "catch_up": "once", "depends_on": [], "env": {},
        "secret_env": {}, "notify": {"on_failure": True, "on_success": False},
        "fallback": None, "dependency_timeout": None}
    task.update(changes)
    return task


def _event(action: str, target: str | None, before: Any = None,
           after: Any = None) -> dict[str, Any]:
    return {"action": action, "target": target, "before": before, "after": after,
            "actor": "gui"}


def test_every_action_written_in_app_has_its_sentence() -> None:
    written = set()
    for path in APP.rglob("*.py"):
        if path.name == "audit_words.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and ACTION.match(node.value):
                written.add(node.value)
    assert written >= {"task.create", "task.update", "task.delete", "task.run_now"}
    assert written <= set(SENTENCES), sorted(written - set(SENTENCES))


@pytest.mark.parametrize(("event", "expected"), [
    (_event("task.create", "Backup", None, _task()),
     "Created task “Backup”, which runs at 02:00 (UTC)"),
    (_event("task.import", "Backup", None, _task(schedule={"kind": "manual"})),
     "Imported task “Backup”, which runs only when run by hand"),
    (_event("task.update", "Backup", _task(),
            _task(schedule={"kind": "interval", "seconds": 3600})),
     "Changed the schedule of “Backup” from “At 02:00 (UTC)” to “Every hour”"),
    (_event("task.update", "Nightly", _task(), _task("Nightly")),
     "Renamed task “Backup” to “Nightly”"),
    (_event("task.update", "Backup", _task(), _task(priority=5)),
     "Changed the priority of “Backup” from 0 to 5"),
    (_event("task.update", "Backup", _task(),
            _task(priority=5, action={"kind": "command", "argv": ["true"], "shell": False,
                                      "cwd": None})),
     "Changed task “Backup”: the command from “rsync -a notes /backup” to “true” and "
     "the priority from 0 to 5"),
    (_event("task.update", "Backup", _task(action={"kind": "python", "target": "m:f",
                                                "kwargs": {"a": 1, "b": 2}}),
            _task(action={"kind": "python", "target": "m:f", "kwargs": {}}, timeout=5.0)),
     "Changed task “Backup”: the arguments from {\"a\": 1, \"b\": 2} to {} and the time limit "
     "from none to 5s"),  # it said "the command from “m:f” to “m:f”", and "to 5.0"
    (_event("task.update", "Backup", _task(), _task(
        action={"kind": "command", "argv": ["rsync -a notes /backup"], "shell": True,
                "cwd": "/srv"})),
     "Changed task “Backup”: ran it through the shell and the working folder from none to "
     "/srv"),
    (_event("task.update", "Backup", _task(), _task(env={"A": "1"}, description="x")),
     "Changed task “Backup”: the description and the environment (added A)"),
    (_event("task.update", "Backup", _task(), _task(tags=["nightly"])),
     "Changed the tags of “Backup” from none to nightly"),
    (_event("task.update", "Backup", _task(), _task(env={"A": "1"})),
     "Changed the environment of “Backup” (added A)"),
    (_event("task.update", "Backup", _task(), _task(enabled=False)),
     "Changed task “Backup”: paused it"),
    (_event("task.update", "Backup", _task(), _task()), "Saved task “Backup” without changes"),
    (_event("task.delete", "Backup", _task(), None), "Deleted task “Backup”"),
    (_event("task.pause", "Backup", _task(), _task(enabled=False)),
     "Paused “Backup”: it does not run on its schedule until resumed"),
    (_event("task.resume", "Backup", _task(enabled=False), _task()),
     "Resumed “Backup”: it runs on its schedule again"),
    (_event("task.run_now", "Slow ticker", None, {"run_id": 5}),
     "Ran “Slow ticker” by hand (run 5)"),
    (_event("run.cancel", "Slow ticker#12", {"status": "running"}, None),
     "Cancelled run 12 of “Slow ticker” (it was running)"),
    (_event("secret.set", "API_TOKEN", None, {"created": True}),
     "Stored a new secret “API_TOKEN” in the keyring"),
    (_event("secret.set", "API_TOKEN", None, {"created": False}),
     "Replaced the value of the secret “API_TOKEN” in the keyring"),
    (_event("secret.delete", "API_TOKEN", None, None),
     "Deleted the secret “API_TOKEN” from the keyring"),
    (_event("tasks.export", "/tmp/tasks.json", None, {"tasks": 12}),
     "Exported 12 tasks to /tmp/tasks.json"),
    (_event("tasks.import", "/tmp/tasks.json", None, {"created": ["a"] * 12}),
     "Imported 12 tasks from /tmp/tasks.json"),
    (_event("tasks.import", "/tmp/one.json", None, {"created": ["a"]}),
     "Imported 1 task from /tmp/one.json"),
    (_event("tasks.import", "/tmp/one.json", None, {"created": ["a"], "notes": [
        "group 'nightly' keeps this home's limit of 5 (the file gives 2): 'g' is already in it"
    ]}), "Imported 1 task from /tmp/one.json; group 'nightly' keeps this home's limit of 5 "
         "(the file gives 2): 'g' is already in it"),
    (_event("store.permissions_fixed", "/home/me/.tickwork",
            {"modes": {"tickwork.db": "0o644"}}, {"modes": {"tickwork.db": "0o600"}}),
     "Fixed the permissions of 1 file in /home/me/.tickwork so only you can read it: "
     "tickwork.db 644 → 600"),
    (_event("store.permissions_fixed", "/home/me/.tickwork",
            {"modes": {"/home/me/.tickwork": "0o755"}}, {"modes": {"/home/me/.tickwork": "0o700"}}),
     "Fixed the permissions of the folder /home/me/.tickwork so only you can read it: "
     "/home/me/.tickwork 755 → 700"),
    (_event("store.permissions_fixed", "/home/me/.tickwork",
            {"modes": {"/home/me/.tickwork": "0o755", "/home/me/.tickwork/tickwork.db": "0o644",
                       "/home/me/.tickwork/tickwork.db-wal": "0o644"}},
            {"modes": {"/home/me/.tickwork": "0o700", "/home/me/.tickwork/tickwork.db": "0o600",
                       "/home/me/.tickwork/tickwork.db-wal": "0o600"}}),
     "Fixed the permissions of the folder /home/me/.tickwork and 2 files in it so only you "
     "can read them: /home/me/.tickwork 755 → 700, tickwork.db 644 → 600, "
     "tickwork.db-wal 644 → 600"),
    (_event("store.restore", "backup-2026-12-01.db", None, None),
     "Restored the store from a backup (backup-2026-12-01.db)"),
    (_event("store.restore", "/tmp/backup.db", None, {"trusted_owner": "bob"}),
     "Restored the store from a backup (/tmp/backup.db), a file of bob's, whom you chose to "
     "trust"),
    (_event("tasks.import", "crontab /tmp/crontab", None, {"created": ["a"],
                                                          "trusted_owner": "bob"}),
     "Imported 1 task from crontab /tmp/crontab, a file of bob's, whom you chose to trust"),
    (_event("audit.accept_unkeyed", None, None, {"events": [[2, "ab"], [5, "cd"]]}),
     "Accepted 2 events (2, 5) recorded while the keyring was unavailable"),
    (_event("audit.key_export", "/tmp/audit.key", None, {"store": "s1"}),
     "Wrote the store's audit key to /tmp/audit.key, for another home on the store"),
    (_event("audit.key_import", "/tmp/audit.key", None, {"store": "s1"}),
     "Kept the store's audit key from /tmp/audit.key in this home's keyring: its events are "
     "keyed"),
    (_event("settings.keep", None, {"keep_runs": 100, "keep_days": 90},
            {"keep_runs": 1, "keep_days": 30}),
     "Changed the history kept by default from “90 days, at least the newest 100 runs” to "
     "“30 days, at least the newest 1 run”"),
    (_event("settings.keep", None, None, {"keep_runs": 5, "keep_days": 1}),
     "Changed the history kept by default to “1 day, at least the newest 5 runs”"),
    (_event("engine.lead", "host:42:1"), "An engine took the lead of the store (host:42:1)"),
    (_event("engine.start", None), "The engine started"),
    (_event("engine.stopped", "pid 42"), "The engine stopped (pid 42)"),
    (_event("engine.disk_full", None), "The engine: disk full"),
    (_event("widget.frobnicate_all", "X"), "Widget: frobnicate all “X”"),
    (_event("", None), "Event"),
])
def test_sentence(event: dict[str, Any], expected: str) -> None:
    assert sentence(event) == expected


def test_a_secret_value_is_never_shown_even_if_an_event_carried_one() -> None:
    event = _event("secret.set", "API_TOKEN", {"value": "old-s3cret"},
                   {"created": False, "value": "new-s3cret"})
    text = sentence(event)
    assert "API_TOKEN" in text and "s3cret" not in text


def test_a_damaged_event_still_reads_as_words() -> None:
    assert sentence(_event("task.update", "Backup", "not json", 3)) == "Changed task “Backup”"
    assert sentence(_event("task.create", "Backup", None, {"schedule": "??"})) \
        == "Created task “Backup”, which runs unknown"
    assert sentence({"action": "task.run_now"}) == "Ran “” by hand"


def test_variables_are_named_never_their_values() -> None:
    """"Changed the secret variables of …" was said of an add and a remove alike (a
    run-through under X): the names are said, the values never."""
    before = {"name": "extract", "priority": 0, "secret_env": {"API_TOKEN": "extract.API_TOKEN",
                                                "DB": "shared.db"}, "env": {"A": "1"}}
    removed = {**before, "secret_env": {"DB": "shared.db"}}
    assert sentence({"action": "task.update", "target": "extract", "before": before,
                     "after": removed}) == (
        "Changed the secret variables of “extract” (removed API_TOKEN)")
    both = {**removed, "env": {"A": "tw-new-value", "B": "x"}, "priority": 3}
    said = sentence({"action": "task.update", "target": "extract", "before": before,
                     "after": both})
    assert said == ("Changed task “extract”: the priority from 0 to 3; the environment "
                    "(added B; changed A) and the secret variables (removed API_TOKEN)"), said
    assert "tw-new-value" not in said
