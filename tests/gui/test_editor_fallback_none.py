"""The Fallback task list's first item reads “(none)”: it was a blank row, highlighted as
the list opened on a task with no fallback, and a person wondered what it was. Picking it
still leaves the task with no fallback."""

from __future__ import annotations

from app.gui.qt import QStyleOptionViewItem, Qt
from tests.gui.conftest import SCREENSHOTS, Gui, command_task
from tests.gui.editing import go, new_editor


def test_the_fallback_lists_empty_choice_reads_none(gui: Gui) -> None:
    for name in ("Clean up", "Tell me"):
        gui.service.create_task(command_task(name))
    editor = new_editor(gui)
    go(editor, gui.qtbot, "Dependencies")
    box = editor.dependencies.fallback
    gui.wait_until(lambda: box.count() == 3)
    box.setFocus()
    gui.qtbot.keyClick(box, Qt.Key.Key_F4)  # the list opens, as Alt+Down does
    view = box.view()
    gui.wait_until(view.isVisible)

    def shown(row: int) -> str:
        option = QStyleOptionViewItem()
        index = box.model().index(row, 0)
        view.itemDelegateForIndex(index).initStyleOption(option, index)
        return str(option.text)  # type: ignore[attr-defined]

    assert [shown(r) for r in range(3)] == ["(none)", "Clean up", "Tell me"]
    assert view.currentIndex().row() == 0
    assert view.window().grab().save(str(SCREENSHOTS / "editor-fallback-none.png"))

    gui.qtbot.keyClick(view, Qt.Key.Key_Down)
    gui.qtbot.keyClick(view, Qt.Key.Key_Return)
    gui.wait_until(lambda: box.currentText() == "Clean up")
    gui.qtbot.keyClick(box, Qt.Key.Key_F4)
    gui.wait_until(view.isVisible)
    gui.qtbot.keyClick(view, Qt.Key.Key_Up)
    gui.qtbot.keyClick(view, Qt.Key.Key_Return)
    gui.wait_until(lambda: box.currentText() == "")  # the field's own “(none)” shows
    data: dict[str, object] = {}
    editor.dependencies.collect(data)
    assert data["fallback"] is None
