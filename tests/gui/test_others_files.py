"""File → Restore… and Import tasks… with a file another user left (a planted /tmp/backup.db or
tasks.json: its tasks would run their owner's commands as you): the window says whose it is
in the words `tickwork restore` and `import` refuse it in, a warning whose default is Cancel
(Enter changes nothing), and goes on only when the person clicks to (as `--trust-owner`).
Run as root: only root can make a file that belongs to someone else."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from app.gui.qt import QApplication, Qt
from app.store import backup
from tests.gui.conftest import (
    Gui,
    answer_question,
    command_task,
    export_from_another_home,
    press_enter_on,
    said,
)
from tests.gui.file_dialogs import choose_path, file_dialog, file_menu_entry, import_tasks

OTHER = 65534  # nobody

pytestmark = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                                reason="only root can make files that belong to another user")


def planted(path: Path) -> Path:
    os.chown(path, OTHER, OTHER)
    return path


def test_restore_of_another_user_s_backup_warns_and_needs_a_click(gui: Gui,
                                                                  tmp_path: Path) -> None:
    ops = gui.window.store_ops
    file = planted(backup.make(gui.store.home, tmp_path / "backup.db"))
    words = (f"{file} is nobody's, not yours: its tasks would run their commands as you. "
             "Restore it only if you trust nobody.")
    answer = press_enter_on(gui.qtbot, "Restore nobody's file?")
    file_menu_entry(gui, "Restore…")
    choose_path(gui, file_dialog(gui, ops), file)
    gui.wait_until(lambda: answer.done)
    assert answer.title == "Restore nobody's file?"
    assert answer.text.startswith(words + "\n\nReplace the store with"), answer.text
    gui.wait_until(lambda: QApplication.activeModalWidget() is None)
    assert ops.restore_file is None and not gui.window.quitting  # Enter: Cancel

    clicked = answer_question(gui.qtbot, "Restore")
    file_menu_entry(gui, "Restore…")
    choose_path(gui, file_dialog(gui, ops), file)
    gui.wait_until(lambda: clicked.done)
    assert clicked.title == "Restore nobody's file?"
    gui.wait_until(lambda: gui.window.quitting)
    assert (ops.restore_file, ops.restore_trusted) == (file, True)  # as --trust-owner


def test_restore_of_the_user_s_own_backup_is_not_warned(gui: Gui, tmp_path: Path) -> None:
    ops = gui.window.store_ops
    file = backup.make(gui.store.home, tmp_path / "backup.db")
    clicked = answer_question(gui.qtbot, "Restore")
    file_menu_entry(gui, "Restore…")
    choose_path(gui, file_dialog(gui, ops), file)
    gui.wait_until(lambda: clicked.done)
    assert clicked.title == "Restore this backup?" and "not yours" not in clicked.text
    gui.wait_until(lambda: gui.window.quitting)
    assert (ops.restore_file, ops.restore_trusted) == (file, False)


def test_import_of_another_user_s_export_warns_and_needs_a_click(gui: Gui,
                                                                 tmp_path: Path) -> None:
    gui.service.create_task(command_task("keep"))
    file = planted(export_from_another_home(
        tmp_path, "tasks.json", [(["task", "add", "planted", "--command", "true"], None)]))
    answer = press_enter_on(gui.qtbot, "Import nobody's file?")
    import_tasks(gui, file)
    gui.wait_until(lambda: answer.done)
    assert answer.title == "Import nobody's file?"
    assert answer.text == (f"{file} is nobody's, not yours: its tasks would run their "
                           "commands as you. Import it only if you trust nobody.")
    assert answer.buttons == ["Import anyway", "Cancel"]
    gui.wait_until(lambda: QApplication.activeModalWidget() is None)
    gui.settle()
    assert [t.name for t in gui.service.list_tasks()] == ["keep"]  # Enter: Cancel
    assert "Import" not in said(gui.window)

    clicked = answer_question(gui.qtbot, "Import anyway")
    import_tasks(gui, file)
    gui.wait_until(lambda: clicked.done)
    gui.wait_until(lambda: said(gui.window) == "Imported 1 task: “planted”.")
    assert [t.name for t in gui.service.list_tasks()] == ["keep", "planted"]
    assert _trusted(gui) == [(str(file), "nobody")]


def _trusted(gui: Gui) -> list[tuple[str | None, Any]]:
    """The imports in the audit trail, and whose file each records having trusted."""
    return [(e["target"], (e["after"] or {}).get("trusted_owner"))
            for e in gui.service.audit_events(search="tasks.import")]


def test_a_crontab_of_another_user_is_previewed_only_after_a_click(gui: Gui,
                                                                  tmp_path: Path) -> None:
    """File → Import a crontab…: a planted crontab's lines would run as the person too. The
    preview asks as Import tasks… does; Enter leaves it unread, said inline in the same
    words; a click reads it, and Create makes its tasks."""
    file = tmp_path / "crontab"
    file.write_text("# planted\n0 * * * * /bin/true\n")
    planted(file)
    gui.window.task_ops.import_crontab.trigger()  # as the File menu does
    dialog = gui.window.task_ops.import_preview
    assert dialog is not None
    gui.wait_until(dialog.isVisible)
    answer = press_enter_on(gui.qtbot, "Import nobody's file?")
    gui.qtbot.keyClicks(dialog.path, str(file))
    gui.qtbot.keyClick(dialog.path, Qt.Key.Key_Return)
    gui.wait_until(lambda: answer.done)
    assert answer.text == (f"{file} is nobody's, not yours: its tasks would run their "
                           "commands as you. Import it only if you trust nobody.")
    gui.wait_until(dialog.error.isVisible)
    assert dialog.error.text().endswith(
        f"{file} is nobody's, not yours: its tasks would run their commands as you: nothing "
        "will be imported"), dialog.error.text()
    assert not dialog.create_button.isEnabled() and dialog.table.model().rowCount() == 0

    clicked = answer_question(gui.qtbot, "Import anyway")
    gui.qtbot.keyClick(dialog.path, Qt.Key.Key_Return)
    gui.wait_until(lambda: clicked.done)
    gui.wait_until(lambda: dialog.table.model().rowCount() == 1)
    assert not dialog.error.isVisible()
    gui.qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: not dialog.isVisible())
    assert [t.name for t in gui.service.list_tasks()] == ["planted"]
    assert _trusted(gui) == [(f"crontab {file}", "nobody")]
