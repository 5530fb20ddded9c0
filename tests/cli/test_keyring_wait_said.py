"""A command kept waiting by the keyring (locked, its unlock prompt unanswered — or shown on
no screen, over SSH) waited silently for ever: `export`, `task add`, any write reads the
audit chain's key there first (a fault hunt). After 2 s it says once, on stderr, that it
waits for the keyring and what to do; it goes on when the keyring answers."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

from faults.harness import wait_until
from tests.conftest import ROOT
from tests.support import tickwork

SAID = ("tickwork: waiting for the keyring to answer (is it locked? unlock it, or answer its "
        "prompt; Ctrl+C gives up)\n")


def test_a_command_waiting_on_the_keyring_says_so_once_and_goes_on(
        home: Path, cli: Any, tmp_path: Path) -> None:
    assert cli("task", "add", "first", "--command", "true", "--manual").code == 0  # keyed
    hold = tmp_path / "keyring-locked"
    hold.touch()
    env = {**os.environ, "TICKWORK_TEST_KEYRING_HOLD": str(hold)}
    err_file = tmp_path / "err"
    with err_file.open("w") as err:
        proc = tickwork.start(["--home", str(home), "export", str(tmp_path / "tasks.json")],
                              env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err)
    try:
        wait_until(lambda: Path(f"{hold}.waiting").exists(), 30)  # it asks the keyring
        wait_until(lambda: err_file.read_text() == SAID, 30)
        assert proc.poll() is None  # still waiting for it
    finally:
        hold.unlink()
    assert proc.wait(30) == 0, err_file.read_text()
    assert err_file.read_text() == SAID  # once
    assert cli("export", str(tmp_path / "again.json")).err == ""  # an answer in time: silence
