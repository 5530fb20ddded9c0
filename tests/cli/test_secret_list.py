"""`tickwork secret list` when the keyring cannot be asked (locked, its prompt dismissed; or
no usable backend): it printed the names, then failed with a generic line
(`failed: KeyringLocked: …`, exit 1), which read as if the list were cut short (a fault
hunt). The names are in the store and are all listed; the one line after them says that
whether their values are in the keyring is not known, and why."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

NOT_KNOWN = "note: not known whether this home's keyring holds their values: "


@pytest.fixture
def locked(cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two secrets stored, then the test keyring locked (tests/support/file_keyring.py)."""
    for name, value in (("beta", "b"), ("alpha", "a")):
        assert cli("secret", "set", name, stdin=value).code == 0
    switch = tmp_path / "keyring-locked"
    monkeypatch.setenv("TICKWORK_TEST_KEYRING_LOCKED", str(switch))
    switch.touch()
    return switch


def test_a_locked_keyring_lists_every_name_and_says_the_values_are_not_known(
        cli: Any, locked: Path) -> None:
    why = ("the keyring failed (KeyringLocked: the test keyring is locked); runs that use "
           "them fail until it can be asked")
    for args, out in (((), "alpha\nbeta\n"), (("--json",), None)):
        res = cli("secret", "list", *args)
        assert res.code == 0, res
        if out is None:
            assert res.json() == ["alpha", "beta"]
        else:
            assert res.out == out
        assert res.err == NOT_KNOWN + why + "\n", res.err
    locked.unlink()  # unlocked: nothing more to say
    res = cli("secret", "list")
    assert (res.code, res.out, res.err) == (0, "alpha\nbeta\n", "")


def test_no_usable_keyring_says_so_after_the_names(cli: Any, locked: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """It said nothing: the names looked as good as ever."""
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    res = cli("secret", "list")
    assert (res.code, res.out) == (0, "alpha\nbeta\n"), res
    assert res.err.startswith(NOT_KNOWN + "no usable keyring backend") and len(
        res.err.splitlines()) == 1, res.err
