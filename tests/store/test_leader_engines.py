"""Several real `tickwork engine --store URL` processes, each with its own home (as on separate
machines), on one PostgreSQL store: exactly one leads and fires; a killed leader is replaced
by the standby; a leader stopped (SIGSTOP) past its lease is replaced, and once resumed it
commits nothing, steps down once and can lead again later. The ledger has no fire run twice.

The takeover times are printed (`-s`): they are measured, not asserted (the machine is
shared); the waits below are bounds for a loaded machine.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest

from app.store.leader import RETAKE
from faults.harness import wait_until
from tests.conftest import ROOT
from tests.support import tickwork
from tests.support.processes import stop

PACE = "0.1"


@dataclass
class Started:
    name: str
    proc: Any
    log: Path

    def text(self) -> str:
        return self.log.read_text()


class Engines:
    """The test's engine processes and its look at the shared store."""

    def __init__(self, tmp_path: Path, url: str) -> None:
        self.tmp_path = tmp_path
        self.url = url
        self.started: list[Started] = []
        self.env = {**os.environ, "TICKWORK_PACE": PACE}

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        done = tickwork.run(["--home", str(self.tmp_path / "cli"), "--store", self.url, *args],
                            timeout=60, cwd=ROOT, env=self.env)
        assert done.returncode == 0, done.stderr
        return done

    def start(self, name: str, state: str, pace: str = PACE) -> Started:
        """An engine with its own home; waits until it says `state` (running | standby)."""
        log = self.tmp_path / f"{name}.log"
        with log.open("w") as err:
            proc = tickwork.start(["--home", str(self.tmp_path / name), "engine", "--store",
                                   self.url, "--grace", "2"], cwd=ROOT,
                                  env={**self.env, "TICKWORK_PACE": pace},
                                  stdout=subprocess.DEVNULL, stderr=err)
        engine = Started(name, proc, log)
        self.started.append(engine)
        wait_until(lambda: f"engine {state}" in engine.text(), 60)
        return engine

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.url, autocommit=True) as con:
            return con.execute(sql, params).fetchall()

    def leader(self) -> dict[str, Any]:
        rows = self.query("SELECT value FROM meta WHERE key = 'leader'")
        return json.loads(rows[0][0]) if rows else {}

    def leader_pid(self) -> int | None:
        pid = self.leader().get("pid")
        return int(pid) if pid is not None else None

    def runs(self) -> list[tuple[Any, ...]]:
        """(scheduled_for, attempt, status, engine, queued_at, finished_at, reason)."""
        return self.query("SELECT scheduled_for, attempt, status, engine, queued_at,"
                          " finished_at, reason FROM run ORDER BY id")

    def stop_all(self) -> None:
        for engine in self.started:
            if engine.proc.poll() is None:
                os.kill(engine.proc.pid, signal.SIGCONT)
            stop(engine.proc)


@pytest.fixture
def engines(tmp_path: Path, pg_url: str) -> Iterator[Engines]:
    found = Engines(tmp_path, pg_url)
    yield found
    found.stop_all()
    for engine in found.started:
        assert "Traceback" not in engine.text(), engine.text()


def engine_pid(engine_id: str) -> int:
    return int(engine_id.split(":")[1])


def no_fire_ran_twice(engines: Engines) -> None:
    succeeded: dict[str, int] = {}
    for fire, _attempt, status, *_ in engines.runs():
        if status == "succeeded":
            succeeded[fire] = succeeded.get(fire, 0) + 1
    assert all(n == 1 for n in succeeded.values()), succeeded


def test_two_engines_on_one_store_only_the_leader_fires(engines: Engines) -> None:
    engines.cli("task", "add", "tick", "--command", "true", "--every", "1s")
    a = engines.start("a", "running")
    b = engines.start("b", "standby")
    assert engines.leader_pid() == a.proc.pid
    assert "leads since" in b.text()  # the standby says who leads, where and since when
    wait_until(lambda: sum(r[2] == "succeeded" for r in engines.runs()) >= 3, 30)
    assert {engine_pid(r[3]) for r in engines.runs()} == {a.proc.pid}
    no_fire_ran_twice(engines)


def test_a_killed_leader_is_replaced_and_nothing_is_lost_or_run_twice(
        engines: Engines) -> None:
    engines.cli("task", "add", "tick", "--command", "true", "--every", "1s",
                "--catch-up", "all")
    a = engines.start("a", "running")
    b = engines.start("b", "standby")
    wait_until(lambda: sum(r[2] == "succeeded" for r in engines.runs()) >= 2, 30)
    a.proc.kill()
    killed = time.monotonic()
    wait_until(lambda: engines.leader_pid() == b.proc.pid, 15)
    took = time.monotonic() - killed
    wait_until(lambda: sum(engine_pid(r[3]) == b.proc.pid and r[2] == "succeeded"
                           for r in engines.runs()) >= 2, 30)
    print(f"\nkill -9: the standby led {took:.2f}s after the leader was killed")
    firsts = sorted(datetime.fromisoformat(r[0]).timestamp() for r in engines.runs()
                    if r[1] == 1)
    assert len(firsts) == len(set(firsts))  # each fire claimed once
    assert firsts[-1] - firsts[0] == len(firsts) - 1, firsts  # no second was lost
    no_fire_ran_twice(engines)


def test_a_stopped_leader_is_fenced_off_and_steps_down_once_resumed(
        engines: Engines) -> None:
    engines.cli("task", "add", "tick", "--command", "sleep 0.4", "--every", "1s")
    a = engines.start("a", "running")
    b = engines.start("b", "standby")
    wait_until(lambda: sum(r[2] == "succeeded" for r in engines.runs()) >= 2, 30)
    os.kill(a.proc.pid, signal.SIGSTOP)
    stopped_at = datetime.now(UTC)
    stopped = time.monotonic()
    wait_until(lambda: engines.leader_pid() == b.proc.pid, 15)
    took = time.monotonic() - stopped
    wait_until(lambda: sum(engine_pid(r[3]) == b.proc.pid and r[2] == "succeeded"
                           for r in engines.runs()) >= 2, 30)
    os.kill(a.proc.pid, signal.SIGCONT)
    a_log = wait_until(lambda: "engine standby: fenced off" in a.text() and a.text(), 30)
    print(f"\nSIGSTOP: the standby led {took:.2f}s after the leader was stopped")

    assert a_log.count("this engine was fenced off") == 1, a_log
    for _fire, _attempt, status, engine, queued, finished, reason in engines.runs():
        if engine_pid(engine) != a.proc.pid:
            continue
        assert datetime.fromisoformat(queued) < stopped_at  # claimed nothing once stopped
        if finished is not None and datetime.fromisoformat(finished) > stopped_at:
            # ended after the stop: only by the new leader's recovery, never by the old one
            assert status == "interrupted" and "the engine died" in reason, reason
    fenced = engines.query("SELECT target FROM audit_event WHERE action = 'engine.fenced_off'")
    assert [engine_pid(t) for (t,) in fenced] == [a.proc.pid]
    no_fire_ran_twice(engines)

    stop(b.proc)  # the old leader, a standby now, leads again
    wait_until(lambda: engines.leader_pid() == a.proc.pid, 30)
    try:
        wait_until(lambda: any(engine_pid(r[3]) == a.proc.pid and r[2] == "succeeded"
                               and datetime.fromisoformat(r[4]) > stopped_at
                               for r in engines.runs()), 30)
    except TimeoutError:
        raise AssertionError(a.text()) from None
    no_fire_ran_twice(engines)


def test_a_cancel_from_another_machine_reaches_the_leader_that_runs_it(
        engines: Engines, tmp_path: Path) -> None:
    """The CLI in a home of its own (no file lock there) asks the leader to stop the run, and
    the leader stops the command and records how it ended — not a run marked cancelled
    while its command goes on."""
    marker = tmp_path / "still-running"
    engines.cli("task", "add", "long", "--manual", "--shell", "--command",
                f"while true; do touch {marker}; sleep 0.1; done")
    engines.start("a", "running")
    engines.cli("task", "run", "long")
    wait_until(lambda: any(r[2] == "running" for r in engines.runs()), 30)
    run_id = engines.query("SELECT id FROM run")[0][0]
    engines.cli("run", "cancel", str(run_id))
    wait_until(lambda: engines.runs()[0][2] == "cancelled" and engines.runs()[0][5], 30)
    marker.unlink(missing_ok=True)
    time.sleep(0.5)  # the command, had it gone on, would touch the file again
    assert not marker.exists()


def test_a_server_crash_leaves_the_lead_with_the_living_leader_and_its_runs_run_once(
        engines: Engines, pg_server: Any, tmp_path: Path) -> None:
    """PostgreSQL crashes (`pg_ctl stop -m immediate`) and starts again under two engines,
    a run in flight on the leader that ends while the server is away. The restart ended the
    leader's lease with every other session, but the leader lives: it takes its lease back
    and records the run as it ended, once. Before, the standby — asking for the lease every
    0.05 s against the leader's retake every second — led as soon as the server was back:
    it stopped the leader's command or marked the run that had ended `interrupted`, and
    retried it (the leader, deposed, dropped the result it held)."""
    out = tmp_path / "attempts.txt"
    engines.cli("task", "add", "long", "--manual", "--shell", "--retries", "1",
                "--retry-delay", "0.1", "--command",
                f"sleep 1.5; echo $TICKWORK_ATTEMPT >> {out}")
    a = engines.start("a", "running", pace="2")  # retakes its lease about every second
    b = engines.start("b", "standby")
    engines.cli("task", "run", "long")
    wait_until(lambda: [r for r in engines.runs() if r[2] == "running"], 30)
    with pg_server.paused("immediate"):
        wait_until(lambda: "cannot ask" in b.text(), 10)  # the standby met it away
        wait_until(lambda: out.exists(), 10)  # the run ended meanwhile
    def settled() -> list[tuple[Any, ...]]:
        rows = engines.runs()
        return rows if all(r[5] is not None for r in rows) else []

    wait_until(settled, 30)
    time.sleep(RETAKE + 0.5)  # what the standby would do, it would have done by now
    runs = wait_until(settled, 30)
    assert [(r[1], r[2]) for r in runs] == [(1, "succeeded")], (runs, b.text()[-3000:])
    assert engines.leader_pid() == a.proc.pid, b.text()
    assert out.read_text().split() == ["1"]
    assert engines.query("SELECT target FROM audit_event WHERE action = 'engine.fenced_off'"
                         ) == []
    assert "holds its lease again" in a.text() and "fenced off" not in a.text()


def test_a_leader_that_died_while_the_server_was_away_is_replaced_once_it_is_back(
        engines: Engines, pg_server: Any) -> None:
    """The other side of the standby's wait after an outage: the leader is killed while the
    server is away, so nobody takes the lease back, and the standby leads `RETAKE` seconds
    after the server's return; the dead leader's run is interrupted and retried, once."""
    engines.cli("task", "add", "long", "--manual", "--retries", "1", "--retry-delay", "0.1",
                "--shell", "--command", 'if [ "$TICKWORK_ATTEMPT" = 1 ]; then sleep 30; fi')
    a = engines.start("a", "running")
    b = engines.start("b", "standby")
    engines.cli("task", "run", "long")
    wait_until(lambda: [r for r in engines.runs() if r[2] == "running"], 30)
    with pg_server.paused("immediate"):
        wait_until(lambda: "cannot ask" in b.text(), 10)
        a.proc.kill()
        a.proc.wait(10)
    back = time.monotonic()
    wait_until(lambda: engines.leader_pid() == b.proc.pid, RETAKE + 10)
    took = time.monotonic() - back
    print(f"\nthe standby led {took:.2f}s after the server was back")
    assert took >= RETAKE - 0.5  # it left the lease to the leader of record that long
    try:
        runs = wait_until(lambda: [(r[1], r[2]) for r in engines.runs()] == [
            (1, "interrupted"), (2, "succeeded")] and engines.runs(), 30)
    except TimeoutError:
        raise AssertionError((engines.runs(), b.text()[-3000:])) from None
    assert engine_pid(runs[1][3]) == b.proc.pid
