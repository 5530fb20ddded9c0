"""`tickwork audit --accept-unkeyed` accepts events no one can check as the person's own, for
good: it accepted at once, even from a script. Now it lists them and asks on a terminal;
elsewhere it accepts only with `--yes`, else one line naming the field, exit 2, nothing
accepted. (tests/cli/test_audit_verify.py has the acceptance itself.)"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import ROOT

BROKEN = "audit trail BROKEN: event 2 not keyed"


def _unkeyed_event(cli: Any, monkeypatch: Any) -> None:
    """Event 2 recorded while the keyring was unavailable (a locked keyring over SSH)."""
    kept = os.environ["PYTHON_KEYRING_BACKEND"]
    assert cli("task", "add", "a", "--command", "true").code == 0
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    assert cli("task", "add", "b", "--command", "true").code == 0
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", kept)
    assert cli("audit", "--verify").err.startswith(BROKEN)


def _actions(cli: Any) -> list[str]:
    return [e["action"] for e in cli("audit", "--json").json()]


def test_without_a_terminal_it_accepts_only_with_yes(cli: Any, monkeypatch: Any) -> None:
    _unkeyed_event(cli, monkeypatch)
    before = _actions(cli)
    refused = cli("audit", "--accept-unkeyed", stdin="y\n")  # (a pipe: no one was asked)
    assert refused.code == 2
    assert refused.err == (
        "tickwork: error: accept-unkeyed: 1 event recorded while the keyring was unavailable "
        "would be accepted as yours: add --yes to accept them (standard input is not a "
        "terminal to ask on)\n")
    assert refused.out.splitlines()[1].split()[-2:] == ["task.create", "b"]  # listed
    assert _actions(cli) == before and cli("audit", "--verify").err.startswith(BROKEN)
    alone = cli("audit", "--yes")
    assert (alone.code, alone.err) == (2, "tickwork: error: yes: goes with --accept-unkeyed\n")
    accepted = cli("audit", "--accept-unkeyed", "--yes", stdin="")
    assert accepted.code == 0, accepted.err
    assert cli("audit", "--verify").code == 0


def _on_a_terminal(home: Path, answer: str) -> tuple[int, str, str]:
    """`tickwork audit --accept-unkeyed` with its standard input a terminal, `answer` typed."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", "--home", str(home), "audit",
                             "--accept-unkeyed"], cwd=ROOT, stdin=follower,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    os.close(follower)
    os.write(leader, answer.encode() + b"\n")
    out, err = proc.communicate(timeout=60)
    os.close(leader)
    return proc.returncode, out.decode(), err.decode()


def test_on_a_terminal_it_lists_them_and_asks(cli: Any, home: Path, monkeypatch: Any
                                              ) -> None:
    _unkeyed_event(cli, monkeypatch)
    before = _actions(cli)
    code, out, err = _on_a_terminal(home, "n")
    assert (code, err) == (1, "accept this event as yours? [y/N] tickwork: nothing accepted\n")
    assert out.splitlines()[1].split()[-2:] == ["task.create", "b"]
    assert _actions(cli) == before
    code, out, err = _on_a_terminal(home, "y")
    assert (code, err) == (0, "accept this event as yours? [y/N] ")
    assert out.splitlines()[-1] == ("accepted 1 event recorded while the keyring was "
                                    "unavailable (audited as audit.accept_unkeyed)")
    assert _actions(cli)[0] == "audit.accept_unkeyed"
    assert cli("audit", "--verify").code == 0
