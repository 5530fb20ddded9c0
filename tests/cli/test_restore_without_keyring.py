"""`tickwork restore` with no usable keyring: the audit trail's key is in the keyring, so
the backup's trail cannot be checked whole. It was not checked at all, silently: a backup
with events deleted from the middle or cut off at the end was restored. What holds without
the key is now checked (its events' numbers and links, its head), a trail that provably
does not hold is refused before anything changes, and what could not be checked (an
event's text edited) is said in one line of what the restore prints."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

NO_KEYRING = "keyring.backends.fail.Keyring"
UNCHECKED = ("no usable keyring here, so the backup's audit trail was checked for removed, "
             "reordered and cut-off events, not for edited ones (that takes its key, kept in "
             "the keyring): `tickwork audit --verify` checks them once the keyring is back")


@pytest.fixture
def backed_up(cli: Any, tmp_path: Path) -> Path:
    for name in ("a", "b", "c", "d"):
        assert cli("task", "add", name, "--command", "true").code == 0
    backup = tmp_path / "backup.db"
    assert cli("backup", str(backup)).code == 0
    assert cli("task", "add", "since", "--command", "true").code == 0
    return backup


def edit(file: Path, *statements: str) -> None:
    con = sqlite3.connect(file)
    for statement in statements:
        con.execute(statement)
    con.commit()
    con.close()


@pytest.mark.parametrize(("statements", "said"), [
    (("DELETE FROM audit_event WHERE id=2",), "event 2 is missing"),
    (("DELETE FROM audit_event WHERE id>=3",), "the newest events were removed (head hash "
                                               "differs)"),
    (("UPDATE audit_event SET id=100 WHERE id=2", "UPDATE audit_event SET id=2 WHERE id=3",
      "UPDATE audit_event SET id=3 WHERE id=100"),
     "event 2 does not follow the one before it (deleted or reordered)"),
], ids=["deleted-in-the-middle", "newest-deleted", "reordered"])
def test_a_trail_that_provably_does_not_hold_is_refused(
        cli: Any, home: Path, backed_up: Path, monkeypatch: pytest.MonkeyPatch,
        statements: tuple[str, ...], said: str) -> None:
    edit(backed_up, *statements)
    before = (home / "tickwork.db").read_bytes()
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", NO_KEYRING)
    refused = cli("restore", str(backed_up))
    assert refused.code == 1 and refused.out == "", refused
    assert refused.err.endswith(f"tickwork: error: restore of {backed_up} refused, nothing was "
                                f"changed: its audit trail does not hold: {said}\n"), refused.err
    assert (home / "tickwork.db").read_bytes() == before
    assert "since" in [t["name"] for t in cli("task", "list", "--json").json()]


def test_what_cannot_be_checked_without_the_key_is_said_and_the_restore_goes_on(
        cli: Any, home: Path, backed_up: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    edit(backed_up, "UPDATE audit_event SET target='z' WHERE id=2")  # only the key tells
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", NO_KEYRING)
    restored = cli("restore", str(backed_up))
    assert restored.code == 0, restored.err
    assert restored.out.rstrip("\n").endswith(f"; {UNCHECKED}"), restored.out
    assert [t["name"] for t in cli("task", "list", "--json").json()] == ["a", "b", "c", "d"]


def test_an_unkeyed_trail_is_checked_whole_and_says_nothing_more(
        cli: Any, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A trail kept without a keyring from the start needs no key: every event is checked
    (an edited one is refused) and nothing is said to be left unchecked."""
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", NO_KEYRING)
    assert cli("task", "add", "a", "--command", "true").code == 0
    backup = tmp_path / "unkeyed.db"
    assert cli("backup", str(backup)).code == 0
    restored = cli("restore", str(backup))
    assert restored.code == 0 and "keyring" not in restored.out, restored
    edit(backup, "UPDATE audit_event SET target='z' WHERE id=1")
    refused = cli("restore", str(backup))
    assert refused.code == 1 and refused.err.endswith(
        "its audit trail does not hold: event 1 was altered\n"), refused.err
