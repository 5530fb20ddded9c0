"""The keyboard is back where it was once any dialog closes, not only those that asked for
it (app/gui/widgets/focus_back.py, one piece for every dialog): the window's warning box,
About, the user guide and the shortcuts, a cancelled file dialog, the import preview, the
calendar's day list, and a question asked from inside a dialog (Settings' "Save the history
default?", the editor's "Discard changes?"), whose dialog has the keys again. Without a
window manager no window was active after them, and the next key went nowhere. Where
another window took the keyboard while a dialog was up, it keeps it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from app.gui.qt import QApplication, QDialog, QMenu, QMessageBox, Qt, QTimer, QWidget, alive
from app.gui.tasks.import_preview import ImportPreview
from app.gui.window.help_windows import GuideDialog, ShortcutsDialog
from tests.gui.conftest import Gui, closed, command_task, open_settings
from tests.gui.editing import click, go, open_selected, save
from tests.gui.file_dialogs import cancel, file_dialog, file_menu_entry
from tests.gui.test_calendar_busy_keys import BUSY_DAY, _busy_past, _open, india_local_time
from tests.gui.test_keys_after_a_dialog import (
    _key,
    _second_of_two_selected,
    _up_moves_in_the_list,
    cancel_when_it_has_the_keys,
    restore_answered,
)

__all__ = ["india_local_time"]  # (a fixture, used by name)


def _help_menu_entry(gui: Gui, text: str) -> None:
    """Click a Help menu entry (its text, without '&')."""
    (menu,) = [a.menu() for a in gui.window.menuBar().actions() if a.text() == "&Help"]
    assert isinstance(menu, QMenu)
    (action,) = [a for a in menu.actions() if a.text().replace("&", "") == text]
    action.trigger()


def _escape_once_it_has_the_keys(gui: Gui, kind: type[QWidget]) -> QWidget:
    """Escape on the window of `kind` (not modal: it does not block) once it is active."""
    gui.wait_until(lambda: isinstance(QApplication.activeWindow(), kind))
    window = QApplication.activeWindow()
    gui.qtbot.keyClick(window, Qt.Key.Key_Escape)
    gui.wait_until(lambda: not alive(window) or not window.isVisible())
    return window


def test_an_arrow_key_after_the_window_s_warning_moves_in_the_list(
        gui: Gui, qtbot: Any, tmp_path: Path) -> None:
    """File → Restore… with a file that is not a store: "Cannot restore this file"."""
    table = _second_of_two_selected(gui, qtbot)
    bad = tmp_path / "notes.db"
    bad.write_text("not a store\n" * 50)
    assert restore_answered(gui, qtbot, bad) == ["Cannot restore this file"]
    _up_moves_in_the_list(gui, qtbot, table)


def test_an_arrow_key_after_about_moves_in_the_list(gui: Gui, qtbot: Any) -> None:
    table = _second_of_two_selected(gui, qtbot)
    cancelled = cancel_when_it_has_the_keys(qtbot)
    _help_menu_entry(gui, "About Tickwork")  # (its box is answered inside)
    assert cancelled == ["About Tickwork"]
    _up_moves_in_the_list(gui, qtbot, table)


@pytest.mark.parametrize("help_window", ["user guide (F1)", "Keyboard shortcuts"])
def test_an_arrow_key_after_a_help_window_moves_in_the_list(
        gui: Gui, qtbot: Any, help_window: str) -> None:
    table = _second_of_two_selected(gui, qtbot)
    if help_window == "user guide (F1)":
        _key(qtbot, Qt.Key.Key_F1)
    else:
        _help_menu_entry(gui, help_window)
    _escape_once_it_has_the_keys(gui, GuideDialog if help_window.endswith("(F1)")
                                 else ShortcutsDialog)
    _up_moves_in_the_list(gui, qtbot, table)


def test_an_arrow_key_after_a_file_dialog_cancelled_moves_in_the_list(
        gui: Gui, qtbot: Any) -> None:
    table = _second_of_two_selected(gui, qtbot)
    file_menu_entry(gui, "Import tasks…")
    dialog = file_dialog(gui, gui.window.task_ops)
    gui.wait_until(lambda: QApplication.activeWindow() is dialog)
    cancel(gui, dialog)
    _up_moves_in_the_list(gui, qtbot, table)
    assert gui.service.count_tasks() == 2


def test_an_arrow_key_after_the_import_preview_cancelled_moves_in_the_list(
        gui: Gui, qtbot: Any) -> None:
    table = _second_of_two_selected(gui, qtbot)
    file_menu_entry(gui, "Import a crontab…")
    _escape_once_it_has_the_keys(gui, ImportPreview)
    _up_moves_in_the_list(gui, qtbot, table)


def test_a_key_after_the_day_list_goes_to_the_calendar(
        gui_factory: Any, india_local_time: None) -> None:
    """Enter on a busy day's count opens its list; after Escape, Right moves the month's
    day cursor to the next day."""
    gui = gui_factory(engine=False)
    _busy_past(gui)
    view = _open(gui, "month")
    grid = view.month
    gui.wait_until(lambda: BUSY_DAY in getattr(grid, "summed", ()))
    for key in (Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_Left, Qt.Key.Key_Down):
        gui.qtbot.keyClick(grid, key)  # today, a week up, the busy day the day before, its count
    gui.qtbot.keyClick(grid, Qt.Key.Key_Return)
    gui.wait_until(lambda: view.day_list is not None and view.day_list.isVisible())
    assert view.day_list.day == BUSY_DAY
    _escape_once_it_has_the_keys(gui, QDialog)
    gui.wait_until(lambda: QApplication.focusWidget() is grid)
    _key(gui.qtbot, Qt.Key.Key_Right)
    assert view.picked_line.text().startswith("Selected: Thu 26 Nov: ")  # the quiet day


def test_settings_have_the_keys_after_their_question_is_cancelled(
        gui: Gui, qtbot: Any) -> None:
    """Escape with a changed history default asks "Save the history default?"; after its
    Cancel, Up steps the field the person was in."""
    dialog = open_settings(gui)
    dialog.keep_days.setFocus()
    dialog.keep_days.selectAll()
    qtbot.keyClicks(dialog.keep_days, "30")
    gui.wait_until(lambda: QApplication.focusWidget() is dialog.keep_days)
    cancelled = cancel_when_it_has_the_keys(qtbot)
    qtbot.keyClick(dialog.keep_days, Qt.Key.Key_Escape)
    assert cancelled == ["Save the history default?"]
    assert dialog.isVisible()
    gui.wait_until(lambda: QApplication.focusWidget() is dialog.keep_days)
    _key(qtbot, Qt.Key.Key_Up)
    assert dialog.keep_days.value() == 31


def test_the_editor_has_the_keys_after_keep_editing(gui: Gui, qtbot: Any) -> None:
    """Escape with a changed description asks "Discard changes?"; after Keep editing
    (Escape), what is typed goes on into the description."""
    task = gui.service.create_task(command_task("b"))
    editor = open_selected(gui, qtbot, task.id, Qt.Key.Key_Return)
    field = editor.general.description
    field.setFocus()
    qtbot.keyClicks(field, "night")
    cancelled = cancel_when_it_has_the_keys(qtbot)
    qtbot.keyClick(field, Qt.Key.Key_Escape)
    assert cancelled == ["Discard changes?"]
    gui.wait_until(lambda: QApplication.focusWidget() is field)
    focused = QApplication.focusWidget()
    assert focused is not None
    qtbot.keyClicks(focused, "ly")
    assert field.toPlainText() == "nightly"


def test_an_arrow_key_after_discard_changes_moves_in_the_list(gui: Gui, qtbot: Any) -> None:
    """Escape with a changed description asks "Discard changes?"; Discard closes the box and
    then the editor at once, before the editor was given the keys the box gave back: they
    go on to the window (no window had them, and the next key went nowhere)."""
    table = _second_of_two_selected(gui, qtbot)
    editor = open_selected(gui, qtbot, gui.service.get_task("b").id, Qt.Key.Key_Return)
    field = editor.general.description
    field.setFocus()
    qtbot.keyClicks(field, "night")
    answered: list[str] = []

    def discard() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox) or QApplication.activeWindow() is not box:
            QTimer.singleShot(20, discard)
            return
        answered.append(box.windowTitle())
        (button,) = [b for b in box.buttons() if b.text() == "&Discard changes"]
        button.click()

    QTimer.singleShot(0, discard)
    qtbot.keyClick(field, Qt.Key.Key_Escape)
    assert answered == ["Discard changes?"]
    gui.wait_until(lambda: closed(editor))
    _up_moves_in_the_list(gui, qtbot, table)


def test_a_window_that_took_the_keys_keeps_them_when_a_dialog_closes(
        gui: Gui, qtbot: Any) -> None:
    """The Settings are up; another window takes the keyboard (as a window manager gives it
    to the window clicked); the Settings close on their own: the keys stay there."""
    table = _second_of_two_selected(gui, qtbot)
    dialog = open_settings(gui)
    gui.wait_until(lambda: QApplication.activeWindow() is dialog)
    elsewhere = QWidget()
    elsewhere.setWindowTitle("Elsewhere")
    try:
        elsewhere.show()
        elsewhere.activateWindow()
        gui.wait_until(lambda: QApplication.activeWindow() is elsewhere)
        dialog.reject()
        gui.wait_until(lambda: closed(dialog))
        qtbot.wait(200)  # (a request to activate the window would have landed)
        assert QApplication.activeWindow() is elsewhere
        assert QApplication.focusWidget() is not table
    finally:
        elsewhere.close()
        elsewhere.deleteLater()


def test_ordinary_events_run_no_python_of_it(gui: Gui, qtbot: Any) -> None:
    """Keys, mouse moves and paints in the window run none of focus_back's Python (it
    listens to two Qt signals, no event filter): counted with a profiler, not timed; the
    keyboard going to another window does run it (the count sees it)."""
    from app.gui.widgets import focus_back

    table = _second_of_two_selected(gui, qtbot)
    calls: list[str] = []
    source = focus_back.__file__

    def count(frame: Any, event: str, _arg: object) -> None:
        if event == "call" and frame.f_code.co_filename == source:
            calls.append(frame.f_code.co_name)

    elsewhere = QWidget()
    sys.setprofile(count)
    try:
        for _ in range(50):
            qtbot.keyClick(table, Qt.Key.Key_Up)
            qtbot.keyClick(table, Qt.Key.Key_Down)
            qtbot.mouseMove(table.viewport())
            table.viewport().repaint()
        assert calls == []
        elsewhere.show()
        elsewhere.activateWindow()
        gui.wait_until(lambda: calls)
    finally:
        sys.setprofile(None)
        elsewhere.close()
        elsewhere.deleteLater()
    assert calls == ["_on_app_focus_window_changed"]


def test_an_arrow_key_after_saving_a_name_picked_from_a_list_moves_in_the_list(
        gui: Gui, qtbot: Any) -> None:
    """A name picked from a completer's list in the editor, then Save: the editor closes
    once the service has saved. The offscreen platform gives the list the keyboard as it
    shows and leaves it there once it hides, so the closing editor was thought to have lost
    the keys, and the next key went nowhere (the Graph's "Add dependency…" the same)."""
    table = _second_of_two_selected(gui, qtbot)
    editor = open_selected(gui, qtbot, gui.window.tasks_view.selected_items()[0].task.id,
                           Qt.Key.Key_Return)
    go(editor, qtbot, "Dependencies")
    names = editor.dependencies.depends_on
    click(qtbot, names.input)
    qtbot.keyClicks(names.input, "A")
    popup = names.input.completer().popup()
    gui.wait_until(popup.isVisible)
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    gui.wait_until(lambda: names.added() == ["a"])
    gui.settle()  # (what the platform does as the list shows and hides has landed)
    save(gui, qtbot, editor)
    assert gui.service.get_task("b").spec.depends_on == ("a",)
    _up_moves_in_the_list(gui, qtbot, table)
