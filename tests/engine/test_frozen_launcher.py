"""A launcher frozen (SIGSTOP, a debugger) enforced no timeout or cancel and started nothing
it was handed: the command ran on, its run stayed `running` (or queued) for good. Now the
engine kills a launcher stopped for STOP_MISS seconds (app/engine/launcher/overdue.py); its
runs' trees are stopped by token and its runs end as at any launcher's death: a late stop as
asked, the rest `interrupted` and retried."""

from __future__ import annotations

import contextlib
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import psutil
import pytest

from app.core.task import Action
from app.engine.attempts import Attempt
from app.engine.launcher.client import Pending
from app.engine.launcher.overdue import HUNG_MISS, STOP_MISS, owed
from app.engine.processes import KILL_GRACE
from tests.engine.conftest import freeze, wait_until
from tests.engine.process_trees import gone


def _launchers(engine_pid: int) -> list[psutil.Process]:
    return [p for p in psutil.Process(engine_pid).children()
            if "app.engine.launcher" in p.cmdline() and not gone(p)]


def _sleepers(mark: str) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        with contextlib.suppress(psutil.Error):
            if mark in " ".join(proc.info["cmdline"] or []) and not gone(proc):
                found.append(proc)
    return found


@pytest.mark.parametrize("stop", ["timeout", "cancel"])
def test_a_stop_owed_by_a_frozen_launcher_still_happens(stop: str, spawn: Any, cli: Any,
                                                        tmp_path: Path) -> None:
    engine = spawn()
    engine.wait_for("engine running")
    mark = f"{600 + len(stop)}.25"  # one `sleep` this test alone starts
    timeout = ["--timeout", "4s"] if stop == "timeout" else []  # (the launcher frozen
    # before it: a fresh-clone run at load 20 found the sleeper stopped, 1 s, before it looked)
    assert cli("task", "add", "long", "--command", f"sleep {mark}", *timeout,
               "--manual").code == 0
    run = cli("task", "run", "long", "--json").json()

    def status() -> str:
        return str(cli("run", "show", str(run["id"]), "--json").json()["status"])

    sleepers = wait_until(lambda: _sleepers(mark), 10)  # (looked at directly: the CLI
    assert len(sleepers) == 1  # takes its time under load)
    frozen = [sleepers[0].parent()]  # its launcher; the others go on serving
    for proc in frozen:
        freeze(proc.pid)
    assert frozen[0].pid in {p.pid for p in _launchers(engine.proc.pid)}
    assert status() == "running"
    try:
        if stop == "cancel":
            assert cli("run", "cancel", str(run["id"])).code == 0
        wait_until(lambda: status() != "running", STOP_MISS + KILL_GRACE + 10)
        shown = cli("run", "show", str(run["id"]), "--json").json()
        assert shown["status"] == ("timed_out" if stop == "timeout" else "cancelled"), shown
        assert not _sleepers(mark), "the command ran on"
        assert f"launcher process {frozen[0].pid} has been stopped" in engine.text()
        wait_until(lambda: any(gone(p) for p in frozen), 5)
        assert cli("task", "add", "next", "--command", "true", "--manual").code == 0
        after = cli("task", "run", "next", "--json").json()  # a new launcher runs it
        wait_until(lambda: cli("run", "show", str(after["id"]), "--json").json()["status"]
                   == "succeeded", 10)
    finally:
        for proc in frozen:
            with contextlib.suppress(psutil.Error):
                proc.kill()


def test_a_command_handed_to_a_frozen_launcher_is_retried_by_a_live_one(
        spawn: Any, cli: Any, tmp_path: Path) -> None:
    engine = spawn()
    engine.wait_for("engine running")
    assert cli("task", "add", "warm", "--command", "true", "--manual").code == 0
    assert cli("task", "run", "warm", "--wait", "30").code == 0
    frozen = _launchers(engine.proc.pid)  # every one of them, each past its exec
    assert frozen
    for proc in frozen:
        freeze(proc.pid)
    try:
        out = tmp_path / "out.txt"
        assert cli("task", "add", "once", "--command", f"echo x >> {out}", "--shell",
                   "--retries", "1", "--retry-delay", "0.1", "--manual").code == 0
        assert cli("task", "run", "once").code == 0
        runs = wait_until(lambda: [r for r in cli("run", "list", "--json").json()
                                   if r["task_name"] == "once" and r["status"] == "succeeded"],
                          STOP_MISS + 15)
        assert runs[0]["attempt"] == 2 and out.read_text().split() == ["x"]
        assert all(gone(p) for p in frozen)
        first = next(r for r in cli("run", "list", "--json").json() if r["attempt"] == 1
                     and r["task_name"] == "once")
        assert first["status"] == "interrupted" and "launcher process" in first["error"], first
    finally:
        for proc in frozen:
            with contextlib.suppress(psutil.Error):
                proc.kill()


def _pending(run_id: int, handed_ago: float, *, started: bool = True,
             timeout: float | None = None, cancelled_ago: float | None = None) -> Pending:
    attempt = Attempt(run_id=run_id, task_id=1, task_name="t", scheduled_for=datetime.now(UTC),
                      attempt=1, action=Action(kind="command", target="true"), timeout=timeout)
    pending = Pending(run_id, attempt, cast(Any, None), lambda _outcome: None)
    now = time.monotonic()
    pending.handed, pending.started = now - handed_ago, started
    pending.cancelled = now - cancelled_ago if cancelled_ago is not None else 0.0
    return pending


def test_what_a_hung_launcher_owes_and_how_late() -> None:
    """A launcher that still runs but answers nothing is killed only once what it owes is
    HUNG_MISS seconds late: a start, a stop at a timeout (plus its kill grace), a cancel."""
    assert owed([_pending(1, 3600)], HUNG_MISS) == (0.0, None)  # a long run owes nothing
    assert owed([_pending(1, HUNG_MISS - 1, started=False)], HUNG_MISS)[1] is None
    late, what = owed([_pending(1, HUNG_MISS + 1, started=False)], HUNG_MISS)
    assert what == "started run 1" and late == pytest.approx(HUNG_MISS + 1, abs=0.5)
    on_time = HUNG_MISS + KILL_GRACE + 10 - 1
    assert owed([_pending(2, on_time, timeout=10)], HUNG_MISS)[1] is None
    assert owed([_pending(2, on_time + 2, timeout=10)], HUNG_MISS)[1] == (
        "stopped run 2 at its timeout")
    assert owed([_pending(3, 3600, cancelled_ago=HUNG_MISS + KILL_GRACE + 1)],
                HUNG_MISS)[1] == "stopped run 3 at its cancel"
    late, what = owed([_pending(4, HUNG_MISS + 5, started=False), _pending(5, 3600, timeout=1)],
                      HUNG_MISS)
    assert what == "stopped run 5 at its timeout"  # the latest of what it owes
