"""File → Restore… through the real start-up path: once the backup is restored, the box that
says what changed offers to open Tickwork again, and Open Tickwork opens the window over the
store restored — its tasks the backup's. The box said "Start Tickwork again to continue" and
the window was gone: a person had to find the launcher again. Quit there quits, as before."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from app.gui.main_window import MainWindow
from app.gui.qt import QApplication
from tests.gui.conftest import SCREENSHOTS, answer_question, command_task
from tests.gui.start_up import through_start_up


def _home_with_a_backup(home: Path) -> Path:
    """A home whose backup has the task "kept"; "made later" was added after it."""
    from app.service import Service
    from app.store import backup
    from app.store.database import Store

    store = Store.open(home)
    service = Service(store, "cli")
    service.create_task(command_task("kept"))
    file = backup.make(home, home.parent / "before.db")
    service.create_task(command_task("made later"))
    store.close()
    return file


def _restore_then(home: Path, file: Path, qtbot: Any, button: str) -> dict[str, Any]:
    """Open the window on `home` (`tickwork --home HOME`), restore `file` from it, press
    `button` in the box saying what changed; what the windows showed, and the exit status."""
    seen: dict[str, Any] = {"windows": []}

    def names(window: MainWindow) -> set[str]:
        model = window.tasks_model
        return {model.data(model.index(r, 0)) for r in range(model.rowCount())}

    def look() -> bool:
        shown = [w for w in QApplication.topLevelWidgets()
                 if isinstance(w, MainWindow) and w.isVisible()]
        new = [w for w in shown if w not in seen["windows"]]
        if not new or not names(new[0]) or QApplication.activeModalWidget() is not None:
            return False
        window = new[0]
        seen["windows"].append(window)
        seen.setdefault("tasks", []).append(names(window))
        if len(seen["windows"]) == 1:  # the person restores; then answers the box
            seen["answer"] = answer_question(qtbot, button, "restore-reopens-box")
            window.store_ops.accept_restore(file)
            return False
        window.grab().save(str(SCREENSHOTS / "restore-reopened.png"))
        return True

    seen["code"] = through_start_up(["--home", str(home), "--no-engine"], look, 30_000)
    for window in seen["windows"]:
        with contextlib.suppress(RuntimeError):  # (one the start-up path deleted already)
            window.hide()
            window.deleteLater()
    return seen


def test_open_tickwork_after_a_restore_opens_the_window_over_the_backup(
        tmp_path: Path, qtbot: Any) -> None:
    home = tmp_path / "home"
    file = _home_with_a_backup(home)
    seen = _restore_then(home, file, qtbot, "Open Tickwork")
    answer = seen["answer"]
    assert answer.done and answer.title == "Backup restored", answer.title
    assert "Start Tickwork again" not in answer.text
    assert answer.buttons == ["Open Tickwork", "Quit"], answer.buttons
    assert seen["tasks"] == [{"kept", "made later"}, {"kept"}], seen["tasks"]
    assert seen["code"] == 0


def test_quit_after_a_restore_quits(tmp_path: Path, qtbot: Any) -> None:
    home = tmp_path / "home"
    file = _home_with_a_backup(home)
    seen = _restore_then(home, file, qtbot, "Quit")
    assert seen["answer"].done
    assert seen["tasks"] == [{"kept", "made later"}]  # no window opened again
    assert seen["code"] == 0
