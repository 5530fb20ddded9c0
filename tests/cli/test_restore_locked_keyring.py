"""`tickwork restore` with the keyring locked (its prompt dismissed): the restore keys the
restored audit trail in the keyring and moves the trail's head there, so it cannot put the
data back and keep the trail verifiable. It refuses in one line, before it changes anything
(no leftover run stopped, no copy of the store kept, no file left), and restores once the
keyring is unlocked. It went as far as the copy and failed there, after the keyring's
warning twice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.store.home import RESTORE_COPY, RESTORE_MARK


def test_a_locked_keyring_refuses_the_restore_in_one_line_and_changes_nothing(
        cli: Any, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli("task", "add", "kept", "--command", "true").code == 0
    backed = cli("backup", str(tmp_path / "before.db"))
    assert backed.code == 0, backed.err
    assert cli("task", "add", "since", "--command", "true").code == 0
    backups = sorted(p.name for p in (home / "backups").glob("*")) \
        if (home / "backups").exists() else []
    files = sorted(p.name for p in home.iterdir())
    switch = tmp_path / "keyring-locked"
    monkeypatch.setenv("TICKWORK_TEST_KEYRING_LOCKED", str(switch))
    switch.touch()

    refused = cli("restore", str(tmp_path / "before.db"))
    assert refused.code == 1 and refused.out == "", refused
    assert refused.err == (
        f"tickwork: error: restore of {tmp_path / 'before.db'} refused, nothing was changed: "
        "the keyring that holds the audit trail's key cannot be read (the test keyring is "
        "locked): unlock it, then restore again\n"), refused.err
    assert sorted(p.name for p in home.iterdir()) == files
    assert not (home / RESTORE_COPY).exists() and not (home / RESTORE_MARK).exists()
    assert (sorted(p.name for p in (home / "backups").glob("*"))
            if (home / "backups").exists() else []) == backups
    assert [t["name"] for t in cli("task", "list", "--json").json()] == ["kept", "since"]

    switch.unlink()
    restored = cli("restore", str(tmp_path / "before.db"))
    assert restored.code == 0, restored.err
    assert [t["name"] for t in cli("task", "list", "--json").json()] == ["kept"]
    verify = cli("audit", "--verify", "--json")
    assert verify.code == 0 and verify.json()["ok"], verify.out
