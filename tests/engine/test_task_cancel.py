"""`tickwork task cancel TASK` beside a running engine, the CLI a real subprocess: each of the
task's runs in progress (one running, one waiting behind it) is asked of the engine, said in
a line as `run cancel` says it; the engine ends them `cancelled` and stops the command. Once
none is in progress it says so and exits 0; an unknown task is the usual one line, exit 2. A
cancel the engine was asked already is left to it, said as such and not audited again."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import psutil

from tests.engine.conftest import freeze, wait_until

REQUESTED = ("run {id} of 'long': cancel requested — it was {status}; its engine stops it "
             "(`tickwork run show {id}` says how it ended)")


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _runs(cli: Any) -> dict[int, str]:
    return {r["id"]: r["status"] for r in cli("run", "list", "--task", "long", "--json").json()}


def _long(cli: Any, pid_file: Path) -> None:
    assert cli("task", "add", "long", "--shell", "--manual", "--command",
               f"echo $$ > {pid_file}; exec sleep 60").code == 0


def test_task_cancel_cancels_each_run_in_progress(spawn: Any, cli: Any, tmp_path: Path) -> None:
    engine = spawn()
    engine.wait_for("engine running")
    pid_file = tmp_path / "long.pid"
    _long(cli, pid_file)
    first = cli("task", "run", "long", "--json").json()["id"]
    wait_until(lambda: _runs(cli).get(first) == "running", 15)
    second = cli("task", "run", "long", "--json").json()["id"]  # waits behind the first
    wait_until(lambda: _runs(cli).get(second) in ("queued", "waiting"), 15)
    pid = int(pid_file.read_text())

    out = cli("task", "cancel", "LONG")  # (any letter case, as every TASK)
    assert out.code == 0 and out.err == "", out
    lines = out.out.splitlines()
    assert lines[0] == REQUESTED.format(id=first, status="running")
    assert lines[1] in (REQUESTED.format(id=second, status=s) for s in ("queued", "waiting"))
    assert len(lines) == 2
    wait_until(lambda: _runs(cli) == {first: "cancelled", second: "cancelled"}, 15)
    wait_until(lambda: _gone(pid), 10)

    again = cli("task", "cancel", "long")
    assert (again.code, again.out, again.err) == (
        0, "task 1 'long' has no run in progress: nothing cancelled\n", "")
    unknown = cli("task", "cancel", "ghost")
    assert (unknown.code, unknown.out, unknown.err) == (
        2, "", "tickwork: error: task not found: ghost\n")
    audit = cli("audit", "--search", "run.cancel", "--json").json()
    assert sorted((e["actor"], e["target"]) for e in audit) == [
        ("cli", f"long#{first}"), ("cli", f"long#{second}")]
    assert engine.stop() == 0
    assert "Traceback" not in engine.text()


def test_a_cancel_asked_already_is_left_to_the_engine(spawn: Any, cli: Any,
                                                      tmp_path: Path) -> None:
    """The engine frozen (SIGSTOP) before it acts on `run cancel`'s request: `task cancel`
    says the cancel was asked already, audits nothing more, and the engine, going on, ends
    the run."""
    engine = spawn()
    engine.wait_for("engine running")
    pid_file = tmp_path / "long.pid"
    _long(cli, pid_file)
    run = cli("task", "run", "long", "--json").json()["id"]
    wait_until(lambda: _runs(cli).get(run) == "running" and pid_file.exists()
               and pid_file.read_text().strip(), 15)
    freeze(engine.proc.pid)
    try:
        assert cli("run", "cancel", str(run)).code == 0
        out = cli("task", "cancel", "long")
        assert out.code == 0 and out.out == (
            f"run {run} of 'long': cancel already requested — it is running; its engine stops "
            f"it (`tickwork run show {run}` says how it ended)\n"), out
    finally:
        os.kill(engine.proc.pid, signal.SIGCONT)
    wait_until(lambda: _runs(cli) == {run: "cancelled"}, 15)
    wait_until(lambda: _gone(int(pid_file.read_text())), 10)
    audit = cli("audit", "--search", "run.cancel", "--json").json()
    assert [(e["actor"], e["target"]) for e in audit] == [("cli", f"long#{run}")]
    assert engine.stop() == 0
