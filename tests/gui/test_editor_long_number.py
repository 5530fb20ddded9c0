"""The editor's Arguments given a whole number longer than Python reads (5,000 digits) say
so under the field, as any JSON it cannot read: json.loads raised a bare ValueError there,
not the JSONDecodeError the page caught. The command line's --kwargs and an import file say
it in the same words (tests/cli/test_not_text.py)."""

from __future__ import annotations

from typing import Any

from tests.gui.conftest import Gui
from tests.gui.editing import fill_python, new_editor


def test_a_number_too_long_to_read_is_named_under_the_arguments(gui: Gui, qtbot: Any) -> None:
    editor = new_editor(gui)
    action = fill_python(editor, qtbot, "os:getenv")
    action.kwargs.setFocus()
    action.kwargs.selectAll()
    action.kwargs.insertPlainText('{"key": ' + "9" * 5000 + "}")  # as pasted
    arguments = action.errors["kwargs"][0]
    gui.wait_until(lambda: arguments.text() == "⚠ holds a whole number of more than 4,300 "
                                               "digits")
    editor.discard()
