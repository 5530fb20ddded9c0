"""The Action page's fields in one column, its labels in one: the Python function's
Function and Arguments (JSON) began at another x than each other's page's, the command's,
and the Working folder below them (a week's walk under X), as three forms side by side."""

from __future__ import annotations

from app.gui.qt import QPoint, Qt, QWidget
from tests.gui.conftest import SCREENSHOTS, Gui
from tests.gui.editing import go, new_editor


def _left(widget: QWidget, page: QWidget) -> int:
    return widget.mapTo(page, QPoint(0, 0)).x()


def test_the_action_pages_fields_and_labels_line_up(gui: Gui) -> None:
    editor = new_editor(gui)
    qtbot = gui.qtbot
    go(editor, qtbot, "Action")
    page = editor.action
    fields: list[QWidget] = [page.command, page.shell_program, page.stdin, page.cwd]
    gui.settle()
    lefts = {_left(w, page) for w in fields}
    assert editor.grab().save(str(SCREENSHOTS / "editor-action-command.png"))
    qtbot.mouseClick(page.is_python, Qt.MouseButton.LeftButton)  # as a person chooses it
    gui.wait_until(lambda: page.target.isVisible())
    gui.settle()
    assert editor.grab().save(str(SCREENSHOTS / "editor-action-python.png"))
    fields += [page.target, page.kwargs]
    lefts |= {_left(w, page) for w in fields[-2:]}
    assert len(lefts) == 1, [_left(w, page) for w in fields]  # (the command's: as they were)
