"""The editor's Arguments giving a key twice say so under the field, in the words of the
command line's --kwargs and an import file (tests/cli/test_hand_edited_files.py): json.loads
kept the last one without a word, and Save stored it."""

from __future__ import annotations

from typing import Any

from tests.gui.conftest import Gui
from tests.gui.editing import fill_python, new_editor


def test_a_key_given_twice_is_named_under_the_arguments(gui: Gui, qtbot: Any) -> None:
    editor = new_editor(gui)
    action = fill_python(editor, qtbot, "os:getenv")
    action.kwargs.setFocus()
    action.kwargs.selectAll()
    action.kwargs.insertPlainText('{"key": "A", "key": "B"}')  # as pasted
    arguments = action.errors["kwargs"][0]
    gui.wait_until(lambda: arguments.text() == "⚠ gives 'key' twice (JSON keeps the last "
                                               "one only): keep the one you mean")
    editor.discard()
