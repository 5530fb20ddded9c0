"""A run ends when its leader exits; what holds its pipes goes with it, and when it failed
so does everything it left running (app/engine/launcher/leftovers.py): its group, what
carries its token, `setsid` ones too, are stopped (SIGTERM, KILL_GRACE, SIGKILL) before the
run's end is recorded and before its retry starts. Found by a fault hunt: a retry ran beside
its failed attempt's background loop. A run that succeeded may leave a program running on
purpose; a process that left the group *and* dropped the token is not the run's at all.

And a run whose launcher dies after its timeout passed ends `timed_out`, not `interrupted`,
and is retried as a timeout is."""

from __future__ import annotations

import contextlib
import signal
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import psutil
import pytest

from app.engine.processes import KILL_GRACE
from tests.engine.conftest import wait_until
from tests.engine.process_trees import gone, proc_in


def _show(cli: Any, run_id: int) -> dict[str, Any]:
    return dict(cli("run", "show", str(run_id), "--json").json())


def _ended(cli: Any, run_id: int, timeout: float = 15) -> dict[str, Any]:
    return dict(wait_until(lambda: (r := _show(cli, run_id))["status"] not in (
        "queued", "waiting", "running") and r, timeout))


def _pid_gone(pid: int) -> bool:
    try:
        return gone(psutil.Process(pid))
    except psutil.NoSuchProcess:
        return True


def test_a_retry_starts_only_once_what_its_attempt_left_running_is_gone(
        spawn: Any, cli: Any, tmp_path: Path) -> None:
    engine = spawn()
    engine.wait_for("engine running")
    marks, bg = tmp_path / "marks", tmp_path / "bg"
    command = (f'A=$TICKWORK_ATTEMPT; if [ "$A" = 2 ]; then echo "start 2" >> {marks}; exit 0; '
               f'fi; sh -c \'echo $$ > {bg}; while :; do echo "alive $1" >> {marks}; '
               f'sleep 0.1; done\' sh "$A" >/dev/null 2>&1 & '
               f'while [ ! -s {bg} ]; do sleep 0.02; done; echo "exits $A" >> {marks}; exit 1')
    assert cli("task", "add", "leftover", "--manual", "--shell", "--retries", "1",
               "--retry-delay", "0.1", "--command", command).code == 0
    run = cli("task", "run", "leftover", "--json").json()
    first = _ended(cli, run["id"])
    assert first["status"] == "failed" and first["exit_code"] == 1, first
    assert _pid_gone(int(bg.read_text())), "recorded ended with its background loop running"
    retry = wait_until(lambda: [r for r in cli("run", "list", "--json").json()
                                if r["attempt"] == 2 and r["status"] == "succeeded"], 15)[0]
    assert retry["reason"].startswith("retry of run 1 (attempt 1 failed"), retry
    time.sleep(0.3)  # (the loop wrote every 0.1 s while it lived)
    lines = marks.read_text().splitlines()
    assert lines[-1] == "start 2", lines  # nothing of attempt 1 after the retry started
    assert "exits 1" in lines and all(x in ("alive 1", "exits 1") for x in lines[:-1])


@pytest.mark.parametrize("code", [1, 0], ids=["failed", "succeeded"])
def test_what_a_run_left_running_is_stopped_before_its_end_is_recorded(
        spawn: Any, cli: Any, tmp_path: Path, code: int) -> None:
    """A failed run's leftovers all go before its end is recorded; a run that succeeded may
    leave a program running on purpose, its output elsewhere, as under cron (an app
    `xdg-open` opened, `server >log 2>&1 &`). What holds a run's output is stopped either
    way (its end is read to the last byte: test_a_leftover_holding_the_output_...)."""
    engine = spawn()
    engine.wait_for("engine running")
    quiet = "</dev/null >/dev/null 2>&1"
    left = {  # how each leftover was started; each writes its pid, then sleeps
        "group, ignores SIGTERM": f"sh -c 'trap \"\" HUP TERM; echo $$ > {tmp_path}/p1; "
                                  f"exec sleep 103' {quiet} &",
        "setsid, quiet": f"setsid sh -c 'echo $$ > {tmp_path}/p2; exec sleep 104' {quiet} &",
    }
    if code:
        left.update({
            "in the group, holding the pipes":
                f"sh -c 'echo $$ > {tmp_path}/p3; exec sleep 100' &",
            "setsid, holding the pipes":
                f"setsid sh -c 'echo $$ > {tmp_path}/p4; exec sleep 101' &"})
    keep = (f"setsid env -u TICKWORK_RUN_TOKEN sh -c 'echo $$ > {tmp_path}/p0; "
            f"exec sleep 105' {quiet} &")
    go = tmp_path / "go"  # the test has seen every one of them: the leader may exit
    command = (f"{' '.join(left.values())} {keep} until [ -e {go} ]; do sleep 0.02; done; "
               f"echo done; exit {code}")
    assert cli("task", "add", "ok", "--manual", "--shell", "--command", command).code == 0
    run = cli("task", "run", "ok", "--json").json()
    daemon = proc_in(tmp_path / "p0")
    procs = [proc_in(tmp_path / f"p{i}") for i in range(1, len(left) + 1)]
    go.touch()
    try:
        shown = _ended(cli, run["id"])
        assert shown["status"] == ("failed" if code else "succeeded"), shown
        assert shown["exit_code"] == code, shown
        for what, proc in zip(left, procs, strict=True):
            if code:
                assert gone(proc), f"left running ({what}) after the run was recorded ended"
            else:
                assert not gone(proc), f"a succeeded run's leftover ({what}) was stopped"
        if code:
            took = (datetime.fromisoformat(shown["finished_at"])
                    - datetime.fromisoformat(shown["started_at"])).total_seconds()
            assert took >= KILL_GRACE - 0.1, took  # the one that ignores SIGTERM: its grace
        assert "done" in cli("run", "show", str(run["id"]), "--log").out
        # what left the group and dropped the token is not the run's: it runs on
        assert not gone(daemon), "a process that opted out was stopped"
    finally:
        for proc in [daemon, *procs]:
            with contextlib.suppress(psutil.Error):
                proc.send_signal(signal.SIGKILL)
    # its new parent (the launcher, their reaper) reaps it: no zombie is left
    wait_until(lambda: not psutil.pid_exists(daemon.pid), 5)


def test_a_leftover_holding_the_output_of_a_run_that_succeeded_is_stopped(
        spawn: Any, cli: Any, tmp_path: Path) -> None:
    """Its end is read to the last byte: what still holds its pipes when it exits is
    stopped (as before: the group was killed after a second), and the run ends."""
    engine = spawn()
    engine.wait_for("engine running")
    command = (f"setsid sh -c 'echo $$ > {tmp_path}/p1; exec sleep 101' & "
               f"while [ ! -s {tmp_path}/p1 ]; do sleep 0.02; done; echo done")
    assert cli("task", "add", "holds", "--manual", "--shell", "--command", command).code == 0
    run = cli("task", "run", "holds", "--json").json()
    shown = _ended(cli, run["id"])
    assert shown["status"] == "succeeded", shown
    assert _pid_gone(int((tmp_path / "p1").read_text())), "left holding the run's output"
    assert "done" in cli("run", "show", str(run["id"]), "--log").out


def test_a_run_whose_launcher_dies_after_its_timeout_ends_timed_out_and_is_retried(
        spawn: Any, cli: Any, tmp_path: Path) -> None:
    engine = spawn()
    engine.wait_for("engine running")
    leader = tmp_path / "leader"
    command = (f'[ "$TICKWORK_ATTEMPT" = 2 ] && exit 0; echo $$ > {leader}; trap "" TERM; '
               "sleep 60")
    assert cli("task", "add", "lk", "--manual", "--shell", "--timeout", "1s", "--retries", "1",
               "--retry-delay", "0.1", "--command", command).code == 0
    run = cli("task", "run", "lk", "--json").json()
    sh = proc_in(leader)
    launcher = sh.parent()
    assert "app.engine.launcher" in " ".join(launcher.cmdline())
    started = sh.create_time()
    # past its timeout (1 s), inside the grace before SIGKILL (KILL_GRACE more): the
    # launcher is in the middle of stopping it when it dies
    time.sleep(max(0.0, started + 1.0 + KILL_GRACE / 2 - time.time()))
    assert sh.is_running() and not gone(sh), "it ended before the launcher was killed"
    launcher.send_signal(signal.SIGKILL)
    first = _ended(cli, run["id"])
    assert first["status"] == "timed_out", first
    assert first["error"].startswith("timed out after 1 s"), first
    assert f"launcher process {launcher.pid} died" in first["error"], first
    assert gone(sh)
    retry = wait_until(lambda: [r for r in cli("run", "list", "--json").json()
                                if r["attempt"] == 2 and r["status"] == "succeeded"], 15)[0]
    assert retry["reason"].startswith(
        "retry of run 1 (attempt 1 timed out: timed out after 1 s"), retry


def _sleepers(mark: str) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        with contextlib.suppress(psutil.Error):
            if proc.info["cmdline"] == ["sleep", mark] and not gone(proc):
                found.append(proc)
    return found


def test_a_program_a_run_starts_in_the_background_with_its_output_elsewhere_runs_on(
        spawn: Any, cli: Any) -> None:
    """`server >log 2>&1 &` as the whole command, as crontabs start servers: the shell exits
    at once, before the program has made its redirections — for an instant it still holds
    the run's pipes, and it was stopped as a leftover holding them (6 runs in 8, found by a
    newcomer's run-through). What lets go of the pipes soon after the leader's exit is not
    held: the run succeeds and the program runs on."""
    engine = spawn()
    engine.wait_for("engine running")
    mark = "102.25"
    assert cli("task", "add", "server", "--manual", "--shell", "--command",
               f"sleep {mark} >/dev/null 2>&1 &").code == 0
    try:
        for attempt in range(5):
            run = cli("task", "run", "server", "--json").json()
            shown = _ended(cli, run["id"])
            assert shown["status"] == "succeeded", shown
            assert len(_sleepers(mark)) == attempt + 1, f"stopped, run {attempt + 1} of 5"
    finally:
        for proc in _sleepers(mark):
            with contextlib.suppress(psutil.Error):
                proc.send_signal(signal.SIGKILL)
