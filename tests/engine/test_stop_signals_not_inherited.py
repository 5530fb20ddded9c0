"""The package's first lines block the stop signals of a starting `tickwork engine`, and a
blocked mask is inherited across exec: a command the engine runs must never start with
SIGTERM or SIGINT blocked (its timeout and its cancel send them). Through each door, started
as a hostile parent would — the three stop signals blocked — the engine, its launchers and
the command it runs have them unblocked; and a process of another command whose arguments
hold the word "engine" (`--home engine`) has them unblocked while it runs (it never becomes
an engine, and handed back its handlers). Linux: the masks are read in /proc."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from faults.harness import wait_until
from tests.conftest import ROOT

SCRIPT = Path(sys.executable).parent / "tickwork"  # pip's console script (`make install`)
DOORS = {"python -m app.cli": [sys.executable, "-m", "app.cli"],
         "python -m app.cli.__main__": [sys.executable, "-m", "app.cli.__main__"],
         "python main.py": [sys.executable, str(ROOT / "main.py")],
         "tickwork": [str(SCRIPT)]}
STOPS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="no /proc")


def _blocked_by_parent() -> None:
    signal.pthread_sigmask(signal.SIG_BLOCK, STOPS)


def _blocked(status: str) -> set[int]:
    """The signals a /proc status text says are blocked."""
    mask = int(next(line for line in status.splitlines() if line.startswith("SigBlk:"))
               .split()[1], 16)
    return {n for n in range(1, 65) if mask & (1 << (n - 1))}


def _of(pid: int) -> set[int]:
    return _blocked(Path(f"/proc/{pid}/status").read_text())


@pytest.mark.parametrize("door", DOORS)
def test_the_engines_commands_start_with_the_stop_signals_unblocked(
        door: str, cli: Any, home: Path, tmp_path: Path) -> None:
    if door == "tickwork" and not SCRIPT.exists():
        pytest.skip("the package's script is not installed")
    assert cli("task", "add", "mask", "--command", "cat /proc/self/status", "--manual").code == 0
    log = tmp_path / "engine.log"
    with log.open("w") as err:
        engine = subprocess.Popen([*DOORS[door], "--home", str(home), "engine", "--grace", "1"],
                                  cwd=ROOT, stderr=err, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, preexec_fn=_blocked_by_parent)
    try:
        wait_until(lambda: "engine running" in log.read_text(), 30)
        assert not _of(engine.pid) & {2, 15}, door
        assert cli("task", "run", "mask", "--wait", "30").code == 0
        children = Path(f"/proc/{engine.pid}/task/{engine.pid}/children").read_text().split()
        assert children  # (its launcher)
        for child in children:
            assert not _of(int(child)) & {2, 15}, door
    finally:
        engine.send_signal(signal.SIGTERM)
        assert engine.wait(30) == 0, log.read_text()
    run = cli("run", "list", "--task", "mask", "--json").json()[0]
    said = cli("run", "show", str(run["id"]), "--log").out
    assert not _blocked(said) & {2, 15}, said


@pytest.mark.parametrize("door", DOORS)
def test_another_command_naming_engine_runs_with_them_unblocked(door: str,
                                                                tmp_path: Path) -> None:
    if door == "tickwork" and not SCRIPT.exists():
        pytest.skip("the package's script is not installed")
    proc = subprocess.Popen([*DOORS[door], "--home", "engine", "import", "--crontab", "-"],
                            cwd=tmp_path, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:  # (it waits on its standard input — read(0, …) — and its mask is read meanwhile)
        wait_until(lambda: Path(f"/proc/{proc.pid}/syscall").read_text().split()[:2]
                   == ["0", "0x0"], 30)
        assert not _of(proc.pid) & {2, 15}, door
    finally:
        _out, err = proc.communicate("", timeout=30)
    assert proc.returncode in (0, 2), err
