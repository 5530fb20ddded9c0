"""`tickwork engine stop` says what stopping this home's engine does: with another `tickwork
engine` standing by on the home, that one takes over at once; it said "nothing schedules this
home's tasks until Tickwork or `tickwork engine` starts again". Real engine processes (`engine
stop` reads their command lines), the real CLI stopping them."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.store.lock import EngineLock
from faults.harness import wait_until
from tests.conftest import ROOT
from tests.support import tickwork
from tests.support.processes import stop


@pytest.fixture
def engines(home: Path, tmp_path: Path) -> Iterator[Any]:
    """Start `tickwork --home HOME engine --grace GRACE` (1 s unless given; its log in
    tmp_path/NAME.log)."""
    started: list[subprocess.Popen[bytes]] = []

    def start(name: str, grace: str = "1") -> tuple[subprocess.Popen[bytes], Path]:
        log = tmp_path / f"{name}.log"
        with log.open("w") as err:
            proc = subprocess.Popen([sys.executable, "-m", "app.cli", "--home", str(home),
                                     "engine", "--grace", grace], cwd=ROOT,
                                    stdout=subprocess.DEVNULL, stderr=err)
        started.append(proc)
        return proc, log

    yield start
    for proc in started:
        stop(proc)


def _engine_stop(home: Path) -> subprocess.CompletedProcess[str]:
    return tickwork.run(["--home", str(home), "engine", "stop"], cwd=ROOT, timeout=60)


def test_stopping_the_engine_says_the_one_standing_by_took_over(engines: Any,
                                                                home: Path) -> None:
    first, first_log = engines("first")
    wait_until(lambda: "engine running" in first_log.read_text(), 60)
    second, second_log = engines("second")
    wait_until(lambda: "engine standby" in second_log.read_text(), 60)
    stopped = _engine_stop(home)
    assert (stopped.returncode, stopped.stderr) == (0, ""), stopped
    assert stopped.stdout.startswith(f"asked the engine (process {first.pid}) to stop"), stopped
    assert stopped.stdout.splitlines()[-1] == (
        f"stopped: the engine standing by (process {second.pid}) took over: it schedules "
        "this home's tasks now"), stopped.stdout
    assert first.wait(30) == 0
    assert (EngineLock(home).holder() or {}).get("pid") == second.pid
    # the last one: nothing schedules after it
    again = _engine_stop(home)
    assert again.returncode == 0, again
    assert again.stdout.startswith(f"asked the engine (process {second.pid}) to stop"), again
    assert again.stdout.splitlines()[-1] == (
        "stopped: nothing schedules this home's tasks until Tickwork or `tickwork engine` "
        "starts again"), again.stdout
    assert second.wait(30) == 0, second_log.read_text()[-3000:]


def test_stopping_an_engine_of_a_long_grace_says_it_and_waits_it_out(engines: Any,
                                                                     home: Path) -> None:
    """An engine started with `--grace 3m` gives its runs up to 3 min: `engine stop` said
    "a few seconds", and gave up after 120 s ("still holds the store", exit 1) while the
    engine stopped as told; it now waits the grace and 2 min more (that wait measured by
    hand: a `sleep 600` run, stopped 3 min on, exit 0)."""
    engine, log = engines("long", grace="3m")
    wait_until(lambda: "engine running" in log.read_text(), 60)
    stopped = _engine_stop(home)
    assert (stopped.returncode, stopped.stderr) == (0, ""), stopped
    assert stopped.stdout.splitlines()[0] == (
        f"asked the engine (process {engine.pid}) to stop; its runs get up to 3 min to "
        "finish…"), stopped.stdout
    assert engine.wait(30) == 0
