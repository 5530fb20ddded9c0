"""A name picked from the completions of "Waits for" is listed and leaves the field empty.
Picked with the arrow keys and Enter (a run-through under X), it was listed and stayed in
the field as well, as if still to be added: Qt's own slot, connected again each time the
field takes the focus, put the pick back after the list had taken it and cleared it."""

from __future__ import annotations

from typing import Any

from app.gui.qt import Qt
from tests.gui.conftest import Gui, command_task
from tests.gui.editing import go, new_editor


def _offered(gui: Gui, qtbot: Any, typed: str) -> Any:
    gui.service.create_task(command_task("photos backup"))
    editor = new_editor(gui)
    names = editor.dependencies.depends_on
    gui.wait_until(lambda: names.input.names.rowCount() > 0)  # the store's names came
    go(editor, qtbot, "Dependencies")
    names.input.setFocus()
    qtbot.keyClicks(names.input, typed)
    popup = names.input.completer().popup()
    gui.wait_until(popup.isVisible)
    return names, popup


def test_a_name_picked_with_the_keys_is_listed_and_leaves_the_field(
        gui: Gui, qtbot: Any) -> None:
    names, popup = _offered(gui, qtbot, "photo")
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    gui.wait_until(lambda: names.added() == ["photos backup"])
    gui.wait_until(lambda: names.input.text() == "")
    qtbot.wait(50)  # and it stays so
    assert names.input.text() == "" and not names.pending_note.isVisible()


def test_a_name_picked_with_a_click_is_listed_and_leaves_the_field(
        gui: Gui, qtbot: Any) -> None:
    names, popup = _offered(gui, qtbot, "backup")
    rect = popup.visualRect(popup.model().index(0, 0))
    qtbot.mouseClick(popup.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    gui.wait_until(lambda: names.added() == ["photos backup"])
    gui.wait_until(lambda: names.input.text() == "")
    qtbot.wait(50)
    assert names.input.text() == ""
