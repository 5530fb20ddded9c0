"""A keyring that does not answer (locked, its unlock prompt unanswered) holds up only the
command that asked it: a CLI write read the audit chain's key from the keyring inside its
write transaction, so every other writer — the engine's runs — waited behind the store's
lock for as long (a fault hunt: an every-second task stopped for 24 s, "database is locked"
in the engine's log). The key is read before the lock is taken."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from faults.harness import wait_until
from tests.conftest import ROOT
from tests.support import tickwork


def test_a_write_waiting_on_the_keyring_does_not_hold_the_store(home: Path, cli: Any,
                                                                  tmp_path: Path) -> None:
    assert cli("task", "add", "first", "--command", "true", "--manual").code == 0  # keyed
    hold = tmp_path / "keyring-locked"
    hold.touch()
    env = {**os.environ, "TICKWORK_TEST_KEYRING_HOLD": str(hold)}
    err_file = tmp_path / "err"
    with err_file.open("w") as err:
        proc = tickwork.start(["--home", str(home), "task", "add", "second", "--command",
                               "true", "--manual"], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=err)
    try:
        wait_until(lambda: Path(f"{hold}.waiting").exists(), 30)  # it asks the keyring
        other = sqlite3.connect(home / "tickwork.db", timeout=2)
        try:  # another writer (the engine's, say) gets the store meanwhile
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
        finally:
            other.close()
    finally:
        hold.unlink()
    assert proc.wait(30) == 0, err_file.read_text()
    assert {t["name"] for t in cli("task", "list", "--json").json()} == {"first", "second"}
    assert cli("audit", "--verify").code == 0
