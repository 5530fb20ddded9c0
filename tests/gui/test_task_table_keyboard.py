"""The task table from the keyboard: a task just saved is selected with the keyboard in the
table, Ctrl+1 puts it there, Tab leaves the table, and after a delete a row stays selected
so Enter and Edit agree on what they open."""

from __future__ import annotations

from typing import Any

from app.gui.main_window import RUNS, TASKS
from app.gui.qt import QApplication, Qt, alive
from tests.gui.conftest import Gui, answer_question, closed, command_task
from tests.gui.editing import fill_manual_command, new_editor


def _editor_of(gui: Gui) -> Any:
    """The editor a key just opened (a new one: the last is gone)."""
    def shown() -> bool:
        editor = gui.window.task_ops.editor
        return editor is not None and alive(editor) and editor.isVisible()

    gui.wait_until(shown)
    return gui.window.task_ops.editor


def test_the_task_table_from_the_keyboard(gui: Gui, qtbot: Any) -> None:
    window = gui.window
    table = window.tasks_view.table
    editor = new_editor(gui)  # from the empty state: "Create your first task"
    fill_manual_command(editor, qtbot, "first")
    qtbot.keyClick(editor.schedule.kind, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    gui.wait_until(lambda: closed(editor))
    window.activateWindow()  # (a desktop gives the window back its activation; offscreen not)
    gui.wait_until(lambda: QApplication.focusWidget() is table)  # the keyboard is in the table
    assert [t.task.name for t in window.tasks_view.selected_items()] == ["first"]
    qtbot.keyClick(table, Qt.Key.Key_Return)  # Enter opens what is selected
    opened = _editor_of(gui)
    assert opened.general.name.text() == "first"
    opened.discard()
    gui.wait_until(lambda: closed(opened))

    for name in ("second", "third"):
        gui.service.create_task(command_task(name))
    gui.wait_until(lambda: window.tasks_model.total == 3)
    window.activateWindow()
    gui.wait_until(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(window, Qt.Key(Qt.Key.Key_1 + RUNS), Qt.KeyboardModifier.ControlModifier)
    gui.wait_until(lambda: window.current_view() == RUNS)
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    gui.wait_until(lambda: window.current_view() == TASKS)
    gui.wait_until(lambda: QApplication.focusWidget() is table)  # Ctrl+1: into the table
    qtbot.keyClick(table, Qt.Key.Key_Tab)  # leaves the table, never walks its cells
    assert QApplication.focusWidget() is not table

    window.tasks_view.select_task(gui.service.get_task("second").id, focus=True)
    answer = answer_question(qtbot, "Delete task")
    qtbot.keyClick(table, Qt.Key.Key_Delete)
    gui.wait_until(lambda: answer.done and window.tasks_model.total == 2)
    gui.wait_until(lambda: window.statusBar().currentMessage() == "Deleted “second”.")
    gui.wait_until(lambda: len(window.tasks_view.selected_items()) == 1)
    assert window.task_ops.edit.isEnabled()  # Edit and Enter open the same row
    selected = window.tasks_view.selected_items()[0].task.name
    qtbot.keyClick(table, Qt.Key.Key_Return)
    opened = _editor_of(gui)
    assert opened.general.name.text() == selected
    opened.discard()


def test_deleting_a_task_others_need_asks_once_and_says_what_it_does(gui: Gui,
                                                                     qtbot: Any) -> None:
    gui.service.create_task(command_task("up"))
    gui.service.create_task(command_task("down", depends_on=["up"]))
    gui.service.create_task(command_task("careful", fallback="up"))
    gui.service.create_task(command_task("chained", schedule={"kind": "after",
                                                              "tasks": ["up"]}))
    window = gui.window
    gui.wait_until(lambda: window.tasks_model.total == 4)
    window.tasks_view.select_task(gui.service.get_task("up").id, focus=True)
    window.activateWindow()
    gui.wait_until(lambda: QApplication.activeWindow() is window)
    answer = answer_question(qtbot, "Delete anyway")
    qtbot.keyClick(window.tasks_view.table, Qt.Key.Key_Delete)
    gui.wait_until(lambda: answer.done and window.tasks_model.total == 3)
    assert "“up” and its run history? This cannot be undone." in (answer.text or "")
    # the window's quotes throughout (the refusal's reason kept the command line's: 'up')
    assert ("“up” has dependent tasks (“chained”, “down”) and a task that falls back to "
            "it (“careful”); deleting it anyway removes those dependencies (“chained” then "
            "runs only when started by hand, following no other task) and leaves it without "
            "a fallback.") in (answer.text or "")
    assert gui.service.get_task("down").spec.depends_on == ()
    gui.wait_until(lambda: {e["target"] for e in gui.service.audit_events(limit=5)
                            if e["action"] == "task.update"} == {"chained", "down", "careful"})
    gui.qtbot.wait(300)
    assert QApplication.activeModalWidget() is None  # no second question


def test_tasks_that_need_one_another_are_deleted_together(gui: Gui, qtbot: Any) -> None:
    """a, b and c where c waits for b: selected together, asked once, all three go."""
    for name, extra in (("a", {}), ("b", {}), ("c", {"depends_on": ["b"]})):
        gui.service.create_task(command_task(name, **extra))
    window = gui.window
    gui.wait_until(lambda: window.tasks_model.total == 3)
    table = window.tasks_view.table
    table.selectAll()
    window.activateWindow()
    gui.wait_until(lambda: QApplication.activeWindow() is window)
    table.setFocus()
    answer = answer_question(qtbot, "Delete 3 tasks")
    later = answer_question(qtbot, "Delete anyway")  # must not be needed
    qtbot.keyClick(table, Qt.Key.Key_Delete)
    gui.wait_until(lambda: answer.done and window.tasks_model.total == 0)
    assert gui.service.list_tasks() == []
    gui.wait_until(lambda: window.statusBar().currentMessage() == "Deleted 3 tasks.")
    gui.qtbot.wait(300)
    assert not later.done
    later.expired = True


def test_down_from_the_search_selects_a_row_so_f5_runs_it(gui: Gui, qtbot: Any) -> None:
    """Type in the search, press Down: the keyboard is in the list with the task found
    selected, so F5 runs it at once (focus went there with nothing selected, and F5 did
    nothing, unsaid: a newcomer's run-through)."""
    window = gui.window
    for name in ("alpha", "ticker", "zulu"):
        gui.service.create_task(command_task(name))
    view = window.tasks_view
    gui.wait_until(lambda: window.tasks_model.total == 3)
    view.search.setFocus()
    qtbot.keyClicks(view.search, "ticker")
    qtbot.keyClick(view.search, Qt.Key.Key_Down)  # before the pause reads the search
    gui.wait_until(lambda: [t.task.name for t in view.selected_items()] == ["ticker"])
    assert QApplication.focusWidget() is view.table
    assert window.task_ops.edit.isEnabled()
    qtbot.keyClick(view.table, Qt.Key.Key_F5)
    gui.wait_until(lambda: [r.task_name for r in gui.service.list_runs()] == ["ticker"])


def test_down_from_a_search_that_finds_nothing_stays_in_the_search(gui: Gui,
                                                                   qtbot: Any) -> None:
    window = gui.window
    gui.service.create_task(command_task("alpha"))
    view = window.tasks_view
    gui.wait_until(lambda: window.tasks_model.total == 1)
    view.search.setFocus()
    qtbot.keyClicks(view.search, "nothing-like-it")
    qtbot.keyClick(view.search, Qt.Key.Key_Down)
    gui.wait_until(lambda: window.tasks_model.query().search == "nothing-like-it")
    gui.wait_until(lambda: QApplication.focusWidget() is view.search)
    qtbot.keyClicks(view.search, "!")  # the typing goes on where it was
    assert view.search.text() == "nothing-like-it!"
