"""A restore stopped at its most fragile instants, through the CLI: killed (`kill -9`) right
after its rename, signalled (SIGTERM, SIGINT, SIGHUP) before and after it, killed with its
copy made. Each time the home holds the old store or the restored one, complete, with an
audit trail that verifies and a retimed task that catches nothing up.

The restore stops itself (SIGSTOP) at the named point when the test asks it to
(`TICKWORK_TEST_RESTORE_STOP`, app/restore.py): what the test then sends arrives there, not
wherever the timing of a loaded machine would put it."""

from __future__ import annotations

import os
import signal
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from app.restore import TEST_STOP
from app.store import backup
from app.store.database import Store
from app.store.home import RESTORE_COPY, RESTORE_MARK
from faults.harness import wait_until
from tests.conftest import command_task
from tests.store.test_restore_history import engine_until
from tests.support import tickwork

T0 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
HOUR = {"kind": "interval", "seconds": 3600}


def _stopped(pid: int) -> bool:
    """Has process `pid` stopped itself (state T)?"""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] in ("T", "t")


def _restore_stopped_at(home: Path, file: Path, point: str, tmp_path: Path) -> Any:
    """`tickwork restore FILE`, stopped at `point`; its output goes to tmp_path/out, err."""
    with (tmp_path / "out").open("w") as out, (tmp_path / "err").open("w") as err:
        proc = tickwork.start(["--home", str(home), "restore", str(file)],
                              env={**os.environ, TEST_STOP: point},
                              stdin=subprocess.DEVNULL, stdout=out, stderr=err)
    wait_until(lambda: _stopped(proc.pid) or proc.poll() is not None, 30)
    assert proc.poll() is None, (tmp_path / "err").read_text()
    return proc


def _signalled(proc: Any, signum: int) -> int:
    """Send `signum` to the stopped restore, let it go on, and wait for its end."""
    os.kill(proc.pid, signum)  # (pending while it is stopped)
    os.kill(proc.pid, signal.SIGCONT)
    return int(proc.wait(60))


def _retimed_since_the_backup(home: Path, cli: Any, tmp_path: Path) -> Path:
    """A task made at T0, every hour, backed up (its next fire there lies hours in the
    past), then retimed: the restore brings back the hourly schedule without catching up."""
    from app.service import Service

    store = Store.open(home, now=T0)
    try:
        Service(store, "cli").create_task(command_task("poll", schedule=HOUR), now=T0)
    finally:
        store.close()
    kept = backup.make(home, tmp_path / "before.db")
    assert cli("task", "update", "poll", "--every", "2h").code == 0
    assert cli("audit", "--verify").code == 0
    return kept


def _engine_ran_nothing(home: Path, cli: Any, tmp_path: Path) -> None:
    log = tmp_path / "engine.log"
    engine_until(home, log, lambda: "engine running" in log.read_text())
    assert cli("run", "list", "--json").json() == []


def _restored_as_the_backup(cli: Any, since: datetime) -> None:
    (task,) = cli("task", "list", "--json").json()
    assert task["schedule"] == HOUR, task  # the backup's
    assert datetime.fromisoformat(task["next_run_at"]) > since  # no catch-up


def test_killed_right_after_its_rename_the_restored_store_verifies_and_catches_up_nothing(
        home: Path, cli: Any, tmp_path: Path) -> None:
    """The retimed tasks' next fires and the `store.restore` event were written after the
    rename: a kill there left catch-up by policy and a trail one event short that `audit
    --verify` called broken. Now they are in the copy; the head the kill kept from moving
    is moved by `audit --verify`, which says so once."""
    kept = _retimed_since_the_backup(home, cli, tmp_path)
    since = datetime.now(UTC)
    proc = _restore_stopped_at(home, kept, "renamed", tmp_path)
    proc.kill()
    assert proc.wait(30) == -signal.SIGKILL
    assert (home / RESTORE_MARK).exists() and not (home / RESTORE_COPY).exists()
    verified = cli("audit", "--verify")
    assert verified.code == 0, verified.out + verified.err
    assert "a restore was stopped before it moved the keyring's audit head to the restored " \
           "trail: moved now" in verified.out
    again = cli("audit", "--verify")
    assert again.code == 0 and "moved now" not in again.out, again.out
    assert "store.restore" in [e["action"] for e in cli("audit", "--json").json()]
    _restored_as_the_backup(cli, since)
    _engine_ran_nothing(home, cli, tmp_path)
    assert cli("audit", "--verify").code == 0


def test_after_a_kill_after_the_rename_the_next_write_moves_the_head(
        home: Path, cli: Any, tmp_path: Path) -> None:
    """The next command that writes (or engine start) finishes the restore's last step, so
    the trail is anchored again before anything is appended to it. What is recognised is
    that one restore's state: the store as the kill left it, put back by hand later, is
    caught as any older copy is."""
    kept = _retimed_since_the_backup(home, cli, tmp_path)
    proc = _restore_stopped_at(home, kept, "renamed", tmp_path)
    proc.kill()
    proc.wait(30)
    as_left = backup.make(home, tmp_path / "as-left.db")
    assert cli("task", "add", "later", "--manual", "--command", "true").code == 0
    assert not (home / RESTORE_MARK).exists()
    verified = cli("audit", "--verify")
    assert verified.code == 0 and "moved now" not in verified.out, verified.out
    assert [t["name"] for t in cli("task", "list", "--json").json()] == ["later", "poll"]

    for suffix in ("-wal", "-shm"):
        Path(f"{home / 'tickwork.db'}{suffix}").unlink(missing_ok=True)
    (home / "tickwork.db").write_bytes(as_left.read_bytes())
    caught = cli("audit", "--verify")
    assert caught.code == 1 and "1 missing" in caught.out + caught.err, caught.out


def test_sigterm_while_the_store_is_replaced_waits_for_the_restore_and_is_said(
        home: Path, cli: Any, tmp_path: Path) -> None:
    kept = _retimed_since_the_backup(home, cli, tmp_path)
    since = datetime.now(UTC)
    proc = _restore_stopped_at(home, kept, "renamed", tmp_path)
    assert _signalled(proc, signal.SIGTERM) == 128 + signal.SIGTERM
    out = (tmp_path / "out").read_text()
    assert out.startswith(f"restored {kept}") and out.rstrip().endswith(
        "SIGTERM came while the store was being replaced: the restore was finished first"), out
    assert (tmp_path / "err").read_text() == ""
    assert not (home / RESTORE_MARK).exists() and not (home / RESTORE_COPY).exists()
    verified = cli("audit", "--verify")
    assert verified.code == 0 and "moved now" not in verified.out, verified.out
    _restored_as_the_backup(cli, since)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP],
                         ids=lambda signum: signal.Signals(signum).name)
def test_a_signal_before_the_rename_stops_the_restore_and_changes_nothing(
        home: Path, cli: Any, tmp_path: Path, signum: int) -> None:
    kept = _retimed_since_the_backup(home, cli, tmp_path)
    tasks = cli("task", "list", "--json").json()
    proc = _restore_stopped_at(home, kept, "copied", tmp_path)
    assert _signalled(proc, signum) == 128 + signum
    name = signal.Signals(signum).name
    assert (tmp_path / "err").read_text() == (
        f"tickwork: restore of {kept} stopped by {name} before it replaced the store: "
        "nothing was changed\n")
    assert (tmp_path / "out").read_text() == ""
    assert cli("task", "list", "--json").json() == tasks
    assert cli("audit", "--verify").code == 0
    assert sorted(p.name for p in home.iterdir() if "restor" in p.name) == []
    assert backup.list_backups(home) == []  # no copy kept of a store not replaced


def test_what_a_killed_restore_left_goes_at_the_next_open_and_nothing_else_changes(
        home: Path, cli: Any, tmp_path: Path) -> None:
    """A restore killed with its copy made left `tickwork.db.restore` (and, killed inside
    a write to it, its journal) until the next restore."""
    kept = _retimed_since_the_backup(home, cli, tmp_path)
    tasks = cli("task", "list", "--json").json()
    proc = _restore_stopped_at(home, kept, "copied", tmp_path)
    proc.kill()
    proc.wait(30)
    copy = home / RESTORE_COPY
    journal = Path(f"{copy}-journal")
    assert copy.exists()
    journal.write_bytes(b"a hot journal of a write the kill cut")
    assert cli("task", "list", "--json").json() == tasks  # a read leaves files alone
    assert copy.exists()
    assert cli("task", "pause", "poll").code == 0
    assert not copy.exists() and not journal.exists()
    (task,) = cli("task", "list", "--json").json()
    assert task["schedule"] == tasks[0]["schedule"] != HOUR  # the store as it was
    assert not task["enabled"]
    assert cli("audit", "--verify").code == 0
    assert not (home / RESTORE_MARK).exists()


def test_a_backup_whose_trail_does_not_hold_is_refused_before_anything_changes(
        home: Path, cli: Any, tmp_path: Path) -> None:
    """It replaced the store, then failed to re-anchor: the store was the altered backup,
    its restore unaudited."""
    import sqlite3

    kept = _retimed_since_the_backup(home, cli, tmp_path)
    con = sqlite3.connect(kept)
    con.execute("UPDATE audit_event SET target = 'someone else' WHERE id = 1")
    con.commit()
    con.close()
    tasks = cli("task", "list", "--json").json()
    refused = cli("restore", str(kept))
    assert refused.code == 1
    assert refused.err == (f"tickwork: error: restore of {kept} refused, nothing was changed: "
                           "cannot re-anchor the audit trail: event 1 was altered\n")
    assert cli("task", "list", "--json").json() == tasks
    assert cli("audit", "--verify").code == 0
    assert backup.list_backups(home) == [] and not (home / RESTORE_COPY).exists()
