"""`tickwork engine stop` in the home a `tickwork engine --store URL` was started from, and
that home's `engine.shared` mark, through the user's door: real engines on the test's
PostgreSQL database as processes of their own, the real CLI stopping them."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.store.lock import SharedMark
from faults.harness import wait_until
from tests.conftest import ROOT
from tests.support import tickwork
from tests.support.processes import stop


@pytest.fixture
def engines(home: Path, pg_url: str, tmp_path: Path) -> Iterator[Any]:
    """Start `tickwork --home HOME engine --store URL` (its log in tmp_path/NAME.log)."""
    env = {k: v for k, v in os.environ.items() if k != "TICKWORK_STORE"}
    started: list[subprocess.Popen[bytes]] = []

    def start(name: str) -> tuple[subprocess.Popen[bytes], Path]:
        log = tmp_path / f"{name}.log"
        with log.open("w") as err:
            proc = subprocess.Popen(  # a process of its own: `engine stop` reads its argv
                [sys.executable, "-m", "app.cli", "--home", str(home), "engine", "--store",
                 pg_url, "--grace", "1"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                stderr=err)
        started.append(proc)
        return proc, log

    start.env = env  # type: ignore[attr-defined]
    yield start
    for proc in started:
        stop(proc)


def _engine_stop(home: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return tickwork.run(["--home", str(home), "engine", "stop"], cwd=ROOT, env=env, timeout=60)


def test_engine_stop_finds_the_standby_started_from_the_home_once_it_leads(
        engines: Any, home: Path, pg_url: str) -> None:
    """Two `tickwork engine --store URL` from one home: the first leads and marks the home,
    the second waits as its standby. `engine stop` stopped the first and said "an engine
    waiting as a standby takes over"; it did, but a second `engine stop` said "no engine is
    running for this home: nothing to stop" and left it running: only the first engine ever
    marked the home. An engine started from the home marks it as soon as the mark is free."""
    first, first_log = engines("first")
    wait_until(lambda: "engine running" in first_log.read_text(), 60)
    second, second_log = engines("second")
    wait_until(lambda: "engine standby" in second_log.read_text(), 60)
    stopped = _engine_stop(home, engines.env)
    assert (stopped.returncode, stopped.stderr) == (0, ""), stopped
    assert f"(process {first.pid})" in stopped.stdout
    assert first.wait(30) == 0
    wait_until(lambda: "taking over" in second_log.read_text() or second.poll() is not None,
               60)
    assert second.poll() is None, second_log.read_text()
    # it takes the mark at its next look (every 0.5 s); a stop in between finds none
    wait_until(lambda: (SharedMark(home).holder() or {}).get("pid") == second.pid, 10)
    again = _engine_stop(home, engines.env)
    assert (again.returncode, again.stderr) == (0, ""), again
    assert again.stdout.startswith(
        f"asked the engine (process {second.pid}) on the shared store {pg_url} to stop"), again
    assert second.wait(30) == 0


def test_an_engine_whose_home_mark_cannot_be_written_runs_and_stops_as_ever(
        engines: Any, home: Path, pg_url: str) -> None:
    """`engine.shared` in the home that no engine can write (here a named pipe left there:
    Linux refuses to truncate one, as a full disk refuses the write): the engine started,
    then said "tickwork: failed: OSError: [Errno 22] Invalid argument" and hung, its
    scheduler still running and SIGTERM no longer stopping it; it runs on, unmarked, and
    says so, with the stop that does find it (`--store` given)."""
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.mkfifo(home / "engine.shared")
    proc, log = engines("engine")
    wait_until(lambda: "engine running on" in log.read_text()
               or "tickwork: failed" in log.read_text() or proc.poll() is not None, 60)
    assert proc.poll() is None, log.read_text()
    assert "tickwork: failed" not in log.read_text()
    assert (f"WARNING tickwork.engine: cannot mark the home {home} as this engine's "
            "(engine.shared: Invalid argument): `tickwork engine stop` there does not find "
            f"it; `tickwork --home {home} --store {pg_url} engine stop` does\n") in log.read_text()
    stop(proc)
    assert proc.returncode == 0, log.read_text()


def test_engine_stop_of_the_standby_the_home_marks_says_the_leader_goes_on(
        engines: Any, home: Path, pg_url: str, tmp_path: Path) -> None:
    """The engine started from this home stands by (another home's engine leads the shared
    store): `engine stop` stopped it and said "an engine waiting as a standby takes over, if
    one does" — of the standby itself, with the leader going on as it was. It says so."""
    leader_log = tmp_path / "leader.log"
    with leader_log.open("w") as err:
        leader = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "--home", str(tmp_path / "elsewhere"), "engine",
             "--store", pg_url, "--grace", "1"], cwd=ROOT, env=engines.env,
            stdout=subprocess.DEVNULL, stderr=err)
    try:
        wait_until(lambda: "engine running" in leader_log.read_text(), 60)
        standby, standby_log = engines("standby")
        wait_until(lambda: "engine standby" in standby_log.read_text(), 60)
        wait_until(lambda: (SharedMark(home).holder() or {}).get("pid") == standby.pid, 10)
        stopped = _engine_stop(home, engines.env)
        assert (stopped.returncode, stopped.stderr) == (0, ""), stopped
        assert stopped.stdout == (
            f"asked the engine (process {standby.pid}) on the shared store {pg_url} to stop; "
            "its runs get a few seconds to finish…\n"
            "stopped: it was standing by, not leading: the engine that leads the shared store "
            f"{pg_url} schedules its tasks as before\n"), stopped.stdout
        assert standby.wait(30) == 0
        assert leader.poll() is None and "stopping" not in leader_log.read_text()
    finally:
        stop(leader)
