"""Run now (F5) and Delete on many selected tasks (Ctrl+A): one operation for them all — one
commit, each task audited as on its own — where they took a commit each (seconds for 200,
minutes for 1,000). A task among them that cannot run refuses them all, named in the
window's words, and nothing is queued. Operations are counted as the engine hears them:
the changes the service announces after each commit."""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from pathlib import Path
from typing import Any

from app.gui.qt import QApplication, QMessageBox, Qt, QTimer
from tests.gui.conftest import (
    Gui,
    _open_gui,
    answer_question,
    click_row,
    close_gui,
    command_task,
    said,
)
from tests.gui.test_many_tasks import insert_tasks

COUNT = 150  # all listed (a page is 200): every task is selected


def _ok_once_it_has_the_keys(qtbot: Any) -> list[tuple[str, str]]:
    """As a person: Enter (OK) on the next message box once it is up and has the keyboard
    (answered before its activation arrived, no window was active after it: a race of the
    test's, tests/gui/test_keys_after_a_dialog.py); its title and text, once done."""
    told: list[tuple[str, str]] = []
    deadline = time.monotonic() + 20

    def act() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox) or QApplication.activeWindow() is not box:
            if time.monotonic() < deadline:
                QTimer.singleShot(20, act)
            return
        told.append((box.windowTitle(), box.text()))
        qtbot.keyClick(box, Qt.Key.Key_Return)

    QTimer.singleShot(0, act)
    return told


def test_run_now_and_delete_on_a_selection_are_one_operation_each(home: Path,
                                                                    qtbot: Any) -> None:
    from app.store.database import Store

    store = Store.open(home, actor="gui")
    insert_tasks(store, COUNT)
    store.close()
    with closing(sqlite3.connect(home / "tickwork.db")) as con, con:  # a zone this machine
        con.execute("UPDATE task SET timezone = 'Atlantis/Capital' "  # lacks (a backup's)
                    "WHERE name = 'task 000007'")
    gui = _open_gui(home, qtbot, engine=False)
    changes: list[Any] = []
    gui.service.subscribe(changes.append)  # (told on the pool thread, after each commit)
    try:
        view = gui.window.tasks_view
        gui.wait_until(lambda: view.model.rowCount() == COUNT)
        click_row(qtbot, view.table, 0, 1)  # (its name: the last column is its check box)
        gui.wait_until(lambda: QApplication.focusWidget() is view.table)
        qtbot.keyClick(view.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        gui.wait_until(lambda: len(view.selected_items()) == COUNT)
        actions = gui.window.task_ops
        gui.wait_until(lambda: actions.run_now.isEnabled())

        refused = _ok_once_it_has_the_keys(qtbot)
        qtbot.keyClick(view.table, Qt.Key.Key_F5)
        gui.wait_until(lambda: refused)
        ((title, text),) = refused
        assert title == "Cannot run the tasks"
        assert text.startswith("task: 'task 000007' cannot run on this machine")
        assert text.endswith(f"; none of the {COUNT} tasks was run")
        assert said(gui.window) == f"{title}: {text}"
        gui.settle()
        assert gui.service.count_runs() == 0 and changes == []

        gui.service.update_task("task 000007", {"timezone": "UTC"})
        gui.quiet()
        del changes[:]
        gui.wait_until(lambda: QApplication.focusWidget() is view.table)  # (the box gone)
        qtbot.keyClick(view.table, Qt.Key.Key_F5)
        gui.wait_until(lambda: said(gui.window).startswith(f"Queued {COUNT} runs: task 000000"),
                       30)  # (a full run's load)
        runs = gui.service.list_runs(limit=1000)
        assert sorted(r.task_name for r in runs) == [f"task {i:06d}" for i in range(COUNT)]
        assert {(r.status, r.trigger) for r in runs} == {("queued", "manual")}
        assert [c.runs for c in changes] == [frozenset(r.id for r in runs)]  # one, naming all
        assert len(gui.service.audit_events(search="task.run_now", limit=1000)) == COUNT

        gui.quiet()
        del changes[:]
        gui.wait_until(lambda: QApplication.focusWidget() is view.table)
        asked = answer_question(qtbot, "Delete anyway")  # (their runs are queued)
        qtbot.keyClick(view.table, Qt.Key.Key_Delete)
        gui.wait_until(lambda: asked.done)
        assert asked.title == f"Delete {COUNT} tasks"
        assert asked.text.count("has a run in progress") == 5  # the first few, not a screenful
        assert asked.text.endswith(f"\n…and {COUNT - 5} more of them run or are needed by "
                                   "other tasks: deleting anyway does the same to them.")
        gui.wait_until(lambda: said(gui.window) == f"Deleted {COUNT} tasks.", 30)
        assert gui.service.count_tasks() == 0 and gui.service.count_runs() == 0
        assert [len(c.deleted_tasks) for c in changes] == [COUNT]
        assert len(gui.service.audit_events(search="task.delete", limit=1000)) == COUNT
        gui.wait_until(lambda: view.model.rowCount() == 0)
    finally:
        gui.service.unsubscribe(changes.append)
        close_gui(gui)


def test_a_task_deleted_meanwhile_is_named_and_none_is_run(gui: Gui) -> None:
    """What Run now hands over when a selected task was deleted between the press and the
    commit (by the CLI, another window): its name, not "task not found: 2"."""
    kept = gui.service.create_task(command_task("kept"))
    gone = gui.service.create_task(command_task("gone"))
    gui.service.delete_task("gone")
    refused = _ok_once_it_has_the_keys(gui.qtbot)
    gui.window.task_ops.operations.run_tasks([kept.id, gone.id],
                                             {kept.id: "kept", gone.id: "gone"})
    gui.wait_until(lambda: refused)
    assert refused == [("Cannot run the tasks",
                        "“gone” was deleted meanwhile; none of the 2 tasks was run")]
    assert gui.service.count_runs() == 0
