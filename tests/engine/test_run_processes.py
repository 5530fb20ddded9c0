"""Every process of a run is stopped when the run is: after a kill -9 of the engine (before
the retry starts), on timeout and on cancel — the whole tree, `setsid` escapees included —
and a recorded pid that now names another process is never touched."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
import pytest

from app.engine import processes
from app.engine.processes import boot_ticks, leader_created
from app.store.models import RunRow
from tests.conftest import command_task
from tests.engine.conftest import wait_until
from tests.engine.process_trees import SCRIPT, gone, proc_in


def _runs(cli: Any, task: str) -> list[dict[str, Any]]:
    result = cli("run", "list", "--json")
    assert result.code == 0, result.err
    return sorted((r for r in result.json() if r["task_name"] == task),
                  key=lambda r: r["attempt"])


@pytest.mark.parametrize("row_committed", [True, False], ids=["running", "start-not-committed"])
def test_kill_9_then_restart_stops_the_old_tree_before_the_retry(
        spawn: Any, cli: Any, home: Path, tmp_path: Path, row_committed: bool) -> None:
    script = tmp_path / "job.sh"
    script.write_text(SCRIPT)
    first = spawn("first")
    first.wait_for("engine running")
    assert cli("task", "add", "job", "--command", f"sh {script} {tmp_path}", "--retries", "1",
               "--retry-delay", "0.1").code == 0
    run = cli("task", "run", "job", "--json").json()
    leader = proc_in(tmp_path / "leader")
    grandchild = proc_in(tmp_path / "grandchild")
    wait_until(lambda: _runs(cli, "job")[0]["status"] == "running", 8)
    assert os.getpgid(grandchild.pid) != os.getpgid(leader.pid), "it left the group"
    first.kill9()
    time.sleep(0.3)
    assert not gone(leader) and not gone(grandchild), "kill -9 left them running (the bug)"
    if not row_committed:
        # the window between the start and the commit of its `running` row: no group known
        with sqlite3.connect(home / "tickwork.db") as con:
            con.execute("UPDATE run SET status = 'queued', started_at = NULL, pgid = NULL,"
                        " leader_created = NULL WHERE id = ?", (run["id"],))
    second = spawn("second")
    second.wait_for("engine running")
    runs = wait_until(lambda: (rs := _runs(cli, "job")) and len(rs) == 2
                      and rs[1]["status"] == "succeeded" and rs, 15)
    assert [(r["attempt"], r["status"]) for r in runs] == [(1, "interrupted"),
                                                           (2, "succeeded")]
    assert runs[1]["trigger"] == "retry"
    assert gone(leader) and gone(grandchild)
    # the retry took the lock every process of attempt 1 held: none of them ran any more
    assert (tmp_path / "log").read_text().split("\n")[:2] == ["start 1", "start 2"]
    assert "overlap" not in (tmp_path / "log").read_text()
    assert "left running by 1 run of a dead engine" in second.text()
    assert second.stop() == 0
    assert "Traceback" not in second.text()


def test_a_timeout_stops_a_setsid_grandchild_whose_parent_is_gone(
        spawn: Any, cli: Any, tmp_path: Path) -> None:
    engine = spawn()
    engine.wait_for("engine running")
    gc = tmp_path / "grandchild"
    # the subshell exits at once: the grandchild is re-parented, out of the tree and group
    command = (f"( setsid sh -c 'echo $$ > {gc}; exec sleep 60' </dev/null >/dev/null 2>&1 & )"
               "; exec sleep 60")
    assert cli("task", "add", "slow", "--command", command, "--shell",
               "--timeout", "1").code == 0
    run = cli("task", "run", "slow", "--json").json()
    grandchild = proc_in(gc)
    done = wait_until(lambda: (r := cli("run", "show", str(run["id"]), "--json").json())
                      ["status"] == "timed_out" and r, 10)
    assert "timed out" in (done["error"] or "")
    assert gone(grandchild), "the setsid grandchild outlived the timeout"


def test_cancel_stops_a_setsid_grandchild(spawn: Any, cli: Any, tmp_path: Path) -> None:
    engine = spawn()
    engine.wait_for("engine running")
    gc = tmp_path / "grandchild"
    command = f"setsid sh -c 'echo $$ > {gc}; exec sleep 60' & sleep 60; wait"
    assert cli("task", "add", "long", "--command", command, "--shell").code == 0
    run = cli("task", "run", "long", "--json").json()
    grandchild = proc_in(gc)
    wait_until(lambda: cli("run", "show", str(run["id"]), "--json").json()["status"]
               == "running", 8)
    assert cli("run", "cancel", str(run["id"])).code == 0
    wait_until(lambda: cli("run", "show", str(run["id"]), "--json").json()["status"]
               == "cancelled", 10)
    assert gone(grandchild), "the setsid grandchild outlived the cancel"


def test_a_recorded_pid_with_another_start_time_is_never_touched(
        engine: Any, service: Any) -> None:
    """A dead engine's run names a pid that now belongs to a stranger (a different start
    time): recovery leaves it alone. The same row with the true start time is stopped."""
    service.create_task(command_task("stale", retries=0))
    task = service.get_task("stale")
    stranger = subprocess.Popen(["sleep", "60"], start_new_session=True)
    ours = subprocess.Popen(["sleep", "60"], start_new_session=True)
    try:
        now = datetime.now(UTC)
        for i, (proc, shift) in enumerate(((stranger, 1000.0), (ours, 0.0))):
            created = psutil.Process(proc.pid).create_time()
            RunRow.create(task=task.id, scheduled_for=now.replace(microsecond=i), attempt=1,
                          status="running", trigger="schedule", queued_at=now,
                          started_at=now, engine="dead:1:1", pgid=proc.pid,
                          leader_created=created + shift)
        engine.start()
        wait_until(lambda: all(r.status == "interrupted" for r in
                               service.list_runs(task="stale")), 10)
        assert ours.wait(10) < 0, "the run's own group was stopped"
        time.sleep(0.2)
        assert stranger.poll() is None, "a stranger with a recorded pid was signalled"
    finally:
        for proc in (stranger, ours):
            proc.kill()
            proc.wait()


@pytest.mark.skipif(boot_ticks() is None, reason="no CLOCK_BOOTTIME here")
def test_a_leader_s_start_time_told_by_the_clock_is_the_one_the_process_has() -> None:
    """A launcher reads the clock just before and after each start instead of the new
    process's /proc stat: whenever both fall in one tick, that tick is the start time the
    process itself tells (psutil's, which recovery compares), and where they do not, its
    stat is read."""
    told = read = 0
    for _ in range(300):
        before = boot_ticks()
        pid = os.posix_spawn("/bin/true", ["/bin/true"], {})
        after = boot_ticks()
        try:
            by_clock = leader_created(pid, (before, after))
            assert by_clock is not None
            assert by_clock == leader_created(pid), "the tick told is not the one stat holds"
            assert abs(by_clock - psutil.Process(pid).create_time()) < 0.01
            told += before == after
            read += before != after
        finally:
            os.waitpid(pid, 0)
    assert told > 100, (told, read)
    assert leader_created(os.getpid(), (0, 1)) == leader_created(os.getpid())


@pytest.mark.skipif(boot_ticks() is None, reason="no CLOCK_BOOTTIME here")
def test_a_clock_that_disagrees_with_proc_is_not_trusted_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The first starts are read from /proc as well: one whose tick differs (a /proc that
    counts otherwise) turns the clock's word off, and every later start is read."""
    monkeypatch.setattr(processes._ClockWord, "trusted", True)
    monkeypatch.setattr(processes._ClockWord, "checks", 1)
    me = os.getpid()
    true = leader_created(me)
    assert true is not None
    wrong = round((true - psutil.boot_time()) * os.sysconf("SC_CLK_TCK")) + 500
    assert leader_created(me, (wrong, wrong)) == true  # checked: /proc's, not the clock's
    assert not processes._ClockWord.trusted
    assert leader_created(me, (wrong, wrong)) == true  # read from now on
    monkeypatch.setattr(processes._ClockWord, "trusted", True)
    monkeypatch.setattr(processes._ClockWord, "checks", 0)
    assert leader_created(me, (wrong, wrong)) != true  # trusted and checked: told, not read
