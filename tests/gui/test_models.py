"""Every model passes Qt's model tester, pages with fetchMore, and updates by row."""

from __future__ import annotations

from typing import Any

from app.gui.main_window import AUDIT, RUNS, TASKS
from app.gui.qt import QModelIndex
from app.gui.widgets.paging import KEY_ROLE
from tests.gui.conftest import Gui, command_task


def _populate(gui: Gui, tasks: int = 30) -> None:
    for i in range(tasks):
        gui.service.create_task(command_task(f"task {i:03d}", ["echo", str(i)],
                                             schedule={"kind": "interval", "seconds": 60 + i}))
    for i in range(min(tasks, 5)):
        run = gui.service.run_now(f"task {i:03d}")
        gui.wait_until(lambda r=run: gui.service.get_run(r.id).status == "succeeded")


def test_qtmodeltester_passes_on_every_model(gui: Gui, qtmodeltester: Any) -> None:
    _populate(gui)
    window = gui.window
    for view, model in ((TASKS, window.tasks_model), (RUNS, window.runs_model),
                        (AUDIT, window.audit_model)):
        window.show_view(view)
        gui.settle()
        gui.wait_until(lambda m=model: m.rowCount() > 0)
        qtmodeltester.check(model)
    # and while rows change under the tester
    window.show_view(TASKS)
    qtmodeltester.check(window.tasks_model)
    gui.service.create_task(command_task("aaa first"))
    gui.service.delete_task("task 003")
    gui.settle()
    gui.wait_until(lambda: window.tasks_model.rows[0].task.name == "aaa first")


def test_tasks_page_in_with_fetch_more(gui: Gui) -> None:
    _populate(gui, 30)
    from app.gui.tasks.model import TaskTableModel

    model = TaskTableModel(gui.service, gui.session.background, page_size=10,
                           parent=gui.window)
    model.reload()
    gui.settle()
    assert model.rowCount() == 10 and model.total == 30
    assert model.canFetchMore(QModelIndex())
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
        gui.settle()
    assert model.rowCount() == model.total == 30
    names = [model.rows[i].task.name for i in range(model.rowCount())]
    assert names == sorted(names)


def test_events_update_rows_without_a_reset(gui: Gui) -> None:
    _populate(gui, 3)
    model = gui.window.tasks_model
    gui.wait_until(lambda: len(model.rows) == 3)  # (the bridge delivers within 200 ms)
    gui.settle()
    resets: list[int] = []
    changed: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    model.dataChanged.connect(
        lambda tl, br, roles=(): changed.extend(range(tl.row(), br.row() + 1)))
    run = gui.service.run_now("task 002")
    gui.wait_until(lambda: gui.service.get_run(run.id).status == "succeeded")
    # the row already shows an earlier succeeded run (from _populate): wait for this one
    gui.wait_until(lambda: model.rows[2].task.last_run is not None
                   and model.rows[2].task.last_run.id == run.id
                   and model.rows[2].task.last_run.status == "succeeded")
    assert 2 in changed and not resets
    gui.service.set_enabled("task 001", False)
    gui.wait_until(lambda: not model.rows[1].task.spec.enabled)
    assert model.data(model.index(1, 0), KEY_ROLE) == gui.service.get_task("task 001").id
    assert not resets


def test_sorting_and_search_run_in_the_store(gui: Gui) -> None:
    _populate(gui, 12)
    view = gui.window.tasks_view
    gui.settle()
    view.table.sortByColumn(4, view.table.horizontalHeader().sortIndicatorOrder())
    gui.settle()
    assert gui.window.tasks_model.query().sort == "priority"
    view.table.sortByColumn(0, view.table.horizontalHeader().sortIndicatorOrder().__class__(1))
    gui.settle()
    assert gui.window.tasks_model.rows[0].task.name == "task 011"
    view.search.setText("task 00")
    gui.wait_until(lambda: gui.window.tasks_model.total == 10)
    assert view.count.text() == "10 tasks found"
    view.search.setText("no such thing")
    gui.wait_until(lambda: view.stack.currentWidget() is view.no_match)
