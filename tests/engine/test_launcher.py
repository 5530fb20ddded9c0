"""Commands run through launcher processes (app/engine/launcher/): what they print arrives
whole and in order, stdin text is fed, exit codes and signals are told; a launcher killed -9
mid-run interrupts its runs, stops their trees before the retry (one copy at a time), and is
replaced; a launcher does not outlive an engine killed -9, while the commands do (the next
engine's recovery stops them, tests/engine/test_run_processes.py)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
import pytest

from app.engine.launcher import protocol
from app.platform import usable_cpus
from tests.conftest import command_task
from tests.engine.conftest import wait_until
from tests.engine.process_trees import SCRIPT, gone, proc_in


def _launchers(engine_pid: int) -> list[psutil.Process]:
    found = []
    for child in psutil.Process(engine_pid).children():
        try:
            if "app.engine.launcher" in child.cmdline() and not gone(child):
                found.append(child)
        except psutil.Error:
            continue
    return found


def _runs(cli: Any, task: str) -> list[dict[str, Any]]:
    result = cli("run", "list", "--json")
    assert result.code == 0, result.err
    return sorted((r for r in result.json() if r["task_name"] == task),
                  key=lambda r: r["attempt"])


def _ended(service: Any, run_id: int) -> Any:
    return wait_until(lambda: (r := service.get_run(run_id)).status not in (
        "queued", "waiting", "running") and r, 20)


def _output(service: Any, run_id: int, stream: str | None = None) -> str:
    return "".join(c[2] for c in service.run_output(run_id) if stream in (None, c[1]))


def test_frames_come_whole_from_any_pieces() -> None:
    data = protocol.encode([["out", 1, "stdout", "a" * 70_000]]) + protocol.encode(
        [["done", 1, "exit", 0, None, 1.5], ["started", 2, 10, 1.0, 2.0]])
    frames = protocol.Frames()
    got = []
    for i in range(0, len(data), 4099):
        got += frames.feed(data[i:i + 4099])
    assert [m[0] for m in got] == ["out", "done", "started"]
    assert got[0][3] == "a" * 70_000 and not frames.buffer


def test_chatty_output_arrives_complete_and_in_order(engine: Any, service: Any) -> None:
    engine.start()
    # 20,000 numbered lines on stdout, every 1,000th also on stderr: under the stored head
    script = ("import sys\nfor i in range(20000):\n    print(f'line {i}')\n"
              "    if i % 1000 == 0:\n        print(f'err {i}', file=sys.stderr, flush=True)\n")
    service.create_task(command_task("chatty", action={
        "kind": "command", "argv": [sys.executable, "-c", script]}))
    run = service.run_now("chatty")
    assert _ended(service, run.id).status == "succeeded"
    assert _output(service, run.id, "stdout") == "".join(f"line {i}\n" for i in range(20000))
    assert _output(service, run.id, "stderr") == "".join(
        f"err {i}\n" for i in range(0, 20000, 1000))


def test_stdin_text_exit_codes_and_signals(engine: Any, service: Any, tmp_path: Path) -> None:
    engine.start()
    service.create_task(command_task("reader", action={
        "kind": "command", "argv": ["tr a-z A-Z"], "shell": True,
        "stdin": "fed to stdin\n" * 5000}))  # more than a pipe holds: fed without blocking
    service.create_task(command_task("seven", action={
        "kind": "command", "argv": ["exit 7"], "shell": True}))
    service.create_task(command_task("killed", action={
        "kind": "command", "argv": ["kill -TERM $$"], "shell": True}))
    service.create_task(command_task("absent", action={
        "kind": "command", "argv": ["no-such-program-here"]}), verify=False)
    service.create_task(command_task("where", action={
        "kind": "command", "argv": ["pwd"], "cwd": str(tmp_path)}))
    runs = {name: service.run_now(name).id
            for name in ("reader", "seven", "killed", "absent", "where")}
    reader = _ended(service, runs["reader"])
    assert reader.status == "succeeded"
    assert _output(service, runs["reader"]) == "FED TO STDIN\n" * 5000
    seven = _ended(service, runs["seven"])
    assert (seven.status, seven.exit_code, seven.error) == ("failed", 7, "exit code 7")
    killed = _ended(service, runs["killed"])
    assert (killed.status, killed.exit_code) == ("failed", -15)
    assert killed.error == "killed by signal SIGTERM"
    absent = _ended(service, runs["absent"])
    assert absent.status == "failed" and absent.exit_code is None
    assert "cannot start 'no-such-program-here'" in (absent.error or "")
    where = _ended(service, runs["where"])
    assert where.status == "succeeded"
    assert _output(service, runs["where"]) == f"{tmp_path}\n"


def test_a_launcher_killed_mid_run_interrupts_stops_the_tree_and_the_retry_runs_alone(
        spawn: Any, cli: Any, tmp_path: Path) -> None:
    script = tmp_path / "job.sh"
    script.write_text(SCRIPT)
    engine = spawn()
    engine.wait_for("engine running")
    assert cli("task", "add", "job", "--command", f"sh {script} {tmp_path}", "--retries", "1",
               "--retry-delay", "0.1").code == 0
    assert cli("task", "run", "job").code == 0
    leader = proc_in(tmp_path / "leader")
    grandchild = proc_in(tmp_path / "grandchild")
    wait_until(lambda: _runs(cli, "job")[0]["status"] == "running", 8)
    launcher = psutil.Process(leader.ppid())
    assert launcher.pid in [p.pid for p in _launchers(engine.proc.pid)], "a launcher's child"
    launcher.kill()  # SIGKILL

    runs = wait_until(lambda: (rs := _runs(cli, "job")) and len(rs) == 2
                      and rs[1]["status"] == "succeeded" and rs, 20)
    assert [(r["attempt"], r["status"]) for r in runs] == [(1, "interrupted"),
                                                           (2, "succeeded")]
    assert runs[1]["trigger"] == "retry"
    assert f"launcher process {launcher.pid} died" in (runs[0]["error"] or "")
    assert gone(leader) and gone(grandchild)
    # the retry took the lock every process of attempt 1 held: none of them ran any more
    log = (tmp_path / "log").read_text()
    assert log.split("\n")[:2] == ["start 1", "start 2"] and "overlap" not in log
    assert wait_until(lambda: _launchers(engine.proc.pid), 10), "another took its place"
    assert launcher.pid not in [p.pid for p in _launchers(engine.proc.pid)]
    assert engine.stop() == 0
    assert "Traceback" not in engine.text()


def test_after_an_engine_killed_9_only_a_launcher_watching_a_command_stays_until_it_ends(
        spawn: Any, cli: Any, home: Path, tmp_path: Path) -> None:
    """README: the launchers of a dead engine leave with it, but one whose command still
    runs, which stays until that ends to keep its end for the next engine, then leaves."""
    engine = spawn()
    engine.wait_for("engine running")
    pid_file, go = tmp_path / "leader", tmp_path / "go"
    assert cli("task", "add", "long", "--command", f"echo $$ > {pid_file}; "
               f"while [ ! -e {go} ]; do sleep 0.02; done", "--shell").code == 0
    run = cli("task", "run", "long", "--json").json()
    leader = proc_in(pid_file)
    launchers = _launchers(engine.proc.pid)
    (watching,) = [p for p in launchers if p.pid == leader.ppid()]
    engine.kill9()
    wait_until(lambda: all(gone(p) for p in launchers if p is not watching), 10)
    try:
        assert not gone(leader) and not gone(watching), "the command runs on, watched"
        assert leader.environ().get("TICKWORK_RUN_TOKEN")
        go.touch()
        wait_until(lambda: gone(leader) and gone(watching), 10)
        assert (home / "ends" / f"{run['id']}.json").exists()
    finally:
        with contextlib.suppress(psutil.Error):
            leader.kill()


@pytest.mark.parametrize("setting", ["", "2"])
def test_an_engine_starts_as_many_launchers_as_readme_says(
        spawn: Any, cli: Any, monkeypatch: pytest.MonkeyPatch, setting: str) -> None:
    """README: commands start in launcher processes, one kept ready and more as commands come
    together, up to `$TICKWORK_LAUNCHERS`, by default one per CPU and one more, at most 8. A
    real `tickwork engine`, ten commands due at once."""
    monkeypatch.setenv("TICKWORK_LAUNCHERS", setting)
    expected = int(setting) if setting else min(8, usable_cpus() + 1)
    when = (datetime.now(UTC) + timedelta(seconds=8)).isoformat()
    for n in range(10):
        assert cli("task", "add", f"c{n}", "--command", "sleep 1", "--at", when).code == 0
    engine = spawn()
    engine.wait_for("engine running")
    wait_until(lambda: len(_launchers(engine.proc.pid)) == expected, 20)
    wait_until(lambda: len([r for r in cli("run", "list", "--json").json()
                            if r["status"] == "succeeded"]) == 10, 30)
    assert len(_launchers(engine.proc.pid)) == expected  # and no more came


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="no CPU affinity here")
def test_launchers_count_the_cpus_the_engine_may_use(tmp_path: Path) -> None:
    """An engine held to one CPU (`taskset -c 0`, a container's `--cpuset-cpus`) counts one:
    two launchers at most, not one per CPU of the machine and one more."""
    probe = ("import os; os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}); "
             "from app.engine.launcher.pool import launcher_count; "
             "from app.platform import usable_cpus; print(usable_cpus(), launcher_count())")
    env = {k: v for k, v in os.environ.items() if k != "TICKWORK_LAUNCHERS"}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[2], env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "2"]


def test_a_command_starts_in_its_own_session(spawn: Any, cli: Any, tmp_path: Path) -> None:
    """README: a command starts (`posix_spawn`) in its own session — it leads its session and
    its process group, apart from the engine's — and its children carry its run's token."""
    engine = spawn()
    engine.wait_for("engine running")
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import os, subprocess, sys\n"
        "print('session:', os.getpid(), os.getsid(0), os.getpgid(0))\n"
        "subprocess.run([sys.executable, '-c', 'import os; "
        "print(\"child\", os.environ[\"TICKWORK_RUN_TOKEN\"])'])\n")
    assert cli("task", "add", "ids", "--manual", "--command",
               f"{sys.executable} {probe}").code == 0
    ran = cli("task", "run", "ids", "--wait", "30")
    assert ran.code == 0, ran.out + ran.err
    (run,) = cli("run", "list", "--json").json()
    text = cli("run", "show", "--log", str(run["id"])).out
    pid, sid, pgid = (int(n) for n in text.split("session: ")[1].split()[:3])
    assert pid == sid == pgid, text
    assert sid not in (os.getsid(engine.proc.pid), os.getpgid(engine.proc.pid))
    assert f"child {run['id']}@" in text, text
