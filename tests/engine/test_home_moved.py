"""The data home moved or deleted under a running `tickwork engine` (a `mv`, an `rm -rf`, a
sync tool), a command of a run still going: the engine stops in one line that names the
home, its run's command is stopped and the run recorded `interrupted` (its retry waiting
for the next start), and the log holds no traceback. `tickwork engine` used to exit in the
middle of its own stop: the command went on running with nobody to stop it (after an
`rm -rf`, no next start could find it), its run left `running`; the metrics sampler logged
a traceback a second meanwhile, and the line said that `tickwork.db-wal` was deleted."""

from __future__ import annotations

import contextlib
import logging
import shutil
import subprocess
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]  # no stubs installed
import pytest

from tests.engine.conftest import wait_until

MARKS = {"moved": "32.7", "deleted": "32.8"}  # the command's argument, to find its process


def _sleepers(mark: str) -> list[psutil.Process]:
    return [proc for proc in psutil.process_iter(["cmdline"])
            if proc.info["cmdline"] == ["sleep", mark]]


@pytest.mark.parametrize("how", ["moved", "deleted"])
def test_a_home_moved_or_deleted_stops_the_engine_and_its_runs_in_one_line(
        spawn: Any, cli: Any, home: Path, tmp_path: Path, how: str) -> None:
    added = cli("task", "add", "slow", "--command", f"sleep {MARKS[how]}", "--manual",
                "--retries", "1")
    assert added.code == 0, added.err
    engine = spawn()
    engine.wait_for("engine running")
    assert cli("task", "run", "slow").code == 0
    wait_until(lambda: len(_sleepers(MARKS[how])) == 1, 15)
    sleeper = _sleepers(MARKS[how])[0]
    away = tmp_path / "moved"
    try:
        if how == "moved":
            home.rename(away)
        else:
            shutil.rmtree(home)
        try:
            code = engine.proc.wait(30)
        except subprocess.TimeoutExpired:
            pytest.fail(engine.text())
        assert not sleeper.is_running(), engine.text()  # stopped, not left for nobody
    finally:
        with contextlib.suppress(psutil.Error):
            sleeper.kill()
    text = engine.text()
    assert code == 66, text  # EX_NOINPUT: its systemd unit does not start it again
    errors = [line for line in text.splitlines() if " ERROR " in line]
    assert len(errors) == 1, text
    assert f"the data home {home} was moved or deleted while the engine ran" in errors[0]
    assert "Traceback" not in text
    assert "engine stopped" in text
    if how == "moved":  # put back, as the line says: the run was recorded where it went
        away.rename(home)
        runs = {r["id"]: r["status"] for r in cli("run", "list", "--json").json()}
        assert runs[1] == "interrupted", runs
        assert sorted(runs.values()) == ["interrupted", "retrying"], runs


def test_a_home_moved_before_the_engine_wrote_anything_stops_it_in_one_line(
        spawn: Any, home: Path, tmp_path: Path) -> None:
    """Its writer had no connection yet: the stop's writes opened the file where it had
    been, and each failed with a traceback after the engine's line. Its connection is opened
    as it starts, so they are recorded where the home went."""
    engine = spawn()
    engine.wait_for("engine running")
    home.rename(tmp_path / "moved")
    assert f"the data home {home} was moved or deleted while the engine ran" in _one_line_stop(
        engine, 66)


def test_a_folder_in_place_of_the_store_file_stops_the_engine_in_one_line(
        spawn: Any, cli: Any, home: Path, tmp_path: Path) -> None:
    """tickwork.db moved away and a folder made in its place (the home and the store's -wal
    and -shm untouched): the engine went on writing to the file it had open, which Tickwork
    no longer looks at, and every read beside it failed ("unable to open database file"). It
    stops in one line naming the file, its writes kept in the file moved away, and a copy of
    its store in backups/ (status 66, not started again: app/store/replaced.py)."""
    engine = spawn()
    engine.wait_for("engine running")
    store = home / "tickwork.db"
    store.rename(tmp_path / "kept.db")
    store.mkdir()
    assert (f"{store} was moved away while the engine ran, and a folder put in its place: the "
            "engine stopped; the store it had is kept as ") in _one_line_stop(engine, 66)
    listed = cli("task", "list")
    assert listed.code == 1 and f"{store}" in listed.err, listed


def _one_line_stop(engine: Any, status: int) -> str:
    """The engine's exit (`status`) and its one ERROR line, no traceback: the line."""
    try:
        code = engine.proc.wait(30)
    except subprocess.TimeoutExpired:
        pytest.fail(engine.text())
    text = engine.text()
    assert code == status, text
    assert "Traceback" not in text
    errors = [line for line in text.splitlines() if " ERROR " in line]
    assert len(errors) == 1, text
    return errors[0]


def test_a_home_moved_as_the_engine_starts_stops_it_not_a_traceback_loop(
        engine: Any, home: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Moved before the engine's store thread first opened the file: each of its steps
    failed "unable to open database file" — thousands of tracebacks a second — and the look
    that sees the files moved, which follows a step's reads, never came: the engine ran on,
    recording nothing (a full run's `tickwork engine` did it, under load). It stops in one
    line, as a home moved later does."""
    caplog.set_level(logging.INFO)
    engine.start()
    home.rename(tmp_path / "moved")
    wait_until(lambda: engine.state == "stopped", 15)
    assert not [r for r in caplog.records if r.exc_info], caplog.text[:3000]
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].startswith(
        f"the data home {home} was moved or deleted while the engine ran"), errors


def test_a_home_named_by_tickwork_home_is_said_so_when_it_moves(
        home: Path, tmp_path: Path) -> None:
    """The line said "start it with `--home` naming where it went" to an engine started with
    TICKWORK_HOME (a unit's Environment=, a shell profile): the log's ERROR line and the
    engine's last line name TICKWORK_HOME, as it was named."""
    import os

    from tests.conftest import ROOT
    from tests.support import tickwork

    log = tmp_path / "engine.log"
    with log.open("w") as err:
        proc = tickwork.start(["engine", "--grace", "2"], cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=err, env={**os.environ, "TICKWORK_HOME": str(home)})
    try:
        wait_until(lambda: "engine running" in log.read_text(), 15)
        home.rename(tmp_path / "moved")
        assert proc.wait(30) == 66, log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
    text = log.read_text()
    errors = [line for line in text.splitlines() if " ERROR " in line]
    assert len(errors) == 1, text
    last = text.splitlines()[-1]
    for line in (errors[0], last):
        assert line.endswith("start it with TICKWORK_HOME naming where it went"), text
    assert last.startswith(f"tickwork: error: the data home {home} was moved or deleted "
                           "while the engine ran"), text
    assert "--home" not in text, text
