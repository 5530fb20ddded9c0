"""Joining a concurrency group other tasks are in, in the editor: the field offers the
group's name, and the limit beside it shows the group's own, so saving keeps it. (It showed
“at most 1 at once” whatever the group's limit, and Save lowered the group's limit from 2
to 1 for every task in it, saying only “Saved task”.)"""

from __future__ import annotations

from app.gui.qt import Qt
from tests.gui.conftest import SCREENSHOTS, Gui, command_task
from tests.gui.editing import fill_manual_command, go, new_editor, save


def test_a_group_joined_in_the_editor_keeps_its_limit(gui: Gui) -> None:
    s = gui.service
    for name in ("copy photos", "copy music"):
        s.create_task(command_task(name, group="disk", group_limit=2))
    editor = new_editor(gui)
    qtbot = gui.qtbot
    fill_manual_command(editor, qtbot, "copy films")
    go(editor, qtbot, "Execution")
    page = editor.execution
    page.group.setFocus()
    qtbot.keyClicks(page.group, "di")
    popup = page.group.completer().popup()
    gui.wait_until(popup.isVisible)  # the group offered as it is typed
    assert [popup.model().index(r, 0).data() for r in range(popup.model().rowCount())] \
        == ["disk"]
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    gui.wait_until(lambda: page.group.text() == "disk")
    assert page.group_limit.value() == 2
    assert page.group_limit.text() == "at most 2 at once"
    assert editor.grab().save(str(SCREENSHOTS / "editor-group-limit-kept.png"))
    save(gui, qtbot, editor)

    for name in ("copy photos", "copy music", "copy films"):
        spec = s.get_task(name).spec
        assert (spec.group, spec.group_limit) == ("disk", 2), name
