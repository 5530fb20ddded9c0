"""Which code a Python run calls, and where it starts, through the CLI and a real engine:
its task's module as it is on disk at the run's start, found first in the task's folder
(`--cwd`), then on the engine's path, in whichever worker takes the run — tasks whose
modules share a name each run their own, an edited module or helper runs its new code,
module state lasts while the code does — and the run starts in that folder (README "What a
command sees", "How it works")."""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.engine.conftest import wait_until

ACTIONS = "tests.engine.worker_actions"
JOBS = """\
import os

import helper

RUNS = 0


def hello():
    global RUNS
    RUNS += 1
    print(f"{WHO} run {RUNS} pid {os.getpid()} helper {helper.WORD}")
"""
HOLD = """\
import os
import time


def hold(started, release):
    with open(started + ".new", "w") as out:
        out.write(str(os.getpid()))
    os.replace(started + ".new", started)
    while not os.path.exists(release):
        time.sleep(0.005)
"""


@dataclass
class Ran:
    status: str
    error: str | None
    out: str  # what the action printed
    said: str  # the engine's lines about it ("returned: …")

    @property
    def pid(self) -> int:
        found = re.search(r"pid (\d+)", self.out + self.said)
        assert found, self
        return int(found.group(1))


def _engine(spawn: Any, monkeypatch: pytest.MonkeyPatch, workers: int) -> None:
    monkeypatch.setenv("TICKWORK_WORKERS", str(workers))
    spawn().wait_for("engine running")


def _add(cli: Any, name: str, target: str, folder: Path | str, **kwargs: Any) -> None:
    args = ["task", "add", name, "--manual", "--python", target, "--cwd", str(folder)]
    if kwargs:
        args += ["--kwargs", json.dumps(kwargs)]
    added = cli(*args)
    assert added.code == 0, added.err


def _run(cli: Any, task: str) -> Ran:
    run = cli("task", "run", task, "--wait", "30", "--json", timeout=40).json()
    log = cli("run", "show", str(run["id"]), "--log", "--json").json()["log"]
    return Ran(run["status"], run["error"],
               "".join(c["text"] for c in log if c["stream"] != "tickwork"),
               "".join(c["text"] for c in log if c["stream"] == "tickwork"))


def _ok(cli: Any, task: str) -> Ran:
    ran = _run(cli, task)
    assert ran.status == "succeeded", ran
    return ran


def _jobs(folder: Path, who: str, word: str) -> None:
    """A folder holding `jobs.py` (its `hello()` prints `who`, its run count in this worker
    and its worker's pid) and the sibling `helper.py` it imports (`word`)."""
    folder.mkdir(exist_ok=True)
    (folder / "jobs.py").write_text(f"WHO = {who!r}\n{JOBS}")
    (folder / "helper.py").write_text(f"WORD = {word!r}\n")


def _edit(path: Path, text: str) -> None:
    """Rewrite `path` with its time 10 s on: an edit no clock's grain can hide."""
    later = path.stat().st_mtime_ns + 10 * 10**9
    path.write_text(text)
    os.utime(path, ns=(later, later))


def _holder(cli: Any, tmp_path: Path) -> Path:
    """A task `hold` that keeps its worker busy until told: see `_on_both`."""
    folder = tmp_path / "hold"
    folder.mkdir()
    (folder / "holding.py").write_text(HOLD)
    _add(cli, "hold", "holding:hold", folder, started=str(folder / "started"),
         release=str(folder / "release"))
    return folder


def _on_both(cli: Any, holder: Path, task: str) -> tuple[Ran, Ran]:
    """Run `task` on each of the engine's two workers: on the one `hold` leaves free, then on
    the one it held (freed last, the pool hands it out first)."""
    started, release = holder / "started", holder / "release"
    started.unlink(missing_ok=True)
    release.unlink(missing_ok=True)
    held = cli("task", "run", "hold", "--json").json()["id"]
    wait_until(started.exists, 20)
    other = _ok(cli, task)
    release.touch()
    wait_until(lambda: cli("run", "show", str(held), "--json").json()["status"] == "succeeded",
               20)
    warmest = _ok(cli, task)
    assert other.pid != warmest.pid == int(started.read_text())  # both workers ran it
    return other, warmest


def test_tasks_whose_modules_share_a_name_each_run_their_own(
        spawn: Any, cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _engine(spawn, monkeypatch, workers=1)  # one worker serves both folders
    for n in (1, 2):
        _jobs(tmp_path / f"py{n}", f"py{n}", f"word{n}")
        _add(cli, f"p{n}", "jobs:hello", tmp_path / f"py{n}")
    pids = set()
    for count in (1, 2, 3):
        for n in (1, 2):
            ran = _ok(cli, f"p{n}")
            assert f"py{n} run {count} pid" in ran.out and f"helper word{n}" in ran.out
            pids.add(ran.pid)
    assert len(pids) == 1  # module state of each lived through the other's runs


def test_on_two_workers_each_task_runs_its_own_module(
        spawn: Any, cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _engine(spawn, monkeypatch, workers=2)
    holder = _holder(cli, tmp_path)
    for n in (1, 2):
        _jobs(tmp_path / f"py{n}", f"py{n}", f"word{n}")
        _add(cli, f"p{n}", "jobs:hello", tmp_path / f"py{n}")
    for count in (1, 2):
        for n in (1, 2):  # each worker alternates p1, p2, p1, p2
            for ran in _on_both(cli, holder, f"p{n}"):
                assert f"py{n} run {count} pid" in ran.out and f"helper word{n}" in ran.out


def test_an_edited_module_or_helper_runs_its_new_code_in_every_worker(
        spawn: Any, cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _engine(spawn, monkeypatch, workers=2)
    holder = _holder(cli, tmp_path)
    folder = tmp_path / "py1"
    _jobs(folder, "v1", "old")
    _add(cli, "p1", "jobs:hello", folder)
    for count in (1, 2):  # both workers warm, module state kept while the code is unchanged
        for ran in _on_both(cli, holder, "p1"):
            assert f"v1 run {count} pid" in ran.out and "helper old" in ran.out
    _edit(folder / "jobs.py", f"WHO = 'v2'\n{JOBS}")
    for ran in _on_both(cli, holder, "p1"):
        assert "v2 run 1 pid" in ran.out and "helper old" in ran.out  # imported afresh
    _edit(folder / "helper.py", "WORD = 'new'\n")  # the sibling it imports
    for ran in _on_both(cli, holder, "p1"):
        assert "v2 run 1 pid" in ran.out and "helper new" in ran.out
    for ran in _on_both(cli, holder, "p1"):
        assert "v2 run 2 pid" in ran.out and "helper new" in ran.out


def test_packages_of_one_name_in_two_folders_and_an_edited_submodule(
        spawn: Any, cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _engine(spawn, monkeypatch, workers=1)
    for side in ("a", "b"):
        package = tmp_path / side / "tools"
        package.mkdir(parents=True)
        (package / "__init__.py").write_text("")
        (package / "jobs.py").write_text(
            "import os\nfrom . import words\n\n\ndef hello():\n"
            "    print(f'{words.WORD} pid {os.getpid()}')\n")
        (package / "words.py").write_text(f"WORD = 'tools of {side}'\n")
        _add(cli, side, "tools.jobs:hello", tmp_path / side)
    for _ in (1, 2):
        for side in ("a", "b"):
            assert f"tools of {side} pid" in _ok(cli, side).out
    _edit(tmp_path / "a" / "tools" / "words.py", "WORD = 'new tools of a'\n")
    assert "new tools of a pid" in _ok(cli, "a").out
    assert "tools of b pid" in _ok(cli, "b").out
    assert "new tools of a pid" in _ok(cli, "a").out


def test_modules_from_the_engines_path_keep_their_state_and_a_folder_goes_first(
        spawn: Any, cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A task's folder that lacks the module leaves it to the engine's path (the standard
    library, Tickwork's, installed packages), shared by every folder and not imported again
    while unchanged; a folder holding one of that name runs its own."""
    _engine(spawn, monkeypatch, workers=1)
    folder, shadow = tmp_path / "py1", tmp_path / "shadow"
    _jobs(folder, "py1", "word1")
    shadow.mkdir()
    (shadow / "json.py").write_text("def dumps(obj):\n    return 'the folder json'\n")
    _add(cli, "p1", "jobs:hello", folder)
    _add(cli, "counted", f"{ACTIONS}:counted", folder)
    _add(cli, "dumps", "json:dumps", folder, obj=[1, 2])
    _add(cli, "own-json", "json:dumps", shadow, obj=[1, 2])
    for count in (1, 2, 3):
        assert f"returned: 'run {count} pid" in _ok(cli, "counted").said
        assert f"py1 run {count} pid" in _ok(cli, "p1").out
        assert "returned: '[1, 2]'" in _ok(cli, "dumps").said
        assert "returned: 'the folder json'" in _ok(cli, "own-json").said


def test_a_python_run_starts_in_its_working_folder(
        spawn: Any, cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    user = tmp_path / "user"
    user.mkdir()
    monkeypatch.setenv("HOME", str(user))
    _engine(spawn, monkeypatch, workers=1)  # one worker: each run follows another's
    here, gone = tmp_path / "here", tmp_path / "gone"
    for folder in (here, gone):
        folder.mkdir()
        (folder / "where.py").write_text(
            "import os\n\n\ndef where():\n    print('in', os.getcwd())\n"
            "    print('read', open('data.txt').read())\n\n\n"
            "def fail():\n    raise RuntimeError('failed in ' + os.getcwd())\n")
    (here / "data.txt").write_text("the folder's own data")
    _add(cli, "where", "where:where", here)
    _add(cli, "fail", "where:fail", here)
    _add(cli, "gone", "where:where", gone)
    assert cli("task", "add", "gone-command", "--manual", "--command", "true", "--cwd",
               str(gone)).code == 0
    _add(cli, "no-folder", f"{ACTIONS}:counted", "")  # `--cwd ""`: the home folder
    ran = _ok(cli, "where")
    assert f"in {here}\n" in ran.out and "read the folder's own data" in ran.out
    assert f"in {user}'" in _ok(cli, "no-folder").said  # not left in the last run's
    failed = _run(cli, "fail")
    assert failed.status == "failed" and failed.error == f"RuntimeError: failed in {here}"
    assert f"in {user}'" in _ok(cli, "no-folder").said  # an exception's neither
    shutil.rmtree(gone)
    python, command = _run(cli, "gone"), _run(cli, "gone-command")
    missing = f": [Errno 2] No such file or directory: '{gone}'"
    assert (python.status, python.error) == ("failed", f"cannot start 'where:where'{missing}")
    assert (command.status, command.error) == ("failed", f"cannot start 'true'{missing}")
    assert "run 3 pid" in _ok(cli, "no-folder").said  # the same worker goes on
