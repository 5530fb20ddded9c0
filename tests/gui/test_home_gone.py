"""The data home moved (or deleted) under the open window — with its own engine, which stops
itself, or as a viewer of a headless `tickwork engine`, which stops too — is one line, said
once in the status bar and in the engine's place, naming the home and what to do; the store
is tried again every few seconds, and once the folder is back the window reads it again (and
its own engine, which stopped itself, starts again: a new one, once the old one's stop is over).
Each view that reads the store on a timer logged `OperationalError: unable to open database
file` with its traceback and opened a box, every 1–3 s (the status bar's figures, the list,
the viewer's watch of the other engine's runs). A folder in place of the store's file is the
same: a fault in one line, said once, not a traceback a read."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.gui.qt import QApplication, QMessageBox
from app.gui.window.status_bar import REFRESH_MS
from tests.engine.conftest import EngineProcess, holding_engine
from tests.gui.conftest import Gui, _open_gui, close_gui, command_task, said

GONE = "was moved or deleted: put the folder back, or reopen Tickwork with `--home`"


def _boxes() -> list[str]:
    return [w.text() for w in QApplication.topLevelWidgets()
            if isinstance(w, QMessageBox) and w.isVisible()]


def _tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [f"{r.name}: {r.getMessage()}" for r in caplog.records
            if r.levelno >= logging.ERROR and r.exc_info]


def _engine_place(gui: Gui) -> str:
    label = gui.window.status.engine
    return f"{label.text()}\n{label.toolTip()}"


def _gone_and_back(gui: Gui, home: Path, away: Path, caplog: pytest.LogCaptureFixture,
                   then: str = "") -> None:
    """Move the home away under the window, wait through several of its reads, put it back
    (`then`: what the engine's place says meanwhile, too)."""
    caplog.set_level(logging.INFO)
    gui.quiet()
    home.rename(away)
    gui.wait_until(lambda: str(home) in _engine_place(gui) and GONE in _engine_place(gui), 15)
    gui.qtbot.wait(3 * REFRESH_MS)  # the status bar's reads, the session's looks, the list's
    assert _tracebacks(caplog) == []
    said_once = [r for r in caplog.records if GONE in r.getMessage()
                 and r.name.startswith("app.gui")]
    assert len(said_once) == 1, [r.getMessage() for r in caplog.records]
    assert said_once[0].levelno == logging.WARNING
    assert f"The data home {home} {GONE}" in said(gui.window) + _engine_place(gui)
    assert _boxes() == []
    assert then in _engine_place(gui)
    gui.window.status.overview = None  # read again once the home is back
    away.rename(home)
    gui.wait_until(lambda: GONE not in _engine_place(gui), 20)
    gui.wait_until(lambda: gui.window.status.overview is not None, 10)
    assert _tracebacks(caplog) == []
    assert _boxes() == []


def test_the_home_moved_under_the_window_and_its_engine_is_said_once_then_read_again(
        gui: Gui, home: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """... and its engine, which stopped itself, starts again once the home is back: it
    stayed stopped, the status bar saying to reopen Tickwork to schedule."""
    assert gui.session.mode == "running"
    _gone_and_back(gui, home, tmp_path / "away", caplog, "starts again then")
    gui.wait_until(lambda: gui.session.mode == "running", 30)
    assert gui.engine.state == "stopped" and gui.session.engine is not gui.engine
    assert (gui.session.engine.lock.holder() or {}).get("engine") == "this process"
    assert "this window's engine schedules its tasks again" in said(gui.window)
    assert "reopen Tickwork" not in _engine_place(gui) + said(gui.window)
    gui.service.create_task(command_task("after", schedule={"kind": "interval", "seconds": 1}))
    gui.wait_until(lambda: gui.window.tasks_model.rowCount() == 1)
    gui.wait_until(lambda: gui.window.tasks_model.rows[0].task.last_run is not None, 15)
    assert _tracebacks(caplog) == []


def test_the_home_back_with_another_engine_started_on_it_has_one_engine_scheduling(
        gui: Gui, home: Path, tmp_path: Path) -> None:
    """A `tickwork engine` started on the home as it comes back, and the window's engine
    starting again then: whichever takes the store first schedules, the other waits."""
    gui.quiet()
    away = tmp_path / "away"
    home.rename(away)
    gui.wait_until(lambda: "starts again then" in _engine_place(gui), 15)
    away.rename(home)
    other = EngineProcess(home, tmp_path / "engine.log")
    try:
        gui.wait_until(lambda: gui.session.engine is not gui.engine
                       and gui.session.mode in ("running", "standby"), 30)
        gui.wait_until(lambda: "engine running" in other.text()
                       or "engine standby" in other.text(), 30)
        window_leads = gui.session.mode == "running"
        assert ("engine standby" in other.text()) == window_leads, other.text()
        assert ("engine running" in other.text()) != window_leads, other.text()
    finally:
        other.stop()


def test_the_home_moved_under_a_viewer_is_said_once_and_its_engine_takes_over_once_back(
        gui_factory: Callable[..., Gui], home: Path, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    engine = holding_engine(home, tmp_path / "engine.log")
    try:
        gui = gui_factory()
        assert gui.session.mode == "standby"
        _gone_and_back(gui, home, tmp_path / "away", caplog)
        assert engine.proc.wait(30) == 66  # the headless engine stopped itself meanwhile
        gui.wait_until(lambda: gui.session.mode == "running", 30)  # and the window schedules
    finally:
        engine.stop()


def test_a_folder_in_place_of_the_store_file_is_said_once(
        gui_factory: Callable[..., Gui], home: Path, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    gui = gui_factory(engine=False)  # (an engine's own look at its files: tests/engine)
    gui.quiet()
    store = home / "tickwork.db"
    store.rename(tmp_path / "kept.db")
    store.mkdir()
    gui.window.status.refresh()
    gui.wait_until(lambda: str(store) in _engine_place(gui), 15)
    gui.qtbot.wait(2 * REFRESH_MS)
    assert _tracebacks(caplog) == []
    assert f"{store} is not a file any more" in _engine_place(gui)
    assert len([r for r in caplog.records if "is not a file any more" in r.getMessage()]) == 1
    assert _boxes() == []


def test_the_store_file_moved_away_is_said_once_and_no_empty_store_is_made_in_its_place(
        gui_factory: Callable[..., Gui], home: Path, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    """Each read's new connection made an empty tickwork.db where the store had been (SQLite
    creates a file it cannot find), then failed on it ("no such table: run"), a traceback
    every 3 s; a store put back then had to replace it."""
    caplog.set_level(logging.INFO)
    gui = gui_factory(engine=False)
    gui.service.create_task(command_task("kept"))
    gui.quiet()
    store, kept = home / "tickwork.db", tmp_path / "kept.db"
    store.rename(kept)
    gui.window.status.refresh()
    gui.wait_until(lambda: f"{store} was moved or deleted: put it back" in _engine_place(gui))
    gui.qtbot.wait(2 * REFRESH_MS)
    assert not store.exists()  # nothing made in its place
    assert _tracebacks(caplog) == []
    assert len([r for r in caplog.records if "was moved or deleted" in r.getMessage()]) == 1
    assert _boxes() == []
    kept.rename(store)
    gui.wait_until(lambda: "was moved or deleted" not in _engine_place(gui), 20)
    gui.window.status.overview = None
    gui.window.status.refresh()
    gui.wait_until(lambda: gui.window.status.overview is not None)
    assert gui.window.status.overview.tasks == 1
    assert _tracebacks(caplog) == []


def test_a_tickwork_engine_started_on_the_window_s_home_moved_away_makes_no_new_one(
        gui: Gui, home: Path, tmp_path: Path) -> None:
    """The window's engine notes the home it kept (app/store/kept_homes.py), so the
    background service started on it then (at login, or restarted) makes no new empty home
    there: the window would read it once the folder came back inside it."""
    from tests.support import tickwork

    gui.wait_until(lambda: gui.session.mode == "running", 30)
    gui.quiet()
    home.rename(tmp_path / "away")
    ran = tickwork.run(["--home", str(home), "engine"], timeout=60)
    assert ran.returncode == 66, ran
    assert f"the data home {home} is not there (moved or deleted?)" in ran.stderr, ran.stderr
    assert not home.exists()


def test_a_window_closed_while_its_home_was_away_looks_for_it_no_more(
        home: Path, tmp_path: Path, qtbot: Any, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """A window closed while its home was away (File → Connect to a shared store… then opens
    the next one in the same process) went on looking for its store every few seconds: it
    read the store the process had opened since, through the process's one database, took
    it for its own come back ("the data home … is back"), and started its engine again — a
    second engine in the process, beside another window's store, reading that store ("no
    such table: run" while it was still being made)."""
    from app.gui import session

    caplog.set_level(logging.INFO)
    monkeypatch.setattr(session, "AWAY_RETRY_MS", 100)  # its looks come quickly
    first = _open_gui(home, qtbot)
    first.wait_until(lambda: first.session.mode == "running", 30)
    first.quiet()
    home.rename(tmp_path / "away")
    first.wait_until(lambda: "starts again then" in _engine_place(first), 15)
    close_gui(first)
    worked: list[bool] = []
    first.session.background.busy_changed.connect(worked.append)
    second = _open_gui(tmp_path / "next", qtbot, engine=False)
    try:
        second.qtbot.wait(30 * 100)  # thirty of the closed window's looks, had it any
        assert True not in worked  # it started no work more, from any store (a job of before
        # the close may end after it: its end is said, False)
        assert first.session.engine is first.engine and first.engine.state == "stopped"
        assert not [r.getMessage() for r in caplog.records if "is back" in r.getMessage()]
    finally:
        close_gui(second)
        if first.session.engine is not first.engine:  # (never left running into later tests)
            first.session.engine.stop(2.0)
