"""The editor's words quote as the rest of the window does, with “…”: the Schedule page's
note for a new task said (or "Only when I run it") and the shell button's tip
"Run through the shell" in straight quotes."""

from __future__ import annotations

from app.gui.editor.schedule_choices import KINDS
from app.gui.qt import QLabel, QWidget
from tests.gui.conftest import Gui
from tests.gui.editing import choose_schedule, go, new_editor


def test_no_straight_double_quote_in_what_the_editor_says(gui: Gui) -> None:
    editor = new_editor(gui)
    seen: dict[str, str] = {}

    def read() -> None:
        for widget in editor.findChildren(QWidget):
            words = [widget.toolTip(), widget.accessibleDescription()]
            if isinstance(widget, QLabel) and widget.isVisible():
                words.append(widget.text())
            for text in words:
                if '"' in text:
                    seen[text] = type(widget).__name__

    for page in editor.pages:
        go(editor, gui.qtbot, page.title)
        read()
    go(editor, gui.qtbot, "Schedule")  # a new task: nothing chosen yet, and said so
    assert any("(or “Only when I run it”)" in label.text() and label.isVisible()
               for label in editor.schedule.findChildren(QLabel))
    for kind, _label in KINDS:
        choose_schedule(editor, gui.qtbot, kind)
        read()
    assert seen == {}
