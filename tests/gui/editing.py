"""Driving the task editor as a person does: open it from the window, click a page in the
sidebar, pick from a list with the keyboard, answer a question box."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from app.gui.editor.dialog import TaskEditor
from app.gui.main_window import TASKS
from app.gui.qt import QApplication, QMessageBox, Qt, QTimer, alive
from tests.gui.conftest import Gui, closed


def new_editor(gui: Gui) -> TaskEditor:
    """File → New task, as a person opens it; waits for the pickers' task names."""
    gui.window.show_view(TASKS)
    gui.window.task_ops.new.trigger()
    gui.wait_until(lambda: gui.window.task_ops.editor is not None
                   and gui.window.task_ops.editor.isVisible())
    editor = gui.window.task_ops.editor
    assert editor is not None
    gui.settle()
    return editor


def open_selected(gui: Gui, qtbot: Any, task_id: int, key: Any,
                   modifier: Any = Qt.KeyboardModifier.NoModifier) -> TaskEditor:
    """Select the task in the table and press Enter (edit) or Ctrl+D (duplicate)."""
    view = gui.window.tasks_view
    gui.wait_until(lambda: view.select_task(task_id)
                   and [i.id for i in view.selected_items()] == [task_id])
    gui.window.activateWindow()
    gui.wait_until(lambda: QApplication.activeWindow() is gui.window)
    view.table.setFocus()
    ops = gui.window.task_ops
    before = ops.editor
    qtbot.keyClick(view.table, key, modifier)
    gui.wait_until(lambda: ops.editor is not None and ops.editor is not before
                   and ops.editor.isVisible())
    assert ops.editor is not None
    gui.settle()
    return ops.editor


def go(editor: TaskEditor, qtbot: Any, page: str) -> None:
    """Click a page's title in the editor's sidebar."""
    row = [p.title for p in editor.pages].index(page)
    rect = editor.sidebar.visualItemRect(editor.sidebar.item(row))
    qtbot.mouseClick(editor.sidebar.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert editor.stack.currentIndex() == row


def choose(qtbot: Any, combo: Any, data: str) -> None:
    """Pick the item holding `data` with the arrow keys, as from the keyboard."""
    target = combo.findData(data)
    assert target >= 0, data
    while combo.currentIndex() < target:
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    while combo.currentIndex() > target:
        qtbot.keyClick(combo, Qt.Key.Key_Up)
    assert combo.currentIndex() == target


def choose_schedule(editor: TaskEditor, qtbot: Any, kind: str) -> None:
    """On the Schedule page, pick the kind from the "Runs" list with the keyboard."""
    go(editor, qtbot, "Schedule")
    editor.schedule.kind.setFocus()
    choose(qtbot, editor.schedule.kind, kind)


def stop_after_on(editor: TaskEditor, qtbot: Any) -> Any:
    """On the Execution page, "Stop after" ticked with Space, as a person does; the field."""
    go(editor, qtbot, "Execution")
    timeout = editor.execution.timeout
    timeout.enabled_box.setFocus()
    qtbot.keyClick(timeout.enabled_box, Qt.Key.Key_Space)
    return timeout


def fill_command(editor: TaskEditor, qtbot: Any, name: str, command: str = "true") -> None:
    """Type a name and a command, and go on to the Schedule page, as a person would."""
    qtbot.keyClicks(editor.general.name, name)
    go(editor, qtbot, "Action")
    qtbot.keyClicks(editor.action.command, command)
    go(editor, qtbot, "Schedule")


def fill_python(editor: TaskEditor, qtbot: Any, target: str) -> Any:
    """On the Action page, choose "Call a Python function" and type `target` in its field,
    as a person would; the page."""
    go(editor, qtbot, "Action")
    action = editor.action
    qtbot.mouseClick(action.is_python, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(action.target, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(action.target, target)
    return action


def fill_manual_command(editor: TaskEditor, qtbot: Any, name: str,
                        command: str = "true") -> None:
    """Type a name and a command and choose "Only when I run it", as a person would."""
    fill_command(editor, qtbot, name, command)
    choose(qtbot, editor.schedule.kind, "manual")


def click(qtbot: Any, widget: Any) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=widget.rect().center())


def save(gui: Gui, qtbot: Any, editor: TaskEditor) -> None:
    """Click Save once it can save; the editor closes."""
    gui.wait_until(editor.save_button.isEnabled)
    click(qtbot, editor.save_button)
    gui.wait_until(lambda: closed(editor))


@contextmanager
def answering(button_text: str, seen: list[str] | None = None) -> Iterator[None]:
    """Answer the question box that the block opens by clicking `button_text`; the box's
    text goes into `seen`. Fails the test if no box was shown."""
    answered: list[bool] = []
    stopped: list[bool] = []

    def poll() -> None:
        if stopped:
            return
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox) and alive(box):
            if seen is not None:
                seen.append(box.text())
            for button in box.buttons():
                if button.text().replace("&", "") == button_text:
                    answered.append(True)
                    button.click()
                    return
            raise AssertionError(f"no {button_text!r} in {[b.text() for b in box.buttons()]}")
        QTimer.singleShot(10, poll)

    QTimer.singleShot(0, poll)
    try:
        yield
    finally:
        stopped.append(True)
    assert answered, f"no question box with {button_text!r} was shown"
