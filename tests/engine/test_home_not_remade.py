"""A data home moved or deleted under `tickwork engine`, then the engine started again on its
path as a service manager does (systemd's `Restart=on-failure`, 2 s later): it made a new,
empty home where the folder had been, and the folder moved back went inside it, a window
then reading the empty store. The engine exits 66 (its units do not restart it for that), and
an engine started again on a home an engine kept a store in before makes no new one there,
in one line; a home that never was is made, as the package's unit's first start needs."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.engine.conftest import EngineProcess

GONE = "(moved or deleted?): an engine kept its store there, and the engine makes no new empty"


@pytest.fixture
def no_user_bus(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`settings --background-engine on` writes the unit and starts nothing."""
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "user"))


def _unit_command(cli: Any) -> list[str]:
    """The ExecStart of the unit `settings --background-engine on` writes, as systemd runs it."""
    on = cli("settings", "--background-engine", "on")
    assert on.code == 0 and "not started now" in on.out, on
    unit = Path(os.environ["XDG_CONFIG_HOME"]) / "systemd" / "user" / "tickwork-engine.service"
    start = next(line for line in unit.read_text().splitlines() if line.startswith("ExecStart="))
    return [word.replace("%%", "%").replace("$$", "$")
            for word in shlex.split(start.removeprefix("ExecStart="))]


def _refused(argv: list[str]) -> str:
    """`argv` (a `tickwork engine`) ends at once with 66 and one line: the line."""
    ran = subprocess.run(argv, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert ran.returncode == 66, ran
    lines = ran.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tickwork: error: "), ran.stderr
    return lines[0]


def test_the_unit_s_engine_started_again_on_a_home_moved_away_makes_no_new_one(
        spawn: Any, cli: Any, home: Path, tmp_path: Path, no_user_bus: None) -> None:
    assert cli("task", "add", "kept", "--command", "true", "--manual").code == 0
    command = _unit_command(cli)
    engine = spawn()
    engine.wait_for("engine running")
    away = tmp_path / "away"
    home.rename(away)
    assert engine.proc.wait(30) == 66, engine.text()
    line = _refused(command)  # systemd's restart, were it not kept down
    assert f"the data home {home} is not there {GONE}" in line, line
    assert "put it back, or start the engine with `--home` naming where it went" in line
    assert not home.exists()  # the folder moved back goes where it was, not inside a new one
    away.rename(home)
    again = spawn("again")
    again.wait_for("engine running")
    assert [t["name"] for t in cli("task", "list", "--json").json()] == ["kept"]


def test_an_engine_on_a_home_whose_store_file_went_makes_no_new_one(
        spawn: Any, cli: Any, home: Path, tmp_path: Path) -> None:
    """... nor in a home still there, its tickwork.db moved away; the line's way to start
    afresh there (a command given `--new-home`, which makes the store: without it no command
    does, tests/cli/test_kept_home_gone.py) lets the next engine start."""
    assert cli("task", "add", "kept", "--command", "true", "--manual").code == 0
    first = spawn()
    first.wait_for("engine running")
    assert first.stop() == 0
    store = home / "tickwork.db"
    store.rename(tmp_path / "kept.db")
    line = _refused([sys.executable, "-m", "app.cli", "--home", str(home), "engine"])
    assert f"{store} is not there {GONE}" in line, line
    assert not store.exists()
    afresh = line.rpartition("run `")[2].removesuffix("` first)")
    assert afresh == f"tickwork --home {home} --new-home task list", line
    assert cli("task", "list").code == 2  # (not without it)
    assert cli("--new-home", "task", "list").code == 0  # (what it says, as the test's CLI runs it)
    engine = spawn("afresh")
    engine.wait_for("engine running")
    assert cli("task", "list", "--json").json() == []


def test_a_first_start_makes_the_home_and_notes_it(tmp_path: Path) -> None:
    """The package's unit's first start on the default home: none was ever there."""
    fresh = tmp_path / "fresh" / "home"
    engine = EngineProcess(fresh, tmp_path / "engine.log")
    try:
        engine.wait_for("engine running", 30)
        assert (fresh / "tickwork.db").is_file()
    finally:
        assert engine.stop() == 0, engine.text()
    notes = list((Path(os.environ["XDG_STATE_HOME"]) / "tickwork" / "homes").iterdir())
    assert [n.read_text() for n in notes] == [f"{os.path.realpath(fresh)}\n"]
