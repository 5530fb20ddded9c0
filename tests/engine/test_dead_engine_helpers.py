"""A dead engine's helpers start nothing more (app/engine/lineage.py).

The engine hands a command to a launcher, or an action to a Python worker, as frames in a
pipe. A `kill -9` right after leaves those frames unread in a helper that was slow to be
scheduled (here: stopped with SIGSTOP). Read after the next engine has retried the run, they
started a second copy beside the retry: the fault storm saw it as two copies of one command
at once. Now the next engine's recovery kills the dead engine's helpers before it retries,
and a helper whose engine is gone starts nothing it reads afterwards.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.conftest import ROOT
from tests.engine.conftest import freeze, wait_until
from tests.engine.process_trees import gone

HELPERS = {"command": "app.engine.launcher", "python": "app.engine.pyworkers.worker"}


def _helpers(engine_pid: int, kind: str) -> list[psutil.Process]:
    return [p for p in psutil.Process(engine_pid).children()
            if HELPERS[kind] in p.cmdline() and not gone(p)]


def _action(kind: str, starts: Path) -> list[str]:
    if kind == "command":
        return ["--command", f"echo x >> {starts}; sleep 0.5", "--shell"]
    return ["--python", "tests.support.actions:append",
            "--kwargs", json.dumps({"path": str(starts), "text": "x"})]


@pytest.mark.parametrize("kind", ["command", "python"])
def test_a_frozen_helper_of_a_dead_engine_never_runs_its_last_run_beside_the_retry(
        kind: str, spawn: Any, cli: Any, tmp_path: Path) -> None:
    starts = tmp_path / "starts.txt"
    first = spawn("first")
    first.wait_for("engine running")
    assert cli("task", "add", "warm", *_action(kind, tmp_path / "warm.txt"),
               "--manual").code == 0
    assert cli("task", "run", "warm").code == 0
    wait_until(lambda: (tmp_path / "warm.txt").exists(), 10)
    frozen = wait_until(lambda: _helpers(first.proc.pid, kind), 10)
    for proc in frozen:
        freeze(proc.pid)
    try:
        assert cli("task", "add", "once", *_action(kind, starts), "--retries", "1",
                   "--retry-delay", "0.1", "--manual").code == 0
        run = cli("task", "run", "once", "--json").json()
        wait_until(lambda: cli("run", "show", str(run["id"]), "--json").json()["status"]
                   in ("queued", "running"), 10)
        time.sleep(0.5)  # the engine hands it over right after the claim: unread now
        first.kill9()
        second = spawn("second")
        second.wait_for("engine running")
        assert "killed" in second.text() and all(gone(p) for p in frozen)
        retry = wait_until(lambda: [r for r in cli("run", "list", "--json").json()
                                    if r["task_name"] == "once" and r["attempt"] == 2
                                    and r["status"] == "succeeded"], 15)[0]
        assert retry["reason"].startswith(f"retry of run {run['id']}")
        assert starts.read_text().split() == ["x"], "the dead engine's attempt ran too"
    finally:
        for proc in frozen:
            with contextlib.suppress(psutil.Error):
                proc.kill()


STARTER = r"""
import json, os, signal, socket, subprocess, sys
from app.engine.lineage import HELPER_VAR
from app.engine.processes import helper_mark
kind, target = sys.argv[1], sys.argv[2]
env = dict(os.environ, **{HELPER_VAR: helper_mark()})
QUIET = dict(start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
if kind == "command":
    from app.engine.launcher import protocol
    from app.engine.launcher.client import launcher_argv
    req_r, req_w = os.pipe()
    res_r, res_w = os.pipe()
    proc = subprocess.Popen([*launcher_argv(), str(req_r), str(res_w)], env=env,
                            pass_fds=(req_r, res_w), **QUIET)
    os.kill(proc.pid, signal.SIGSTOP)
    protocol.write_all(req_w, protocol.encode(
        [["run", 1, ["touch", target], {}, None, None, None, [], None]]))
else:
    from app.engine.pyworkers import protocol
    from app.engine.pyworkers.process import worker_argv
    run, run_there = socket.socketpair()
    control, control_there = socket.socketpair()
    proc = subprocess.Popen(worker_argv(run_there.fileno(), control_there.fileno()),
                            pass_fds=(run_there.fileno(), control_there.fileno()), env=env,
                            **QUIET)
    run.recv(4096)  # its hello: it waits for runs now
    os.kill(proc.pid, signal.SIGSTOP)
    run.sendall(protocol.json_frame(protocol.RUN, {
        "run_id": 1, "target": "tests.support.actions:append",
        "kwargs": {"path": target, "text": "ran"}}))
print(proc.pid, flush=True)
os._exit(0)  # the engine dies with a run handed over and unread
"""


@pytest.mark.parametrize("kind", ["command", "python"])
def test_a_helper_whose_engine_died_starts_nothing_it_reads_afterwards(
        kind: str, tmp_path: Path) -> None:
    target = tmp_path / "ran"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", STARTER, kind, str(target)], env=env,
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    helper = psutil.Process(int(out.stdout))
    try:
        helper.send_signal(signal.SIGCONT)
        wait_until(lambda: gone(helper), 20)
        assert not target.exists(), "a helper of a dead engine ran what it read afterwards"
    finally:
        with contextlib.suppress(psutil.Error):
            helper.kill()


def test_only_helpers_whose_engine_process_is_gone_are_killed() -> None:
    from app.engine.lineage import HELPER_VAR
    from app.engine.processes import helper_mark, stop_helpers

    def helper(mark: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(["sleep", "30"], env=dict(os.environ, **{HELPER_VAR: mark}))

    ours = helper(helper_mark())  # this process runs: its helper stays
    earlier = helper(f"{os.getpid()}:1")  # an earlier process with this pid: gone
    elsewhere = helper("1:1")  # an engine not asked about
    try:
        assert stop_helpers({os.getpid()}) == 1
        assert earlier.wait(10) == -signal.SIGKILL
        assert ours.poll() is None and elsewhere.poll() is None
    finally:
        for proc in (ours, earlier, elsewhere):
            proc.kill()
            proc.wait()


def test_a_run_a_graceful_stop_could_not_stop_is_left_for_the_next_start_to_stop(
        spawn: Any, cli: Any, tmp_path: Path) -> None:
    """Its launchers frozen, the engine's stop cannot stop a command: the run stays
    `running` (marked `interrupted` with its retry claimed, the retry ran beside it), and
    the next start stops the command, and the frozen launchers, before the retry."""
    lock, log = tmp_path / "lock", tmp_path / "log"
    script = (f"exec 9>>{lock}; flock -n 9 || {{ echo overlap >> {log}; exit 3; }}; "
              f"echo start $TICKWORK_ATTEMPT >> {log}; sleep 30")
    first = spawn("first", grace=0.5)
    first.wait_for("engine running")
    assert cli("task", "add", "stubborn", "--command", script, "--shell", "--retries", "1",
               "--retry-delay", "0.1", "--manual").code == 0
    assert cli("task", "run", "stubborn").code == 0
    wait_until(lambda: log.exists() and "start 1" in log.read_text(), 15)
    frozen = _helpers(first.proc.pid, "command")
    for proc in frozen:
        freeze(proc.pid)
    try:
        assert first.stop() == 0
        assert "not stopped in time" in first.text()
        runs = json.loads(cli("run", "list", "--json").out)
        assert [r["status"] for r in runs] == ["running"]
        second = spawn("second")
        second.wait_for("engine running")
        wait_until(lambda: "start 2" in log.read_text(), 15)
        assert "overlap" not in log.read_text()
        assert all(gone(p) for p in frozen)
    finally:
        for proc in frozen:
            with contextlib.suppress(psutil.Error):
                proc.kill()
