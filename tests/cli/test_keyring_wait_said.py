"""A command kept waiting by the keyring (locked, its unlock prompt unanswered — or shown on
no screen, over SSH) waited silently for ever: `export`, `task add`, any write reads the
audit chain's key there first (a fault hunt). After 2 s it says once, on stderr, that it
waits for the keyring and what to do; it goes on when the keyring answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from faults.harness import wait_until
from tests.support.keyring_hold import keyring_held

SAID = ("tickwork: waiting for the keyring to answer (is it locked? unlock it, or answer its "
        "prompt; Ctrl+C gives up)\n")


def test_a_command_waiting_on_the_keyring_says_so_once_and_goes_on(
        home: Path, cli: Any, tmp_path: Path) -> None:
    assert cli("task", "add", "first", "--command", "true", "--manual").code == 0  # keyed
    with keyring_held(home, tmp_path, ["export", str(tmp_path / "tasks.json")]) as (
            proc, err_file):
        wait_until(lambda: err_file.read_text() == SAID, 30)
        assert proc.poll() is None  # still waiting for it
    assert proc.wait(30) == 0, err_file.read_text()
    assert err_file.read_text() == SAID  # once
    assert cli("export", str(tmp_path / "again.json")).err == ""  # an answer in time: silence
