"""Keyring backends that would keep secrets in plain text (or cannot answer a prompt
headless) are refused, through the CLI a user runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.mark.parametrize("backend", ["keyrings.alt.file.PlaintextKeyring",
                                     "keyrings.alt.file.EncryptedKeyring",
                                     "keyring.backends.null.Keyring",
                                     "keyring.backends.fail.Keyring"])
def test_plaintext_and_unusable_backends_are_refused(cli: Any, home: Path, tmp_path: Path,
                                                     monkeypatch: Any, backend: str) -> None:
    data = tmp_path / "xdg-data"
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", backend)
    result = cli("secret", "set", "token", stdin="hunter2\n")
    assert result.code == 1
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert "refused" in lines[0] and "PYTHON_KEYRING_BACKEND" in lines[0]
    if backend.endswith("PlaintextKeyring"):
        assert backend in lines[0] and "plain-text" in lines[0]
    assert "Traceback" not in result.err
    files = [p for p in data.rglob("*") if p.is_file()] if data.exists() else []
    assert files == []
    assert cli("secret", "list", "--json").json() == []
    if home.exists():
        assert b"hunter2" not in (home / "tickwork.db").read_bytes()


def test_chainer_uses_only_its_accepted_member(tmp_path: Path, monkeypatch: Any) -> None:
    """With both a plain-text backend and an accepted one installed, keyring's chainer is
    never used as such: secrets go to the accepted member only."""
    from keyring.backends.chainer import ChainerBackend
    from keyrings.alt.file import PlaintextKeyring

    from app.secrets import refusal, usable_backend
    from tests.support.file_keyring import FileKeyring

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    plain = PlaintextKeyring()
    assert refusal(plain) is not None and "plain-text" in (refusal(plain) or "")
    chain = ChainerBackend()
    monkeypatch.setattr(ChainerBackend, "backends", [plain, FileKeyring()])
    assert refusal(chain) is None
    only_plain = ChainerBackend()
    monkeypatch.setattr(ChainerBackend, "backends", [plain])
    assert "refused" in (refusal(only_plain) or "")
    import keyring

    monkeypatch.setattr(ChainerBackend, "backends", [plain, FileKeyring()])
    monkeypatch.setattr(keyring.core, "_keyring_backend", chain)
    assert isinstance(usable_backend(), FileKeyring)


def test_the_tests_file_backend_is_accepted(cli: Any) -> None:
    result = cli("secret", "set", "token", stdin="hunter2\n")
    assert result.code == 0, result.err
    assert cli("secret", "list", "--json").json() == ["token"]


def test_delete_secret_with_tasks_present_refuses_a_used_one_and_deletes_an_unused_one(
        cli: Any) -> None:
    """Deleting a secret looks at every task's secret_env: it used to read the tasks by an
    id it never selected and crashed as soon as any task existed."""
    assert cli("secret", "set", "used", stdin="a\n").code == 0
    assert cli("secret", "set", "spare", stdin="b\n").code == 0
    assert cli("task", "add", "plain", "--command", "true").code == 0
    assert cli("task", "add", "user", "--command", "true", "--secret-env",
               "TOKEN=used").code == 0
    refused = cli("secret", "delete", "used")
    assert refused.code == 2 and "used by user" in refused.err, refused.err
    assert "Traceback" not in refused.err
    assert cli("secret", "delete", "spare").code == 0
    assert cli("secret", "list", "--json").json() == ["used"]


def test_a_tasks_own_secret_leaves_the_keyring_once_no_task_uses_it(
        cli: Any, home: Path, tmp_path: Path) -> None:
    """Removing a secret variable (the editor, `task update`) or deleting its task left its
    value in the keyring for good (a run-through under X). A task's own secret — the one the
    editor stored for its variable, `<task>.<VARIABLE>` — goes with its last use, audited;
    one made by hand with `secret set` stays, even under such a name; one another task uses
    stays."""
    import json

    from app.service import Service
    from app.store.database import Store

    keyring_file = tmp_path / "keyring.json"

    def in_keyring() -> str:
        return keyring_file.read_text() if keyring_file.exists() else ""

    store = Store.open(home)
    try:
        window = Service(store, "gui")  # as the editor stores what is typed in it
        window.set_secret("extract.API_TOKEN", "tw-own-1")
        window.set_secret("load.PASS", "tw-own-3")
    finally:
        store.close()
    for name, value in (("shared.db", "tw-shared-2"), ("backup.TOKEN", "tw-hand-4")):
        assert cli("secret", "set", name, stdin=value).code == 0
    assert cli("task", "add", "extract", "--manual", "--command", "env",
               "--secret-env", "API_TOKEN=extract.API_TOKEN",
               "--secret-env", "DB=shared.db").code == 0
    assert cli("task", "add", "load", "--manual", "--command", "env",
               "--secret-env", "PASS=load.PASS", "--secret-env", "DB=shared.db").code == 0
    assert cli("task", "add", "backup", "--manual", "--command", "env",
               "--secret-env", "TOKEN=backup.TOKEN").code == 0
    assert cli("task", "update", "extract", "--unset-env", "API_TOKEN").code == 0
    assert "tw-own-1" not in in_keyring() and "tw-shared-2" in in_keyring()
    assert cli("task", "delete", "load").code == 0
    assert cli("task", "delete", "backup").code == 0
    assert "tw-own-3" not in in_keyring() and "tw-hand-4" in in_keyring()
    assert cli("secret", "list").out.split() == ["backup.TOKEN", "shared.db"]
    events = json.loads(cli("audit", "--json").out)
    assert [e["target"] for e in events if e["action"] == "secret.delete"] == [
        "load.PASS", "extract.API_TOKEN"]
