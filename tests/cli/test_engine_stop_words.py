"""`tickwork engine stop` says what stopping this home's engine does: with another `tickwork
engine` standing by on the home, that one takes over at once; it said "nothing schedules this
home's tasks until Tickwork or `tickwork engine` starts again". Real engine processes (`engine
stop` reads their grace from the lock file, an older engine's from its command line), the
real CLI stopping them."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.store.lock import EngineLock
from faults.harness import wait_until
from tests.conftest import ROOT
from tests.engine.conftest import holding_engine
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


def test_an_engine_whose_command_line_does_not_say_its_grace_is_waited_out(
        home: Path, tmp_path: Path) -> None:
    """The grace is read from the engine's lock file: read from its command line, an engine
    whose line does not say it (here one forked by the test zygote, whose line is the
    zygote's; a fork server, a system without /proc) was taken for the window's ("quit that
    window", exit 1) or given 10 s. A run in flight finishes in the engine's grace, and
    `engine stop` waits until it has."""
    engine = holding_engine(home, tmp_path / "engine.log", grace=180)
    try:
        done = tmp_path / "done"
        assert tickwork.run(["--home", str(home), "task", "add", "slow", "--manual",
                             "--command", f"sleep 3; touch {done}", "--shell"],
                            cwd=ROOT, timeout=60).returncode == 0
        assert tickwork.run(["--home", str(home), "task", "run", "slow"], cwd=ROOT,
                            timeout=60).returncode == 0

        def status() -> str:
            listed = tickwork.run(["--home", str(home), "run", "list", "--json"], cwd=ROOT,
                                  timeout=60)
            return str(json.loads(listed.stdout)[0]["status"])
        wait_until(lambda: status() == "running", 30)
        stopped = _engine_stop(home)
        assert (stopped.returncode, stopped.stderr) == (0, ""), stopped
        assert stopped.stdout.splitlines()[0] == (
            f"asked the engine (process {engine.proc.pid}) to stop; its runs get up to 3 min "
            "to finish…"), stopped.stdout
        assert engine.proc.wait(30) == 0
        assert done.exists() and status() == "succeeded"  # waited out, not interrupted
    finally:
        engine.stop()


# an engine of an older version: its lock file names it, without its grace (the lock taken
# and the record written as such an engine did); its command line says the grace, or not
OLDER = """
import json, os, sys, time
from app import platform
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
assert platform.try_lock(fd)
os.pwrite(fd, json.dumps({"pid": os.getpid(), "engine": "0123abcd",
                          "since": time.time()}).encode(), 0)
print("held", flush=True)
sys.stdin.read()
"""


@pytest.mark.parametrize(("line", "said"), [(["engine", "--grace", "3m"], "up to 3 min"),
                                            (["engine"], "a few seconds")])
def test_an_older_engine_s_lock_file_without_its_grace_is_read_as_before(
        home: Path, line: list[str], said: str) -> None:
    home.mkdir(mode=0o700, parents=True)
    older = subprocess.Popen([sys.executable, "-c", OLDER, str(home / "engine.lock"), *line],
                             cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert older.stdout is not None and older.stdout.readline() == "held\n"
        stopped = _engine_stop(home)
        assert (stopped.returncode, stopped.stderr) == (0, ""), stopped
        assert stopped.stdout.splitlines()[0] == (
            f"asked the engine (process {older.pid}) to stop; its runs get {said} to "
            "finish…"), stopped.stdout
        assert older.wait(30) == -15  # (SIGTERM, which it does not catch)
    finally:
        stop(older)
