"""A keyring that does not answer (locked, its unlock prompt unanswered) holds up only the
command that asked it: a CLI write read the audit chain's key from the keyring inside its
write transaction, so every other writer — the engine's runs — waited behind the store's
lock for as long (a fault hunt: an every-second task stopped for 24 s, "database is locked"
in the engine's log). The key is read before the lock is taken."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Any

from tests.cli.test_secret_values import secret_set
from tests.support.keyring_hold import keyring_held


def test_a_write_waiting_on_the_keyring_does_not_hold_the_store(home: Path, cli: Any,
                                                                  tmp_path: Path) -> None:
    assert cli("task", "add", "first", "--command", "true", "--manual").code == 0  # keyed
    with keyring_held(home, tmp_path, ["task", "add", "second", "--command", "true",
                                       "--manual"]) as (proc, err_file):
        _another_writer_gets(home)
    assert proc.wait(30) == 0, err_file.read_text()
    assert {t["name"] for t in cli("task", "list", "--json").json()} == {"first", "second"}
    assert cli("audit", "--verify").code == 0


def _another_writer_gets(home: Path) -> None:
    """Another writer (the engine's, say) gets the store meanwhile (it waits 2 s at most)."""
    other = sqlite3.connect(home / "tickwork.db", timeout=2)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()


def _waits_outside_the_store(home: Path, tmp_path: Path, args: list[str],
                             stdin: bytes | None = None) -> None:
    """`args` run while the keyring gives no answer for the secret "token": another writer
    gets the store meanwhile, and the command ends once the keyring answers."""
    with keyring_held(home, tmp_path, args, stdin, ONLY="token") as (proc, err_file):
        _another_writer_gets(home)
    assert proc.wait(30) == 0, err_file.read_text()


def test_a_command_s_secrets_are_read_for_their_size_before_the_store_is_held(
        home: Path, cli: Any, tmp_path: Path) -> None:
    """A command's secrets count toward what Linux starts it with, so saving a task that
    uses one reads its value (app/service_secrets.py) — inside the write transaction, where
    a keyring waiting on its prompt held every other writer up as the audit key once did."""
    assert cli("task", "add", "first", "--command", "true", "--manual").code == 0  # keyed
    assert secret_set(home, "token", b"t0ken").returncode == 0
    assert secret_set(home, "other", b"0ther").returncode == 0
    _waits_outside_the_store(home, tmp_path, [
        "task", "add", "uses", "--command", "printenv TOKEN", "--manual",
        "--secret-env", "TOKEN=token"])
    _waits_outside_the_store(home, tmp_path, [
        "task", "update", "uses", "--command", "printenv TOKEN OTHER",
        "--secret-env", "OTHER=other"])
    # a new value of "other": the task using it is sized with its "token" too
    _waits_outside_the_store(home, tmp_path, ["secret", "set", "other"], b"n3w")
    shown = cli("task", "show", "uses", "--json").json()
    assert (shown["secret_env"], shown["action"]["argv"]) == (
        {"TOKEN": "token", "OTHER": "other"}, ["printenv", "TOKEN", "OTHER"])
    assert cli("audit", "--verify").code == 0


def _held_write(home: Path, tmp_path: Path, cli: Any, args: list[str], meanwhile: list[str],
                stdin: bytes = b"", locked: Path | None = None) -> tuple[int, str]:
    """`args` run while the keyring gives no answer to a write or delete of the secret
    "token"; the CLI's `meanwhile` (another process) runs then and must finish; then the
    keyring answers (and with `locked`, that file made, refuses from then on: its prompt
    dismissed): the command's exit code and stderr."""
    with keyring_held(home, tmp_path, args, stdin, ONLY="token", ON="writes",
                      LOCKED=str(locked or tmp_path / "never")) as (proc, err_file):
        done = cli(*meanwhile)
        assert done.code == 0, done.err  # (the store held: "database is locked", exit 1)
        if locked is not None:
            locked.touch()
    return proc.wait(30), err_file.read_text()


def _held() -> dict[str, str]:
    """The test keyring's secrets by name (the audit's own entries left out)."""
    path = Path(os.environ["TICKWORK_TEST_KEYRING"])
    entries = json.loads(path.read_text()) if path.exists() else {}
    return {key.split("\x1f")[1]: value for key, value in entries.items()
            if not key.split("\x1f")[1].startswith("tickwork:")}


def test_secret_set_and_delete_waiting_on_the_keyring_do_not_hold_the_store(
        home: Path, cli: Any, tmp_path: Path) -> None:
    """`secret set` and `secret delete` wrote the keyring inside the store's write
    transaction: a keyring waiting on its prompt held every other writer behind the lock
    (a `task add` meanwhile failed "database is locked"). The keyring is written first,
    outside the lock, then the store and the audit."""
    assert cli("task", "add", "first", "--command", "true", "--manual").code == 0  # keyed
    add = ["task", "add", "--command", "true", "--manual"]
    assert _held_write(home, tmp_path, cli, ["secret", "set", "token"], [*add, "second"],
                       b"t0ken") == (0, "")
    assert cli("secret", "list", "--json").json() == ["token"] and _held() == {"token": "t0ken"}
    assert _held_write(home, tmp_path, cli, ["secret", "delete", "token"],
                       [*add, "third"]) == (0, "")
    assert cli("secret", "list", "--json").json() == [] and _held() == {}
    assert {t["name"] for t in cli("task", "list", "--json").json()} == {
        "first", "second", "third"}
    said = [(e["action"], e["target"]) for e in cli("audit", "--json").json()[:4]]
    assert said[:1] == [("secret.delete", "token")] and ("secret.set", "token") in said, said
    assert cli("audit", "--verify").code == 0


def test_a_secret_a_task_took_while_its_delete_waited_keeps_its_value(
        home: Path, cli: Any, tmp_path: Path) -> None:
    """The keyring's delete comes first: a task that took the secret while it waited makes
    the store refuse, and the value is put back, where the task would have run without it."""
    assert cli("secret", "set", "token", stdin="t0ken").code == 0
    code, err = _held_write(home, tmp_path, cli, ["secret", "delete", "token"], [
        "task", "add", "uses", "--command", "env", "--manual", "--secret-env", "TOKEN=token"])
    assert (code, err) == (2, "tickwork: error: secret: 'token' is used by uses\n")
    assert cli("secret", "list", "--json").json() == ["token"] and _held() == {"token": "t0ken"}
    assert "secret.delete" not in {e["action"] for e in cli("audit", "--json").json()}
    assert cli("audit", "--verify").code == 0


def test_a_keyring_that_cannot_be_put_back_is_said_with_the_failure(
        home: Path, cli: Any, tmp_path: Path) -> None:
    """The store refused the delete (a task took the secret meanwhile) and the keyring,
    locked since, could not be given the value back: said, not only logged, since the task
    now runs without it."""
    assert cli("secret", "set", "token", stdin="t0ken").code == 0
    code, err = _held_write(home, tmp_path, cli, ["secret", "delete", "token"], [
        "task", "add", "uses", "--command", "env", "--manual", "--secret-env", "TOKEN=token"],
        locked=tmp_path / "locked")
    assert code == 1 and err.splitlines()[-1] == (
        "tickwork: error: secret: 'token' is used by uses; and the keyring could not be put "
        "back as it was: secret 'token': its value is gone (KeyringLocked: the test keyring is "
        "locked)"), err  # (after the audit's own line: its key cannot be read either)
    assert cli("secret", "list", "--json").json() == ["token"] and _held() == {}
    assert "secret.delete" not in {e["action"] for e in cli("audit", "--json").json()}
