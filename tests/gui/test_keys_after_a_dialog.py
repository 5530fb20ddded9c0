"""The keyboard is back in the window once a dialog closes: F5 runs the task just saved,
the arrow keys move in the list. A window manager gives a closed dialog's window the focus
back; without one (a bare X server, Xvfb without openbox, the offscreen platform) no
window was active after the editor, the "Delete task" question, the Settings, the Restore,
Import, Take over or Connect questions and dialogs closed, and F5 or an arrow key went
nowhere."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.gui.qt import QApplication, QDialog, QMessageBox, Qt, QTimer
from app.gui.tasks.secrets_needed import SecretsNeeded
from app.gui.window.connect_dialog import ConnectDialog
from app.store import backup
from tests.engine.conftest import holding_engine
from tests.gui.conftest import (
    Gui,
    click_row,
    closed,
    command_task,
    export_from_another_home,
    export_needing_a_secret,
    open_settings,
)
from tests.gui.editing import open_selected
from tests.gui.file_dialogs import choose_path, file_dialog, file_menu_entry, import_tasks


def _key(qtbot: Any, key: Any) -> None:
    """A key as a person presses it: to whatever has the keyboard focus."""
    focused = QApplication.focusWidget()
    assert focused is not None, "no widget has the keyboard: the key goes nowhere"
    qtbot.keyClick(focused, key)


def cancel_when_it_has_the_keys(qtbot: Any, kind: type[QDialog] = QMessageBox) -> list[str]:
    """As a person: Escape (Cancel) on the next question box (or dialog of `kind`) once it
    is up and has the keyboard — answered before its activation arrived, no window was
    active after it, whatever the app did (a race of the test's, 1 run in 3). The box's
    title, once done."""
    titles: list[str] = []

    def act() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, kind) or QApplication.activeWindow() is not box:
            QTimer.singleShot(20, act)
            return
        titles.append(box.windowTitle())
        qtbot.keyClick(box, Qt.Key.Key_Escape)

    QTimer.singleShot(0, act)
    return titles


def test_f5_right_after_saving_runs_the_task_saved(gui: Gui, qtbot: Any) -> None:
    gui.service.create_task(command_task("a"))
    task = gui.service.create_task(command_task("b"))
    editor = open_selected(gui, qtbot, task.id, Qt.Key.Key_Return)
    qtbot.keyClicks(editor.general.description, "nightly")
    qtbot.keyClick(editor.general.description, Qt.Key.Key_Return,
                   Qt.KeyboardModifier.ControlModifier)
    gui.wait_until(lambda: closed(editor))
    table = gui.window.tasks_view.table
    gui.wait_until(lambda: QApplication.focusWidget() is table)
    _key(qtbot, Qt.Key.Key_F5)
    gui.wait_until(lambda: gui.service.get_task("b").last_run is not None)
    assert gui.service.get_task("a").last_run is None


def test_an_arrow_key_after_cancelling_moves_in_the_list(gui: Gui, qtbot: Any) -> None:
    gui.service.create_task(command_task("a"))
    task = gui.service.create_task(command_task("b"))
    editor = open_selected(gui, qtbot, task.id, Qt.Key.Key_Return)
    qtbot.keyClick(editor.general.name, Qt.Key.Key_Escape)  # nothing changed: it just closes
    gui.wait_until(lambda: closed(editor))
    gui.wait_until(lambda: QApplication.focusWidget() is gui.window.tasks_view.table)
    _key(qtbot, Qt.Key.Key_Up)
    assert [i.task.name for i in gui.window.tasks_view.selected_items()] == ["a"]


def test_an_arrow_key_after_a_delete_cancelled_moves_in_the_list(gui: Gui, qtbot: Any) -> None:
    gui.service.create_task(command_task("a"))
    task = gui.service.create_task(command_task("b"))
    editor = open_selected(gui, qtbot, task.id, Qt.Key.Key_Return)  # (the table has the keys)
    qtbot.keyClick(editor.general.name, Qt.Key.Key_Escape)
    gui.wait_until(lambda: QApplication.focusWidget() is gui.window.tasks_view.table)
    cancelled = cancel_when_it_has_the_keys(qtbot)
    _key(qtbot, Qt.Key.Key_Delete)
    gui.wait_until(lambda: cancelled)
    gui.wait_until(lambda: QApplication.focusWidget() is gui.window.tasks_view.table)
    _key(qtbot, Qt.Key.Key_Up)
    assert [i.task.name for i in gui.window.tasks_view.selected_items()] == ["a"]


def test_f5_after_the_settings_are_saved_runs_the_selected_task(gui: Gui, qtbot: Any) -> None:
    task = gui.service.create_task(command_task("b"))
    editor = open_selected(gui, qtbot, task.id, Qt.Key.Key_Return)  # (the table has the keys)
    qtbot.keyClick(editor.general.name, Qt.Key.Key_Escape)
    gui.wait_until(lambda: QApplication.focusWidget() is gui.window.tasks_view.table)
    dialog = open_settings(gui)
    dialog.keep_days.setFocus()
    dialog.keep_days.selectAll()
    qtbot.keyClicks(dialog.keep_days, "30")
    with qtbot.waitSignal(dialog.saved):
        qtbot.keyClick(dialog.keep_days, Qt.Key.Key_Return)
    gui.wait_until(lambda: closed(dialog))
    gui.wait_until(lambda: QApplication.focusWidget() is gui.window.tasks_view.table)
    _key(qtbot, Qt.Key.Key_F5)
    gui.wait_until(lambda: gui.service.get_task("b").last_run is not None)


@pytest.mark.usefixtures("real_quit_question")
def test_an_arrow_key_after_the_quit_question_cancelled_moves_in_the_list(
        gui: Gui, qtbot: Any) -> None:
    """Ctrl+Q, then Cancel ("Quit Tickwork?" asks while tasks are scheduled): the keys are
    the window's again, as after the editor."""
    for name in ("a", "b"):
        gui.service.create_task(command_task(name, schedule={"kind": "interval",
                                                             "seconds": 3600}))
    table = gui.window.tasks_view.table
    gui.wait_until(lambda: table.model().rowCount() == 2)
    click_row(qtbot, table, 1)
    gui.wait_until(lambda: QApplication.focusWidget() is table)
    cancelled = cancel_when_it_has_the_keys(qtbot)
    qtbot.keyClick(table, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    gui.wait_until(lambda: cancelled)  # (the question comes once what would stop is read)
    assert cancelled == ["Quit Tickwork?"]
    gui.wait_until(lambda: QApplication.focusWidget() is table)
    _key(qtbot, Qt.Key.Key_Up)
    assert [i.task.name for i in gui.window.tasks_view.selected_items()] == ["a"]


def _second_of_two_selected(gui: Gui, qtbot: Any) -> Any:
    """Tasks "a" and "b", "b" clicked: the table, once it has the keys."""
    for name in ("a", "b"):
        gui.service.create_task(command_task(name))
    table = gui.window.tasks_view.table
    gui.wait_until(lambda: table.model().rowCount() == 2)
    click_row(qtbot, table, 1)
    gui.wait_until(lambda: QApplication.focusWidget() is table)
    return table


def _up_moves_in_the_list(gui: Gui, qtbot: Any, table: Any) -> None:
    gui.wait_until(lambda: QApplication.focusWidget() is table)
    _key(qtbot, Qt.Key.Key_Up)
    assert [i.task.name for i in gui.window.tasks_view.selected_items()] == ["a"]


def restore_answered(gui: Gui, qtbot: Any, file: Path) -> list[str]:
    """File → Restore… with `file`; the box that comes is cancelled once it has the keys
    (its title)."""
    cancelled = cancel_when_it_has_the_keys(qtbot)
    file_menu_entry(gui, "Restore…")
    choose_path(gui, file_dialog(gui, gui.window.store_ops), file)
    gui.wait_until(lambda: cancelled)
    return cancelled


def test_an_arrow_key_after_a_restore_cancelled_moves_in_the_list(
        gui: Gui, qtbot: Any, tmp_path: Path) -> None:
    table = _second_of_two_selected(gui, qtbot)
    good = backup.make(gui.store.home, tmp_path / "good.db")
    assert restore_answered(gui, qtbot, good) == ["Restore this backup?"]
    _up_moves_in_the_list(gui, qtbot, table)


def test_an_arrow_key_after_an_import_s_secrets_cancelled_moves_in_the_list(
        gui: Gui, qtbot: Any, tmp_path: Path) -> None:
    table = _second_of_two_selected(gui, qtbot)
    cancelled = cancel_when_it_has_the_keys(qtbot, SecretsNeeded)
    import_tasks(gui, export_needing_a_secret(tmp_path))
    gui.wait_until(lambda: cancelled, 20)
    assert cancelled == ["Secrets for the imported tasks"]
    _up_moves_in_the_list(gui, qtbot, table)
    assert gui.service.count_tasks() == 2  # (nothing imported)


def test_an_arrow_key_after_connect_cancelled_moves_in_the_list(gui: Gui, qtbot: Any) -> None:
    table = _second_of_two_selected(gui, qtbot)
    cancelled = cancel_when_it_has_the_keys(qtbot, ConnectDialog)
    file_menu_entry(gui, "Connect to a shared store…")
    gui.wait_until(lambda: cancelled)
    _up_moves_in_the_list(gui, qtbot, table)


def test_an_arrow_key_after_take_over_cancelled_moves_in_the_list(
        gui_factory: Any, home: Path, qtbot: Any, tmp_path: Path) -> None:
    background = holding_engine(home, tmp_path / "engine.log")
    try:
        gui: Gui = gui_factory()
        assert gui.session.mode == "standby"
        table = _second_of_two_selected(gui, qtbot)
        cancelled = cancel_when_it_has_the_keys(qtbot)
        gui.window.store_ops.take_over.action.trigger()
        gui.wait_until(lambda: cancelled)
        assert cancelled == ["Take over from the background engine?"]
        _up_moves_in_the_list(gui, qtbot, table)
        assert gui.session.mode == "standby"
    finally:
        background.stop()


def test_an_arrow_key_after_an_import_s_question_cancelled_moves_in_the_list(
        gui: Gui, qtbot: Any, tmp_path: Path) -> None:
    """"a" is here already: the import asks whether to bring the other task."""
    table = _second_of_two_selected(gui, qtbot)
    export = export_from_another_home(tmp_path, "two.json", [
        (["task", "add", name, "--manual", "--command", "true"], None) for name in "ac"])
    cancelled = cancel_when_it_has_the_keys(qtbot)
    import_tasks(gui, export)
    gui.wait_until(lambda: cancelled, 20)
    assert cancelled == ["Import tasks"]
    _up_moves_in_the_list(gui, qtbot, table)
    assert gui.service.count_tasks() == 2  # (nothing imported)
