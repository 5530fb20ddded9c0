"""Ctrl+A in a long task list selects the rows listed so far (a page of 200), not every task
the list matches; Pause and Delete on that selection say so, in words, with how many more
were left as they are. (They said "Paused 200 tasks." and "Delete 200 tasks", and a person
with 450 tasks took it for all of them.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.gui.qt import Qt
from tests.gui.conftest import _open_gui, answer_question, close_gui, said
from tests.gui.test_many_tasks import insert_tasks


def test_select_all_acts_on_the_rows_listed_and_says_so(home: Path, qtbot: Any) -> None:
    from app.store.database import Store

    store = Store.open(home, actor="gui")
    insert_tasks(store, 450)
    store.close()
    gui = _open_gui(home, qtbot, engine=False)
    try:
        view = gui.window.tasks_view
        gui.wait_until(lambda: view.model.rowCount() == 200 and view.model.total == 450)
        view.table.setFocus()
        qtbot.keyClick(view.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        gui.wait_until(lambda: len(view.selected_items()) == 200)
        actions = gui.window.task_ops
        gui.wait_until(lambda: actions.delete.isEnabled())
        assert actions.delete.toolTip() == ("Delete the 200 tasks listed (not 250 more not "
                                            "listed yet) (Del)")
        qtbot.keyClick(view.table, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
        gui.wait_until(lambda: said(gui.window).startswith("Paused"))
        assert said(gui.window) == ("Paused 200 tasks listed; 250 more not listed yet were "
                                    "left as they are.")
        assert gui.service.count_tasks(enabled=True) == 250
        answer = answer_question(qtbot, "Cancel")
        qtbot.keyClick(view.table, Qt.Key.Key_Delete)
        gui.wait_until(lambda: answer.done)
        assert ("Only the 200 tasks listed so far are selected: 250 more not listed yet are "
                "left as they are.") in answer.text + "\n" + answer.details
        assert gui.service.count_tasks() == 450
    finally:
        close_gui(gui)
