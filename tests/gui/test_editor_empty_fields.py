"""A new task's empty fields: "The command is empty" showed in red as soon as the person
typed the name's first letter, on a page not yet seen. An empty field is said once the
person has been in it and left it, or pressed Save; till then the hint beside Save names it
as one to fill in. A mistake typed (a quote left open) shows at once, as before."""

from __future__ import annotations

from typing import Any

from app.gui.qt import QApplication, Qt
from tests.gui.conftest import SCREENSHOTS, Gui
from tests.gui.editing import choose_schedule, click, go, new_editor

EMPTY = "The command is empty: type what to run"


def _settled(gui: Gui, editor: Any) -> None:
    """The form's check once typing paused has run."""
    gui.wait_until(lambda: not editor._validate_timer.isActive())
    gui.settle()


def test_an_empty_command_waits_for_the_person_to_leave_it(gui: Gui, qtbot: Any) -> None:
    editor = new_editor(gui)
    command_error = editor.action.errors["command"][0]
    qtbot.keyClicks(editor.general.name, "Nightly backup")
    choose_schedule(editor, qtbot, "manual")
    _settled(gui, editor)
    go(editor, qtbot, "Action")
    assert not command_error.isVisible()  # not a mistake: nothing was typed there yet
    assert editor.hint.isVisible() and editor.hint.text() == "To fill in: Action › Command"
    assert EMPTY in editor.hint.toolTip()
    assert not editor.save_button.isEnabled()
    action_item = editor.sidebar.item([p.title for p in editor.pages].index("Action"))
    assert action_item.toolTip() == "This page has a field to fill in"
    assert editor.grab().save(str(SCREENSHOTS / "editor-command-to-fill-in.png"))

    go(editor, qtbot, "General")
    click(qtbot, editor.hint)  # the hint leads to the field
    assert editor.stack.currentIndex() == [p.title for p in editor.pages].index("Action")
    assert editor.focusWidget() is editor.action.command
    assert not command_error.isVisible()  # in it, not yet left
    qtbot.keyClick(editor.action.command, Qt.Key.Key_Tab)  # left empty
    gui.wait_until(command_error.isVisible)
    assert EMPTY in command_error.text()
    qtbot.wait(100)  # (its rows laid out again)
    assert editor.grab().save(str(SCREENSHOTS / "editor-command-left-empty.png"))
    qtbot.keyClicks(editor.action.command, "true")
    gui.wait_until(editor.save_button.isEnabled)
    editor.discard()


def test_save_says_every_empty_field(gui: Gui, qtbot: Any) -> None:
    editor = new_editor(gui)
    qtbot.keyClicks(editor.general.name, "Nightly backup")
    choose_schedule(editor, qtbot, "manual")
    _settled(gui, editor)
    qtbot.keyClick(editor.schedule.kind, Qt.Key.Key_Return,
                   Qt.KeyboardModifier.ControlModifier)  # Ctrl+Return: save
    command_error = editor.action.errors["command"][0]
    gui.wait_until(command_error.isVisible)
    assert EMPTY in command_error.text()
    assert QApplication.focusWidget() is editor.action.command
    assert gui.service.count_tasks() == 0
    editor.discard()


def test_a_mistake_typed_shows_at_once(gui: Gui, qtbot: Any) -> None:
    editor = new_editor(gui)
    go(editor, qtbot, "Action")
    click(qtbot, editor.action.command)
    qtbot.keyClicks(editor.action.command, "echo 'not closed")
    command_error = editor.action.errors["command"][0]
    gui.wait_until(command_error.isVisible)  # still in the field
    assert "quote" in command_error.text()
    assert not editor.general.errors["name"][0].text()  # the name: not been to since
    editor.discard()
