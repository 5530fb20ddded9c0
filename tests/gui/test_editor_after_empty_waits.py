"""A new task's schedule set to “After other tasks succeed”: the empty list of tasks is one
to fill in, as the other empty fields are, until the person has been to it. (“⚠ needs at
least one upstream task” showed in red, and the page's mark turned to an error, the moment
the kind was chosen, while the hint beside Save said “To fill in: Schedule › After”.)"""

from __future__ import annotations

from app.gui.qt import Qt
from tests.gui.conftest import SCREENSHOTS, Gui, command_task
from tests.gui.editing import choose_schedule, fill_command, new_editor


def test_an_empty_after_list_is_to_fill_in_until_been_to(gui: Gui) -> None:
    gui.service.create_task(command_task("fetch"))
    editor = new_editor(gui)
    qtbot = gui.qtbot
    fill_command(editor, qtbot, "report")
    choose_schedule(editor, qtbot, "after")
    page = editor.schedule
    error = page.errors["after"][0]
    hint = editor.problems.hint
    gui.wait_until(lambda: hint.text() == "To fill in: Schedule › After")
    qtbot.wait(600)  # the preview's and the checks' pauses are over
    gui.settle()
    assert hint.text() == "To fill in: Schedule › After"
    assert error.text() == ""
    assert editor.sidebar.currentItem().toolTip() != "This page has an error"
    assert editor.grab().save(str(SCREENSHOTS / "editor-after-empty-waits.png"))

    qtbot.mouseClick(page.after.input, Qt.MouseButton.LeftButton)  # been to, left empty:
    qtbot.mouseClick(page.timezone, Qt.MouseButton.LeftButton)  # now it is said
    gui.wait_until(lambda: "needs at least one upstream task" in error.text())

    page.after.input.setFocus()
    qtbot.keyClicks(page.after.input, "fetch")
    qtbot.keyClick(page.after.input, Qt.Key.Key_Return)
    gui.wait_until(lambda: page.after.names() == ["fetch"] and error.text() == "")
