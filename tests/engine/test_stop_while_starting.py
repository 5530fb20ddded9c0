"""A SIGTERM while `tickwork engine` starts — before Python runs its first line, while it
imports the engine (a second or more), during its start-up recovery — stops it as one a
moment later does: one line, exit 0, its lock let go, its runs given back; a second engine
then starts and runs them. It was killed at once (status 143, nothing logged) until its
imports were done.

The real program (`python -m app.cli`, a new interpreter: not the test zygote, which has
the imports done already), each moment made certain, not hoped for: a signal sent before
the interpreter starts is held (blocked) for it; the imports are seen in `python -v`'s
lines; the recovery in the engine's own log."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app.store.lock import EngineLock
from tests.conftest import ROOT
from tests.engine.conftest import wait_until

STOPPING = "received SIGTERM: stopping"


def _start(home: Path, log: Path, *, verbose: bool = False,
           held: bool = False) -> subprocess.Popen[bytes]:
    """`python [-v] -m app.cli --home HOME engine`; `held`: SIGTERM blocked as it starts
    (a signal sent then waits, pending, until the program unblocks it)."""
    def block() -> None:
        signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM])

    with log.open("w") as err:
        return subprocess.Popen(
            [sys.executable, *(["-v"] if verbose else []), "-m", "app.cli", "--home", str(home),
             "engine", "--grace", "1"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err,
            preexec_fn=block if held else None)


def _stopped(proc: subprocess.Popen[bytes]) -> int:
    try:
        return proc.wait(60)
    except subprocess.TimeoutExpired:  # (blocked, the old engine never heard it)
        proc.kill()
        proc.wait()
        return -9


def _statuses(cli: Any) -> dict[str, str]:
    result = cli("run", "list", "--json")
    assert result.code == 0, result.err
    return {r["task_name"]: r["status"]  # (each task's latest run)
            for r in sorted(result.json(), key=lambda r: int(r["id"]))}


def _then_a_second_engine_runs_them(spawn: Any, cli: Any, home: Path) -> None:
    assert EngineLock(home).holder() is None  # let go
    assert "running" not in _statuses(cli).values()
    second = spawn("second")
    second.wait_for("engine running on")
    wait_until(lambda: _statuses(cli).get("queued") == "succeeded", 30)
    assert second.stop() == 0
    assert "Traceback" not in second.text()


@pytest.fixture
def queued(cli: Any) -> None:
    """A home with tasks, one of them with a run queued (`task run` with no engine)."""
    for name in ("hourly", "daily"):
        assert cli("task", "add", name, "--command", "true", "--every",
                   "1h" if name == "hourly" else "1d").code == 0
    assert cli("task", "add", "queued", "--command", "true", "--manual").code == 0
    assert cli("task", "run", "queued").code == 0


@pytest.mark.usefixtures("queued")
@pytest.mark.parametrize("moment", ["before Python starts", "while it imports the engine"])
def test_a_sigterm_while_it_starts_stops_it_gracefully(
        moment: str, home: Path, tmp_path: Path, cli: Any, spawn: Any) -> None:
    log = tmp_path / "first.log"
    if moment == "before Python starts":
        proc = _start(home, log, held=True)
        proc.send_signal(signal.SIGTERM)
    else:  # (printed once app.cli.entry has run: the package's first lines long before)
        proc = _start(home, log, verbose=True)
        wait_until(lambda: "import 'app.cli.entry'" in log.read_text(), 60)
        proc.send_signal(signal.SIGTERM)
    assert _stopped(proc) == 0, log.read_text()[-2000:]
    text = log.read_text()
    assert text.count(STOPPING) == 1, text[-2000:]
    assert "Traceback" not in text
    assert _statuses(cli)["queued"] == "queued"  # (never started: still waits for one)
    _then_a_second_engine_runs_them(spawn, cli, home)


@pytest.mark.usefixtures("queued")
def test_a_sigterm_during_its_recovery_stops_it_gracefully(
        home: Path, tmp_path: Path, cli: Any, spawn: Any) -> None:
    """The engine before it died (kill -9) left a run running: the next one's recovery
    stops what it left and marks it interrupted; a SIGTERM then stops it gracefully."""
    assert cli("task", "add", "long", "--command", "sleep 60", "--manual").code == 0
    dead = spawn("dead")
    dead.wait_for("engine running on")
    wait_until(lambda: _statuses(cli).get("queued") == "succeeded", 30)
    assert cli("task", "run", "long").code == 0
    wait_until(lambda: _statuses(cli)["long"] == "running", 30)
    dead.kill9()
    assert cli("task", "run", "queued").code == 0  # (queued again, for the next start)
    log = tmp_path / "first.log"
    proc = _start(home, log)
    wait_until(lambda: "of long: interrupted" in log.read_text(), 60)
    proc.send_signal(signal.SIGTERM)
    assert _stopped(proc) == 0, log.read_text()
    text = log.read_text()
    assert text.count(STOPPING) == 1, text
    assert "Traceback" not in text
    assert _statuses(cli)["long"] == "interrupted"
    _then_a_second_engine_runs_them(spawn, cli, home)
