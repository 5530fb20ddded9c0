"""Deleting a task one other task follows, and one other falls back to: the question counts
them right. (It said ““A” has dependent tasks (“B”)” and “tasks that fall back to it
(“C”)”, more than there were.)"""

from __future__ import annotations

from app.gui.qt import Qt
from tests.gui.conftest import Gui, answer_question, click_row, command_task


def test_the_delete_question_says_one_dependent_task(gui: Gui) -> None:
    s = gui.service
    s.create_task(command_task("A"))
    s.create_task(command_task("B", schedule={"kind": "after", "tasks": ["A"]}))
    s.create_task(command_task("C", fallback="A"))
    view = gui.window.tasks_view
    gui.wait_until(lambda: view.model.rowCount() == 3)
    click_row(gui.qtbot, view.table, 0)
    gui.wait_until(lambda: [t.task.name for t in view.selected_items()] == ["A"])
    answer = answer_question(gui.qtbot, "Cancel", screenshot="delete-one-dependent")
    gui.qtbot.keyClick(view.table, Qt.Key.Key_Delete)
    gui.wait_until(lambda: answer.done)
    said = answer.text + "\n" + answer.details
    assert "“A” has a dependent task (“B”) and a task that falls back to it (“C”)" in said
    assert "deleting it anyway removes that dependency (“B” then runs only when started " \
           "by hand, following no other task) and leaves it without a fallback" in said
    assert s.count_tasks() == 3
