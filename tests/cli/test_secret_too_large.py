"""A command gets its secrets in its environment, so a secret counts toward what Linux starts
it with, as a variable does (tests/cli/test_env_too_large.py): `task add --secret-env` of a
secret too large for that, or `secret set` of a value that makes a task using it too large,
was taken, and every run failed "Argument list too long". Each is refused in one line naming
the secret (exit 2, nothing changed); a Python action, which gets its secrets in
`context.env`, takes any size."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from tests.cli.test_secret_values import secret_set

LIMIT = 131_072  # MAX_ARG_STRLEN: "NAME=value" and its NUL
BIG = "x" * (LIMIT - len("TOKEN="))  # with its NUL one byte over
FITS = BIG[:-1]
TAIL = ("131,073 bytes, over Linux's 131,072 for one variable (MAX_ARG_STRLEN); every run "
        "would fail “Argument list too long”\n")


def kept() -> list[str]:
    """The values the test keyring holds (tests/support/file_keyring.py)."""
    return list(json.loads(Path(os.environ["TICKWORK_TEST_KEYRING"]).read_text()).values())


def test_a_task_whose_secret_is_too_large_to_run_with_is_refused(cli: Any, home: Path) -> None:
    assert secret_set(home, "token", BIG.encode()).returncode == 0  # no task uses it yet
    added = cli("task", "add", "nightly", "--command", "env", "--manual",
                "--secret-env", "TOKEN=token")
    assert (added.code, added.out) == (2, ""), added
    assert added.err == ("tickwork: error: secret-env: TOKEN is too large to run a command "
                         f"with: its secret 'token' makes TOKEN=… {TAIL}"), added.err
    assert cli("task", "list", "--json").json() == []
    assert cli("task", "add", "nightly", "--command", "env", "--manual").code == 0
    updated = cli("task", "update", "nightly", "--secret-env", "TOKEN=token")
    assert (updated.code, updated.err) == (added.code, added.err)
    assert cli("task", "show", "nightly", "--json").json()["secret_env"] == {}
    # a Python action's secrets are not its process's environment: any size
    assert cli("task", "add", "py", "--python", "json:dumps", "--manual",
               "--secret-env", "TOKEN=token").code == 0


def test_a_secret_set_too_large_for_a_task_using_it_is_refused_and_kept_as_it_was(
        cli: Any, home: Path) -> None:
    assert secret_set(home, "token", b"small").returncode == 0
    assert cli("task", "add", "nightly", "--command", "env", "--manual",
               "--secret-env", "TOKEN=token").code == 0
    audit = cli("audit", "--json").out
    grown = secret_set(home, "token", BIG.encode())
    assert (grown.returncode, grown.stdout) == (2, b""), grown
    assert grown.stderr.decode() == ("tickwork: error: value: secret 'token' is too large for "
                                     f"task 'nightly' to run with: it makes TOKEN=… {TAIL}")
    assert "small" in kept() and BIG not in kept()
    assert cli("audit", "--json").out == audit  # nothing said changed
    # one byte less fits, and so does any size once no command uses it
    assert secret_set(home, "token", FITS.encode()).returncode == 0
    assert cli("task", "update", "nightly", "--python", "json:dumps").code == 0
    assert secret_set(home, "token", BIG.encode() + b"more").returncode == 0
