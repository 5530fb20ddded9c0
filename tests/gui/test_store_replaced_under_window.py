"""A backup copied over the store (`cp backup.db tickwork.db`) under a window with its own
engine: nothing noticed it — the window and its engine went on reading the pages of the
engine's log over the copy (a task added after the backup still listed, edits still taken),
and the log was folded into the copy as the window closed, so the backup put back was
undone. Now the engine stops, the window says why once (in the engine's place and the status
bar: no box, no traceback), reads and writes the store no more — an edit is refused, said
once — and the file is the backup, whole, once the window has closed."""

from __future__ import annotations

import logging
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from app.gui.qt import QApplication, QMessageBox, Qt
from tests.conftest import ROOT
from tests.gui.conftest import Gui, _open_gui, close_gui, command_task, said
from tests.support import tickwork

OVERWRITTEN = "was overwritten while the engine ran (a file copied over it?)"


def test_a_backup_copied_over_the_store_under_the_window_stops_its_engine_said_once(
        home: Path, tmp_path: Path, qtbot: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    gui = _open_gui(home, qtbot)
    try:
        _said_once(gui, home, tmp_path, caplog, qtbot)
    finally:
        close_gui(gui)  # (its connections closed: nothing of the log folded into the copy)
    con = sqlite3.connect(f"file:{home / 'tickwork.db'}?mode=ro", uri=True)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert [n for (n,) in con.execute("SELECT name FROM task")] == ["before"]
    finally:
        con.close()


def _said_once(gui: Gui, home: Path, tmp_path: Path,
               caplog: pytest.LogCaptureFixture, qtbot: Any) -> None:
    gui.service.create_task(command_task("before"))
    backup = tmp_path / "backup.db"
    done = tickwork.run(["--home", str(home), "backup", str(backup)], timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    gui.service.create_task(command_task("after", schedule={"kind": "interval", "seconds": 1}))
    gui.wait_until(lambda: gui.window.tasks_model.rowCount() == 2)
    gui.quiet()
    store = home / "tickwork.db"
    shutil.copyfile(backup, store)
    gui.wait_until(lambda: gui.session.mode == "stopped", 15)
    place = gui.window.status.engine
    gui.wait_until(lambda: OVERWRITTEN in place.toolTip() + said(gui.window), 10)
    with pytest.raises(Exception, match="was overwritten while the engine ran"):
        gui.service.create_task(command_task("refused"))
    _run_now_refused_at_once(gui, qtbot)
    gui.window.status.refresh()
    gui.quiet()
    assert [w for w in QApplication.topLevelWidgets()
            if isinstance(w, QMessageBox) and w.isVisible()] == []
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []
    errors = [r.getMessage() for r in caplog.records
              if r.levelno >= logging.ERROR and r.name == "tickwork.engine"]
    assert len(errors) == 1 and errors[0].startswith(f"{store} {OVERWRITTEN}"), errors


def _run_now_refused_at_once(gui: Gui, qtbot: Any) -> None:
    """Run now (F5 on the table) after the copy: a pool thread's first connection to the
    store is refused like the rest (app/store/connection.py `SqliteStore`). It set WAL mode
    as it connected, which waited for the lock that keeps the engine's log out of the copy:
    10 s, then a box saying "OperationalError: database is locked"."""
    background = gui.session.background
    background.pool.setExpiryTimeout(0)  # (its threads, and their connections, gone: a
    gui.wait_until(lambda: background.pool.activeThreadCount() == 0)  # new one connects)
    background.pool.waitForDone(5_000)
    table = gui.window.tasks_view.table
    table.selectRow(0)
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_F5)
    gui.wait_until(lambda: background.busy)
    gui.wait_until(lambda: not background.busy, 5)  # (not the 10 s of the lock's wait)
    assert "database is locked" not in said(gui.window)
