"""Rows the editor adds as you go, by the keyboard alone, stop where they show in Tab's
way, before Save and Cancel. Environment & secrets: Tab goes from a variable's row on to
"Add variable", then to Save, Cancel and the page list, as from every page's last field;
Ctrl+PgUp onto the page puts the cursor in its first variable, and a wrong variable takes it
at Ctrl+Return. A row added there (Alt+A, or a task's own variables as the editor opened)
was chained after Cancel, with "Add variable" taken after it: from "Add variable" Tab went up
to the page list and only then to Save, and the page's first field and a wrong variable's
cursor were the page's frame or the rows' box, which take no keys. "Waits for" and "After":
each name's Remove button comes under Add (app/gui/widgets/tab_order.py)."""

from __future__ import annotations

from typing import Any

from app.gui.qt import QApplication, Qt, QWidget
from tests.gui.conftest import Gui, closed, command_task
from tests.gui.editing import new_editor, open_selected

ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def _press(qtbot: Any, key: Any, modifier: Any = Qt.KeyboardModifier.NoModifier) -> QWidget:
    """A key to whatever has the keyboard; what has it after."""
    focused = QApplication.focusWidget()
    assert focused is not None, "no widget has the keyboard"
    qtbot.keyClick(focused, key, modifier)
    after = QApplication.focusWidget()
    assert after is not None, "no widget has the keyboard"
    return after


def _tabs(qtbot: Any, count: int) -> list[QWidget]:
    return [_press(qtbot, Qt.Key.Key_Tab) for _ in range(count)]


def _after_the_last_field(gui: Gui, qtbot: Any, editor: Any) -> list[QWidget]:
    """Where Tab goes after the Notifications page's one field: the dialog's buttons, the
    page list, and back into the page."""
    _press(qtbot, Qt.Key.Key_PageUp, CTRL)  # from General, round the end to Notifications
    assert editor.pages[editor.sidebar.currentRow()] is editor.notifications
    gui.wait_until(lambda: QApplication.focusWidget() is not None
                   and editor.notifications.isAncestorOf(QApplication.focusWidget()))
    stops = _tabs(qtbot, 4)
    assert stops[-1] is QApplication.focusWidget()
    assert editor.notifications.isAncestorOf(stops[-1])  # round, back into the page
    return stops[:-1]


def test_tab_from_a_new_variable_goes_on_to_add_variable_then_save(gui: Gui,
                                                                   qtbot: Any) -> None:
    editor = new_editor(gui)
    gui.wait_until(lambda: QApplication.activeWindow() is editor)
    qtbot.keyClicks(QApplication.focusWidget(), "nightly")
    buttons = _after_the_last_field(gui, qtbot, editor)
    assert editor.sidebar in buttons and buttons[-1] is editor.sidebar
    _press(qtbot, Qt.Key.Key_PageUp, CTRL)  # Environment & secrets
    assert editor.pages[editor.sidebar.currentRow()] is editor.env
    _press(qtbot, Qt.Key.Key_A, ALT)  # Add variable
    gui.wait_until(lambda: len(editor.env.rows) == 1 and editor.env.rows[0].isVisible()
                   and QApplication.focusWidget() is editor.env.rows[0].name)  # (shown a
    # pass of the event loop after it is added: a Tab sooner passes its hidden fields by)
    row = editor.env.rows[0]
    qtbot.keyClicks(row.name, "TOKEN")
    assert _tabs(qtbot, 4) == [row.value, row.secret, row.remove, editor.env.add_button]
    assert _tabs(qtbot, len(buttons)) == buttons  # Save, Cancel, the page list: as elsewhere
    assert _press(qtbot, Qt.Key.Key_Tab) is row.name  # and round into the page
    back = [_press(qtbot, Qt.Key.Key_Backtab) for _ in range(len(buttons))]
    assert back == buttons[::-1]
    assert _press(qtbot, Qt.Key.Key_Backtab) is editor.env.add_button
    editor.discard()


def test_tab_from_a_tasks_own_variables_goes_on_to_save(gui: Gui, qtbot: Any) -> None:
    task = gui.service.create_task(command_task("nightly", env={"A": "1", "B": "2"}))
    editor = open_selected(gui, qtbot, task.id, Qt.Key.Key_Return)
    gui.wait_until(lambda: QApplication.activeWindow() is editor)
    buttons = _after_the_last_field(gui, qtbot, editor)
    _press(qtbot, Qt.Key.Key_PageUp, CTRL)
    first, second = editor.env.rows
    assert QApplication.focusWidget() is first.name
    assert _tabs(qtbot, 8) == [first.value, first.secret, first.remove, second.name,
                               second.value, second.secret, second.remove,
                               editor.env.add_button]
    assert _tabs(qtbot, len(buttons)) == buttons
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)  # nothing changed: closes
    gui.wait_until(lambda: closed(editor))


def test_ctrl_return_with_a_nameless_variable_puts_the_cursor_in_its_row(gui: Gui,
                                                                         qtbot: Any) -> None:
    """A value typed without a name: Ctrl+Return does not save and puts the cursor in the
    variables, where typing goes on (it went to the rows' box, which takes no keys)."""
    editor = new_editor(gui)
    gui.wait_until(lambda: QApplication.activeWindow() is editor)
    qtbot.keyClicks(QApplication.focusWidget(), "nightly")
    _press(qtbot, Qt.Key.Key_Tab, CTRL)  # Action: the command
    qtbot.keyClicks(QApplication.focusWidget(), "true")
    for _ in range(4):  # Schedule, Execution, Dependencies, Environment & secrets
        _press(qtbot, Qt.Key.Key_Tab, CTRL)
    assert editor.pages[editor.sidebar.currentRow()] is editor.env
    _press(qtbot, Qt.Key.Key_A, ALT)
    gui.wait_until(lambda: len(editor.env.rows) == 1 and editor.env.rows[0].isVisible()
                   and QApplication.focusWidget() is editor.env.rows[0].name)
    row = editor.env.rows[0]
    _press(qtbot, Qt.Key.Key_Tab)
    qtbot.keyClicks(row.value, "1")
    _press(qtbot, Qt.Key.Key_PageUp, CTRL)  # away, to Dependencies
    _press(qtbot, Qt.Key.Key_Return, CTRL)
    gui.wait_until(lambda: editor.pages[editor.sidebar.currentRow()] is editor.env)
    gui.wait_until(lambda: QApplication.focusWidget() is row.name)
    qtbot.keyClicks(QApplication.focusWidget(), "LEVEL")
    assert row.name.text() == "LEVEL"
    assert not closed(editor)
    editor.discard()


def test_tab_from_add_stops_at_each_remove_then_goes_on(gui: Gui, qtbot: Any) -> None:
    """"Waits for": each task added has its Remove button next in Tab's way, under Add,
    before "Give up after" (they came after Cancel, so Tab went from the field to the next
    and the Remove buttons only after the dialog's own); Space on one removes its task."""
    gui.service.create_task(command_task("upstream"))
    gui.service.create_task(command_task("other"))
    editor = new_editor(gui)
    gui.wait_until(lambda: QApplication.activeWindow() is editor)
    for _ in range(4):  # Action, Schedule, Execution, Dependencies
        _press(qtbot, Qt.Key.Key_Tab, CTRL)
    waits = editor.dependencies.depends_on
    assert QApplication.focusWidget() is waits.input
    for name in ("upstream", "other"):
        qtbot.keyClicks(waits.input, name)
        _press(qtbot, Qt.Key.Key_Return)
        gui.wait_until(lambda n=name: n in waits.added())
    removes = waits.remove_buttons()
    gui.wait_until(lambda: all(button.isVisible() for button in removes.values()))
    give_up = editor.dependencies.dependency_timeout.enabled_box
    assert _tabs(qtbot, 4) == [waits.add_button, removes["upstream"], removes["other"],
                               give_up]
    assert [_press(qtbot, Qt.Key.Key_Backtab) for _ in range(2)] == [removes["other"],
                                                                     removes["upstream"]]
    _press(qtbot, Qt.Key.Key_Space)
    gui.wait_until(lambda: waits.added() == ["other"])
    assert QApplication.focusWidget() is waits.input  # back in the field, to type the next
    editor.discard()
