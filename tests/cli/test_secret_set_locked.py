"""`tickwork secret set` and `secret delete` when the keyring refuses (locked, its prompt
dismissed): they ended with the catch-all line (`failed: KeyringLocked: … (set
TICKWORK_DEBUG=1 for details)`), as if Tickwork had a bug (a fault hunt). Now one line says
which secret could not be stored or deleted and that the keyring failed, exit 1, and the
store is as it was: the name is not listed (set), or still listed (delete)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

WHY = "the keyring failed (KeyringLocked: the test keyring is locked)"


@pytest.fixture
def lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The switch that locks the test keyring (tests/support/file_keyring.py) while it is."""
    switch = tmp_path / "keyring-locked"
    monkeypatch.setenv("TICKWORK_TEST_KEYRING_LOCKED", str(switch))
    return switch


def test_a_secret_set_on_a_locked_keyring_says_so_in_one_line(cli: Any, lock: Path) -> None:
    assert cli("secret", "list").code == 0  # the store made (its audit keyed) before
    lock.touch()
    res = cli("secret", "set", "token", stdin="s3cr3t-value")
    assert (res.code, res.out) == (1, ""), res
    assert res.err == f"tickwork: error: cannot store secret 'token': {WHY}\n", res.err
    lock.unlink()
    assert cli("secret", "list").out == "(none)\n"
    assert "secret.set" not in cli("audit").out


def test_a_secret_delete_on_a_locked_keyring_says_so_and_keeps_it(cli: Any,
                                                                   lock: Path) -> None:
    assert cli("secret", "set", "token", stdin="s3cr3t-value").code == 0
    lock.touch()
    res = cli("secret", "delete", "token")
    assert (res.code, res.out) == (1, ""), res
    assert res.err == f"tickwork: error: cannot delete secret 'token': {WHY}\n", res.err
    lock.unlink()
    assert cli("secret", "list").out == "token\n"
