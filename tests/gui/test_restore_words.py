"""File → Restore…: the box after it says in words what happened, as it does when something
was carried over. A backup restored with nothing done since it said only two paths
("Restored /…/before.db. The store it replaced is kept as /…/restore-….db."): a person could
not tell whether anything had changed. Through the real start-up path, as a person restores."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from app.gui.main_window import MainWindow
from app.gui.qt import QApplication
from tests.gui.conftest import Answer, answer_question, command_task
from tests.gui.start_up import through_start_up


def _backup(home: Path, later: str | None = None) -> Path:
    """A home whose backup has the task "kept"; `later` is added after it, if given."""
    from app.service import Service
    from app.store import backup
    from app.store.database import Store

    store = Store.open(home)
    service = Service(store, "cli")
    service.create_task(command_task("kept"))
    file = backup.make(home, home.parent / "before.db")
    if later:
        service.create_task(command_task(later))
    store.close()
    return file


def _restore(home: Path, file: Path, qtbot: Any, screenshot: str) -> Answer:
    """Open the window on `home`, restore `file` from it, and quit at the box after it."""
    answer: list[Answer] = []

    def look() -> bool:
        shown = [w for w in QApplication.topLevelWidgets()
                 if isinstance(w, MainWindow) and w.isVisible()]
        if not shown or QApplication.activeModalWidget() is not None:
            return False
        if not answer:
            answer.append(answer_question(qtbot, "Quit", screenshot))
            shown[0].store_ops.accept_restore(file)
        return False

    assert through_start_up(["--home", str(home), "--no-engine"], look, 30_000) == 0
    for window in QApplication.topLevelWidgets():
        if isinstance(window, MainWindow):
            with contextlib.suppress(RuntimeError):
                window.hide()
                window.deleteLater()
    [said] = answer
    assert said.done and said.title == "Backup restored", said.title
    return said


def test_a_restore_with_nothing_since_the_backup_says_so(tmp_path: Path, qtbot: Any) -> None:
    home = tmp_path / "home"
    file = _backup(home)
    said = _restore(home, file, qtbot, "restore-nothing-changed")
    text = said.text.replace("\n", " ")
    assert "Nothing to carry over" in text, text
    assert text.startswith("The store is the backup's again"), text
    assert str(file) in said.details and "kept as" in said.details  # the paths below


def test_a_restore_that_carried_something_says_what(tmp_path: Path, qtbot: Any) -> None:
    home = tmp_path / "home"
    file = _backup(home, later="made later")
    said = _restore(home, file, qtbot, "restore-carried")
    text = said.text.replace("\n", " ")
    assert text.startswith("The store is the backup's again"), text
    assert "“made later”" in text and "Nothing to carry over" not in text, text
    assert str(file) in said.details
