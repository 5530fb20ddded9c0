"""The upgrade a user makes: a home made and used by an older Tickwork, opened by this one.

The fixture (tests/store/upgrade_v3/, made by make.sh there with the code of commit 706479b,
schema 3) is what that Tickwork left: its store and a backup it took (as SQL dumps), the
export file it wrote and its keyring entries (the secret `token`, the audit chain's key and
head). Tasks of each kind, some runs by its engine, audit events, a task added and one
changed after the backup. This code lists it, verifies its trail, runs its tasks on, imports
its export into a fresh home and restores its backup, through the CLI and `tickwork engine`.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.secrets import Keyring
from app.store.models import SCHEMA_VERSION
from faults.harness import wait_until
from tests.conftest import ROOT
from tests.support import tickwork
from tests.support.processes import stop

OLD = Path(__file__).with_name("upgrade_v3")
OLD_RUNS = 40  # the runs the old engine left, every one ended
LATER_FIELDS = {"id", "created_at", "updated_at", "last_run", "next_run_at", "schedule_text",
                "keep_runs", "keep_days", "runs_on", "anchor"}  # made anew, or newer than v3


def _old_store(path: Path, dump: str) -> Path:
    """An SQLite file as the old Tickwork left it, from its dump (0600, WAL)."""
    path.parent.mkdir(mode=0o700, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    con = sqlite3.connect(path)
    con.execute("PRAGMA auto_vacuum = INCREMENTAL")  # as schema 3 made its stores
    con.executescript((OLD / dump).read_text())
    con.execute("PRAGMA journal_mode=wal")
    con.close()
    return path


def _old_keyring(home: Path) -> None:
    """The old home's keyring entries, in this home's slot."""
    slot = Keyring(home)
    backend = slot._backend()
    for name, value in json.loads((OLD / "keyring.json").read_text()).items():
        backend.set_password(slot.service, name, value)


@pytest.fixture
def old_home(home: Path) -> Path:
    _old_store(home / "tickwork.db", "store.sql")
    _old_keyring(home)
    return home


@pytest.fixture
def engine(home: Path, tmp_path: Path) -> Iterator[Any]:
    """`tickwork engine` on the home, stopped (SIGTERM) at the end or when asked."""
    procs: list[Any] = []
    log = tmp_path / "engine.log"

    def start() -> Any:
        with log.open("w") as err:
            procs.append(tickwork.start(["--home", str(home), "engine", "--grace", "2"],
                                        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err))
        return procs[-1]

    yield start
    for proc in procs:
        stop(proc)


def _runs(cli: Any) -> list[dict[str, Any]]:
    listed = cli("run", "list", "--limit", "10000", "--json")
    assert listed.code == 0, listed.err
    runs: list[dict[str, Any]] = listed.json()
    return runs


def _exported(cli: Any, path: Path) -> dict[str, dict[str, Any]]:
    done = cli("export", str(path))
    assert done.code == 0, done.err
    return _tasks(path)


def _tasks(path: Path) -> dict[str, dict[str, Any]]:
    return {t["name"]: {k: v for k, v in t.items() if k not in LATER_FIELDS}
            for t in json.loads(path.read_text())["tasks"]}


def _verified(cli: Any) -> str:
    verified = cli("audit", "--verify")
    assert verified.code == 0, verified.out + verified.err
    assert "chain intact" in verified.out and "unkeyed" not in verified.out, verified.out
    return str(verified.out)


def test_an_older_home_lists_verifies_and_runs_on(old_home: Path, cli: Any, engine: Any,
                                                  tmp_path: Path) -> None:
    old_tasks = _tasks(OLD / "export.json")
    listed = cli("task", "list", "--json")
    assert listed.code == 0, listed.err
    assert sorted(t["name"] for t in listed.json()) == sorted(old_tasks)
    # every task as the old Tickwork had it (its own export), the newer fields at defaults
    assert _exported(cli, tmp_path / "now.json") == old_tasks
    shown = cli("task", "show", "steps", "--json").json()
    assert (shown["runs_on"], shown["keep_runs"], shown["keep_days"]) == ("local", None, None)
    before = {r["id"]: (r["task_name"], r["status"], r["scheduled_for"], r["attempt"])
              for r in _runs(cli)}
    assert len(before) == OLD_RUNS
    assert _verified(cli).startswith("audit trail verified: 22 events")  # 21 + the export
    checked = cli("check")
    assert checked.code == 0, checked.out + checked.err
    assert cli("secret", "list").out.split() == ["token"]

    engine()
    newer = wait_until(lambda: (lambda got: {"echo-cmd", "dep", "chain", "secret-job",
                                              "steps"} <= got and got)(
        {r["task_name"] for r in _runs(cli) if r["id"] not in before
         and r["status"] == "succeeded"}), 60)
    assert "once" not in newer and "later" not in newer
    after = _runs(cli)
    # nothing lost, nothing run twice: the old runs as they were, no fire claimed again,
    # the one-off that ran under the old Tickwork not run again
    assert {r["id"]: (r["task_name"], r["status"], r["scheduled_for"], r["attempt"])
            for r in after if r["id"] in before} == before
    fires = [(r["task_name"], r["scheduled_for"], r["attempt"]) for r in after]
    assert len(fires) == len(set(fires))
    assert [r["status"] for r in after if r["task_name"] == "once"] == ["succeeded"]
    assert min(r["id"] for r in after if r["id"] not in before) > max(before)
    secret_run = max(r["id"] for r in after if r["task_name"] == "secret-job"
                     and r["id"] not in before and r["status"] == "succeeded")
    log = cli("run", "show", str(secret_run), "--log")
    assert "token=***" in log.out and "s3cret-value" not in log.out, log.out
    # the trail goes on, keyed: a change made by this code verifies with the old events
    assert cli("task", "update", "tagged", "--description", "after the upgrade").code == 0
    assert _verified(cli).startswith("audit trail verified: 23 events")


def test_an_older_export_imports_into_a_fresh_home(cli: Any, home: Path,
                                                   tmp_path: Path) -> None:
    assert cli("secret", "set", "token", stdin="s3cret-value").code == 0
    imported = cli("import", str(OLD / "export.json"))
    assert imported.code == 0, imported.err
    assert _exported(cli, tmp_path / "again.json") == _tasks(OLD / "export.json")
    _verified(cli)


def test_an_older_backup_restores_over_the_upgraded_home(old_home: Path, cli: Any,
                                                         tmp_path: Path) -> None:
    backup = _old_store(tmp_path / "backup" / "old-backup.db", "backup.sql")
    assert cli("task", "list").code == 0  # the home upgraded first
    restored = cli("restore", str(backup))
    assert restored.code == 0, restored.err
    tasks = {t["name"]: t for t in cli("task", "list", "--json").json()}
    assert "after-backup" not in tasks and len(tasks) == 15
    assert cli("task", "show", "tagged", "--json").json()["description"] == "a note"
    assert len(_runs(cli)) == OLD_RUNS
    _verified(cli)
    checked = cli("check")
    assert checked.code == 0, checked.out + checked.err


def _newer(path: Path) -> None:
    """The file as a newer Tickwork leaves it: a schema version past this one's."""
    con = sqlite3.connect(path)
    con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'",
                (str(SCHEMA_VERSION + 1),))
    con.commit()
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


def test_a_store_a_newer_tickwork_made_is_refused_by_every_door_and_left_as_it_was(
        cli: Any, home: Path, tmp_path: Path) -> None:
    """The other way: a home a newer Tickwork upgraded, opened by this one (a downgrade).
    Every command says so, as one line naming the versions, and writes nothing; `check`
    said 'integrity check ok' (exit 0) of a store no other command would open."""
    assert cli("task", "add", "a", "--command", "true", "--every", "1h").code == 0
    backup = tmp_path / "newer-backup.db"
    assert cli("backup", str(backup)).code == 0
    _newer(backup)
    refused = cli("restore", str(backup))
    assert refused.code == 2 and "newer than this Tickwork" in refused.err, refused.err
    assert cli("task", "list", "--json").json()[0]["name"] == "a"
    _newer(home / "tickwork.db")
    before = (home / "tickwork.db").read_bytes()
    said = (f"{home / 'tickwork.db'} has schema version {SCHEMA_VERSION + 1}, newer than this "
            f"Tickwork understands ({SCHEMA_VERSION}); upgrade Tickwork to open it")
    for args in (("task", "list"), ("task", "add", "b", "--command", "true"), ("engine",),
                 ("audit", "--verify"), ("export", str(tmp_path / "out.json")),
                 ("import", str(OLD / "export.json")), ("check",)):
        done = cli(*args)
        assert (done.code, said in done.out + done.err) == (
            78 if args == ("engine",) else 1, True), (args, done)  # (app/engine/headless.py)
        assert "Traceback" not in done.err and "integrity check ok" not in done.out, args
    checked = cli("check", "--json")
    assert checked.code == 1 and checked.json()["ok"] is False
    assert checked.json()["problems"] == [said]
    assert (home / "tickwork.db").read_bytes() == before
    assert not (home / "backups").exists() or not list((home / "backups").glob("*migration*"))
