"""The engine where the locale is not UTF-8, and started in any folder.

A locale whose encoding cannot hold a task's text — ASCII (`LC_ALL=C` with Python's UTF-8
mode off, as here: every machine has it) or Latin-1 (`fr_FR.ISO-8859-1`) for `名前` — still
runs the task: what the encoding cannot hold goes to the program in UTF-8. Every such run
failed before it started ("cannot start 'sh': 'ascii' codec can't encode characters …"),
one with an ASCII command for its task's name in TICKWORK_TASK alone.

An engine started in a folder holding a package named `app` (a Flask project's) runs its
commands: its launchers imported that folder's `app`, died, and every command run was
interrupted ("the launcher process … died (exit code 1)")."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tests.engine.conftest import EngineProcess


def ascii_engine(home: Path, log: Path) -> EngineProcess:
    """`tickwork engine` where the locale is ASCII (a real interpreter, not the zygote)."""
    return EngineProcess(home, log, env={**os.environ, "LC_ALL": "C", "PYTHONUTF8": "0"})


def test_text_an_ascii_locale_cannot_hold_runs_in_utf8(cli: Any, home: Path,
                                                       tmp_path: Path) -> None:
    folder = tmp_path / "dossier 日本"
    folder.mkdir()
    engine = ascii_engine(home, tmp_path / "engine.log")
    try:
        engine.wait_for("engine running on")
        assert cli("task", "add", "café", "--command",
                   "sh -c 'pwd; echo \"$G $TICKWORK_TASK\"' 日本", "--cwd", str(folder),
                   "--env", "G=名前", "--manual").code == 0
        assert cli("task", "add", "名前", "--command", "echo plain", "--manual").code == 0
        assert cli("task", "add", "gone", "--command", "/nowhere/日本", "--manual",
                   "--no-verify").code == 0
        gone = cli("task", "run", "gone", "--wait")  # its program named as typed, not as bytes
        assert "cannot start '/nowhere/日本': [Errno 2] No such file or directory: " \
            "'/nowhere/日本'" in gone.out, gone.out
        for name in ("café", "名前"):
            ran = cli("task", "run", name, "--wait")
            assert ran.code == 0, (ran.out, ran.err)
        runs = {r["task_name"]: r for r in cli("run", "list", "--json").json()}
        assert {n: r["status"] for n, r in runs.items()} == {
            "café": "succeeded", "名前": "succeeded", "gone": "failed"}
        said = cli("run", "show", str(runs["café"]["id"]), "--log", "--json").json()
        assert "".join(c["text"] for c in said["log"]) == f"{folder}\n名前 café\n"
    finally:
        assert engine.stop() == 0


def test_an_engine_started_in_a_folder_with_its_own_app_package_runs_commands(
        spawn: Any, cli: Any, tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "app").mkdir(parents=True)
    (project / "app" / "__init__.py").write_text("print('the project app')\n")
    engine = spawn(cwd=project)
    engine.wait_for("engine running on")
    assert cli("task", "add", "hello", "--command", "echo hello", "--manual").code == 0
    ran = cli("task", "run", "hello", "--wait")
    assert ran.code == 0 and "succeeded" in ran.out, (ran.out, ran.err)
    assert "the project app" not in engine.text()


def test_a_python_action_in_a_folder_an_ascii_locale_cannot_hold_runs(
        cli: Any, home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "dossier 日本"
    folder.mkdir()
    (folder / "here.py").write_text("import os\n\ndef where():\n    print(os.getcwd())\n")
    engine = ascii_engine(home, tmp_path / "engine.log")
    try:
        engine.wait_for("engine running on")
        assert cli("task", "add", "py", "--python", "here:where", "--cwd", str(folder),
                   "--manual", "--no-verify").code == 0
        ran = cli("task", "run", "py", "--wait")
        assert ran.code == 0, (ran.out, ran.err)  # its worker died: "interrupted"
        run = cli("run", "list", "--json").json()[0]
        said = cli("run", "show", str(run["id"]), "--log", "--json").json()
        assert "".join(c["text"] for c in said["log"]) == f"{folder}\n"
    finally:
        assert engine.stop() == 0


def test_the_background_units_engine_runs_in_a_folder_with_its_own_app_package(
        cli: Any, tmp_path: Path) -> None:
    """The unit's ExecStart (`tickwork_argv`, as the login entry, the window's "Open log"
    and its hand-over use) started where a package named `app` is: its engine runs."""
    import shlex
    import subprocess

    from faults.harness import wait_until
    from tests.support.processes import stop

    project = tmp_path / "project"
    (project / "app").mkdir(parents=True)
    (project / "app" / "__init__.py").write_text("raise SystemExit('the project app')\n")
    assert cli("settings", "--background-engine", "on").code == 0
    unit = Path(os.environ["XDG_CONFIG_HOME"]) / "systemd" / "user" / "tickwork-engine.service"
    start = next(line for line in unit.read_text().splitlines() if line.startswith("ExecStart="))
    log = tmp_path / "unit.log"
    with log.open("w") as out:
        proc = subprocess.Popen(shlex.split(start.removeprefix("ExecStart=")), cwd=project,
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: proc.poll() is not None or "engine running" in log.read_text(), 30)
        assert proc.poll() is None, log.read_text()  # (it ran the project's app and exited)
    finally:
        stop(proc, 15)
