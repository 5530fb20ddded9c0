"""A task whose working folder is empty runs in the user's home folder, as a cron job does,
whichever way the engine was started. It ran in the folder its engine was started in: the
window's (wherever the app was opened from), Tickwork's own data folder (the background
engine), a terminal's (`tickwork engine`), so `tar czf backup.tgz Documents` worked, failed
or wrote into the data folder depending on which engine ran it (README "What a command
sees"). Through the CLI and a real `tickwork engine`, started from two folders in turn."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT


def _run(cli: Any, task: str) -> tuple[str, str | None, str, str]:
    """Run `task` now, to its end: its status, its error, what it wrote and what the engine
    said of it ("returned: …")."""
    run = cli("task", "run", task, "--wait", "30", "--json", timeout=40).json()
    log = cli("run", "show", str(run["id"]), "--log", "--json").json()["log"]
    return (run["status"], run["error"],
            "".join(c["text"] for c in log if c["stream"] != "tickwork"),
            "".join(c["text"] for c in log if c["stream"] == "tickwork"))


def _wrote(cli: Any, task: str) -> str:
    status, error, out, _said = _run(cli, task)
    assert status == "succeeded", error
    return out


def _returned(cli: Any, task: str) -> str:
    status, error, _out, said = _run(cli, task)
    assert status == "succeeded", error
    return said


def _add(cli: Any, name: str, *args: str) -> None:
    added = cli("task", "add", name, "--manual", *args)
    assert added.code == 0, added.err


def test_a_run_with_no_working_folder_starts_in_the_home_folder_wherever_its_engine_started(
        spawn: Any, cli: Any, home: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    user = tmp_path / "user"
    (user / "Documents").mkdir(parents=True)
    (user / "Documents" / "notes.txt").write_text("my notes\n")
    # a stray module at home: with no working folder it stands in front of nothing
    (user / "json.py").write_text("raise RuntimeError('the json.py at home was imported')\n")
    (user / "jobs.py").write_text("def hello():\n    return 'jobs at home'\n")
    monkeypatch.setenv("HOME", str(user))
    # typed in Tickwork's folder (the CLI's): nothing relative to it, so no folder is stored
    _add(cli, "where", "--command", "pwd")
    _add(cli, "backup", "--command", "tar cf backup.tar Documents")
    _add(cli, "py", "--python", "os:getcwd")
    _add(cli, "package", "--python", "json:dumps", "--kwargs", json.dumps({"obj": [1, 2]}))
    _add(cli, "jobs", "--python", "jobs:hello", "--no-verify")
    for action in ("where", "py"):
        assert cli("task", "show", action, "--json").json()["action"]["cwd"] is None
    real = os.path.realpath(user)
    terminal = tmp_path / "terminal"
    terminal.mkdir()
    for started_in in (terminal, home):  # a terminal's folder; the background engine's
        engine = spawn(f"engine-in-{started_in.name}", cwd=started_in)
        engine.wait_for("engine running")
        assert _wrote(cli, "where") == f"{real}\n"
        _wrote(cli, "backup")
        assert (user / "backup.tar").stat().st_size > 0
        (user / "backup.tar").unlink()
        assert not list(started_in.glob("backup.tar"))
        assert _returned(cli, "py") == f"returned: {real!r}\n"
        assert _returned(cli, "package") == "returned: '[1, 2]'\n"  # by package, as ever
        assert _run(cli, "jobs")[:2] == (  # the home folder is not the module's place
            "failed", "cannot load jobs:hello: No module named 'jobs': no working folder is "
            "set; set it to the folder that holds jobs.py")
        engine.stop()


def test_a_home_folder_that_cannot_be_entered_fails_the_run_saying_so(
        spawn: Any, cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nowhere = tmp_path / "nowhere"
    monkeypatch.setenv("HOME", str(nowhere))
    _add(cli, "where", "--command", "pwd")
    _add(cli, "py", "--python", "os:getcwd")
    _add(cli, "elsewhere", "--command", "pwd", "--cwd", str(tmp_path))
    spawn(cwd=tmp_path).wait_for("engine running")
    reason = ("no working folder is set, and the home folder cannot be entered: [Errno 2] No "
              f"such file or directory: '{nowhere}'")
    assert _run(cli, "where")[:2] == ("failed", f"cannot start 'pwd': {reason}")
    assert _run(cli, "py")[:2] == ("failed", f"cannot start 'os:getcwd': {reason}")
    # the engine goes on; a task with a folder runs there
    assert _wrote(cli, "elsewhere") == f"{os.path.realpath(tmp_path)}\n"
    nowhere.mkdir()  # made since: the next run starts there
    assert _wrote(cli, "where") == f"{os.path.realpath(nowhere)}\n"


def test_with_home_unset_the_user_database_names_the_home_folder(
        spawn: Any, cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import pwd

    folder = pwd.getpwuid(os.getuid()).pw_dir
    if not os.path.isdir(folder):
        pytest.skip(f"this user's home folder in the user database, {folder}, is not there")
    monkeypatch.delenv("HOME")
    _add(cli, "where", "--command", "pwd")
    spawn(cwd=ROOT).wait_for("engine running")
    assert _wrote(cli, "where") == os.path.realpath(folder) + "\n"
