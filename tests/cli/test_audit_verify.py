"""`tickwork audit --verify` against a tampered store file: the user's own door."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def five_events(cli: Any) -> Any:
    for name in ("a", "b", "c"):
        assert cli("task", "add", name, "--command", "true").code == 0
    assert cli("task", "update", "a", "--priority", "4").code == 0
    assert cli("task", "delete", "b").code == 0
    verify = cli("audit", "--verify", "--json")
    assert verify.code == 0 and verify.json()["ok"] and verify.json()["events"] == 5
    return cli


def sql(home: Path, *statements: str) -> None:
    con = sqlite3.connect(home / "tickwork.db")
    for statement in statements:
        con.execute(statement)
    con.commit()
    con.close()


def test_deleting_the_newest_event_and_rewriting_the_head_names_it(five_events: Any,
                                                                   home: Path) -> None:
    sql(home, "DELETE FROM audit_event WHERE id=5",
        "UPDATE meta SET value=(SELECT hash FROM audit_event WHERE id=4) "
        "WHERE key='audit_head'")
    result = five_events("audit", "--verify", "--json")
    report = result.json()
    assert result.code == 1 and not report["ok"]
    assert report["event_id"] == 5 and report["missing"] == 1
    plain = five_events("audit", "--verify")
    assert plain.code == 1 and "1 missing" in plain.err


def test_deleting_the_first_event_names_event_1(five_events: Any, home: Path) -> None:
    sql(home, "DELETE FROM audit_event WHERE id=1")
    result = five_events("audit", "--verify", "--json")
    assert result.code == 1 and result.json()["event_id"] == 1


@pytest.mark.parametrize(("statements", "said"), [
    (("UPDATE audit_event SET target='z' WHERE id=3",), "event 3 was altered"),
    (("DELETE FROM audit_event WHERE id=3",), "event 3 is missing"),
    (("UPDATE audit_event SET id=100 WHERE id=2", "UPDATE audit_event SET id=2 WHERE id=3",
      "UPDATE audit_event SET id=3 WHERE id=100"),
     "event 2 does not follow the one before it (deleted or reordered)"),
], ids=["edited", "deleted-in-the-middle", "reordered"])
def test_an_edited_deleted_or_reordered_event_is_named_first(
        five_events: Any, home: Path, statements: tuple[str, ...], said: str) -> None:
    """README: `--verify` names the first edited, deleted or reordered event (the store's
    tests checked the last two only as "not ok")."""
    sql(home, *statements)
    plain = five_events("audit", "--verify")
    assert plain.code == 1 and f"audit trail BROKEN: {said}" in plain.err, plain.err
    report = five_events("audit", "--verify", "--json").json()
    assert not report["ok"] and report["event_id"] == int(said.split()[1])


def test_putting_back_an_older_copy_says_how_many_events_are_missing(
        five_events: Any, home: Path, tmp_path: Path) -> None:
    db = home / "tickwork.db"
    older = tmp_path / "older.db"
    src, dst = sqlite3.connect(db), sqlite3.connect(older)
    src.backup(dst)
    dst.close()
    src.close()
    assert five_events("task", "add", "d", "--command", "true").code == 0
    assert five_events("task", "pause", "c").code == 0
    assert five_events("audit", "--verify").code == 0
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(older, db)
    result = five_events("audit", "--verify", "--json")
    report = result.json()
    assert result.code == 1 and report["missing"] == 2 and report["event_id"] == 6
    assert "ends at event 5 but the keyring says 7 events were recorded: 2 missing" \
        in report["problem"]


def test_without_a_keyring_the_trail_is_unkeyed_and_says_so(cli: Any,
                                                            monkeypatch: Any) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    assert cli("task", "add", "a", "--command", "true").code == 0
    result = cli("audit", "--verify", "--json")
    assert result.code == 0 and result.json()["ok"] and not result.json()["keyed"]
    assert result.json()["note"] == "unkeyed: cannot detect truncation or rollback"
    assert "unkeyed" in cli("audit", "--verify").out


def test_an_unkeyed_trail_is_keyed_from_its_next_event_once_a_keyring_is_there(
        cli: Any, home: Path, monkeypatch: Any) -> None:
    """README: a trail kept without a keyring (or a store of an earlier version) still
    verifies and is keyed from its next event on; its older events are still checked."""
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    assert cli("task", "add", "a", "--command", "true").code == 0
    assert cli("task", "add", "b", "--command", "true").code == 0
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.support.file_keyring.FileKeyring")
    assert cli("task", "update", "a", "--priority", "3").code == 0
    report = cli("audit", "--verify", "--json").json()
    assert report["ok"] and report["keyed"] and report["events"] == 3, report
    plain = cli("audit", "--verify")
    assert plain.code == 0 and "unkeyed" not in plain.out, plain.out
    sql(home, "UPDATE audit_event SET target='x' WHERE id=1")  # an old, unkeyed event
    broken = cli("audit", "--verify")
    assert broken.code == 1 and "event 1 was altered" in broken.err, broken.err


def test_a_head_due_within_the_second_is_written_before_the_cli_exits(cli: Any,
                                                                     home: Path) -> None:
    """Two commits in one process (the permissions fix, then the change): the second head
    waits for its second and must still reach the keyring when the process ends."""
    assert cli("task", "add", "a", "--command", "true").code == 0
    (home / "tickwork.db").chmod(0o644)
    assert cli("task", "add", "b", "--command", "true").code == 0
    events = cli("audit", "--json").json()
    assert [e["action"] for e in events][:2] == ["task.create", "store.permissions_fixed"]
    sql(home, "DELETE FROM audit_event WHERE id=3",
        "UPDATE meta SET value=(SELECT hash FROM audit_event WHERE id=2) "
        "WHERE key='audit_head'")
    report = cli("audit", "--verify", "--json").json()
    assert not report["ok"] and report["event_id"] == 3 and report["missing"] == 1


def test_a_home_copied_elsewhere_says_how_to_move_it_and_that_way_verifies(
        five_events: Any, home: Path, tmp_path: Path) -> None:
    """A home copied to another folder cannot be verified there (its key is the old home's):
    the failure says how a home is moved, and that way — backup in the old home, restore in
    the new — its trail verifies and goes on."""
    from tests.support import tickwork

    def at(folder: Path, *args: str) -> Any:
        return tickwork.run(["--home", str(folder), *args], timeout=60)

    copied = tmp_path / "copied"
    shutil.copytree(home, copied)
    failed = at(copied, "audit", "--verify")
    assert failed.returncode == 1
    assert ("a home moves with `tickwork backup FILE` in the old one and `tickwork restore "
            "FILE` in the new one, whose trail then verifies") in failed.stderr

    backup, moved = tmp_path / "move.db", tmp_path / "moved"
    assert five_events("backup", str(backup)).code == 0
    assert at(moved, "restore", str(backup)).returncode == 0
    assert at(moved, "task", "add", "after-move", "--command", "true").returncode == 0
    verified = at(moved, "audit", "--verify")
    assert verified.returncode == 0 and "chain intact" in verified.stdout


def test_events_recorded_while_the_keyring_was_locked_are_accepted_by_their_owner(
        cli: Any, home: Path, monkeypatch: Any) -> None:
    """One command run while the keyring was unavailable (a locked keyring over SSH) made
    every later `--verify` fail for good; `--accept-unkeyed` lists those events and accepts
    them with a keyed event, so the trail verifies again, while an event forged afterwards
    (hashed without the key) is still caught."""
    import os

    kept = os.environ["PYTHON_KEYRING_BACKEND"]
    assert cli("task", "add", "a", "--command", "true").code == 0
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    assert cli("task", "add", "b", "--command", "true").code == 0  # works, with a warning
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", kept)
    assert cli("task", "add", "c", "--command", "true").code == 0
    broken = cli("audit", "--verify")
    assert broken.code == 1 and broken.err.strip() == (
        "audit trail BROKEN: event 2 not keyed (recorded while the keyring was unavailable, "
        "or forged): `tickwork audit --accept-unkeyed` lists them and, if they are yours, "
        "accepts them")

    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    locked = cli("audit", "--accept-unkeyed", "--yes")  # an acceptance must be keyed itself
    assert locked.code == 1 and "the audit trail's key cannot be read now" in locked.err
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", kept)
    accepted = cli("audit", "--accept-unkeyed", "--yes")
    assert accepted.code == 0, accepted.err
    lines = accepted.out.splitlines()
    assert lines[0].split() == ["ID", "WHEN", "WHO", "ACTION", "TARGET"]
    assert lines[1].split()[0] == "2" and lines[1].split()[-2:] == ["task.create", "b"]
    assert lines[-1] == ("accepted 1 event recorded while the keyring was unavailable "
                         "(audited as audit.accept_unkeyed)")
    assert cli("audit", "--verify").code == 0
    again = cli("audit", "--accept-unkeyed")
    assert again.code == 0 and "nothing to accept" in again.out
    assert cli("audit", "--json").json()[0]["action"] == "audit.accept_unkeyed"

    # what is hashed without the key after the acceptance is not covered by it
    con = sqlite3.connect(home / "tickwork.db")
    ev_id, prev = con.execute("SELECT id, hash FROM audit_event ORDER BY id DESC").fetchone()
    con.close()
    from app.store import audit

    at = "2026-12-04T12:00:00.000000+00:00"  # (the stored form: app/store/times.py)
    body = audit.canonical(at, "cli", "task.delete", "a", None, None)
    sql(home, "INSERT INTO audit_event (id, at, actor, action, target, before, after, "
        f"prev_hash, hash) VALUES ({ev_id + 1}, '{at}', 'cli', 'task.delete', 'a', NULL, "
        f"NULL, '{prev}', '{audit.chain_hash(prev, body)}')",
        f"UPDATE meta SET value='{audit.chain_hash(prev, body)}' WHERE key='audit_head'")
    forged = cli("audit", "--verify", "--json")
    assert forged.code == 1 and forged.json()["event_id"] == ev_id + 1, forged.json()
    assert forged.json()["problem"].startswith(f"event {ev_id + 1} not keyed")


def test_the_verified_line_counts_its_events_in_words(cli: Any) -> None:
    """It said "audit trail verified: 1 events"."""
    assert cli("audit", "--verify").out == "audit trail verified: 0 events, chain intact\n"
    assert cli("task", "add", "a", "--command", "true").code == 0
    assert cli("audit", "--verify").out == "audit trail verified: 1 event, chain intact\n"
    assert cli("task", "add", "b", "--command", "true").code == 0
    assert cli("audit", "--verify").out == "audit trail verified: 2 events, chain intact\n"


@pytest.mark.parametrize("into", ["same home", "another home"])
def test_a_backup_whose_newest_events_were_removed_is_refused_by_restore(
        five_events: Any, home: Path, tmp_path: Path, monkeypatch: Any, into: str) -> None:
    """A backup whose newest audit events were deleted (its links still hold, but its head
    is the deleted event's) was restored, and its `store.restore` event chained from that
    head: the trail failed `--verify` at once ("event 4 does not follow the one before it").
    README: a backup whose trail does not hold is refused before anything changes."""
    backup = tmp_path / "backup.db"
    assert five_events("backup", str(backup)).code == 0
    con = sqlite3.connect(backup)
    con.execute("DELETE FROM audit_event WHERE id >= 4")
    con.commit()
    con.close()
    if into == "another home":  # another machine: its keyring has no key of this trail
        home = tmp_path / "elsewhere"
        monkeypatch.setenv("TICKWORK_TEST_KEYRING", str(tmp_path / "other-keyring.json"))
    before = (home / "tickwork.db").read_bytes() if into == "same home" else None
    from tests.support import tickwork

    refused = tickwork.run(["--home", str(home), "restore", str(backup)], timeout=60)
    assert refused.returncode == 1
    assert refused.stderr == (f"tickwork: error: restore of {backup} refused, nothing was "
                              "changed: cannot re-anchor the audit trail: the newest events "
                              "were removed (head hash differs)\n")
    if before is not None:
        assert (home / "tickwork.db").read_bytes() == before
        assert five_events("audit", "--verify").code == 0
    else:
        assert not (home / "tickwork.db").exists()
