"""The Runs view sorts by a header click: the whole filtered history in the store's order
(not the loaded page), again to reverse, the arrow on the column; a column it cannot sort
by keeps the arrow where it was; new runs take their place in the order shown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from app.gui.main_window import RUNS
from app.gui.qt import QPoint, Qt
from app.gui.runs.model import ATTEMPT, RUN, TASK
from tests.gui.conftest import SCREENSHOTS, Gui, _open_gui, close_gui, command_task


def _click_header(qtbot: Any, table: Any, column: int) -> None:
    header = table.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(x, header.height() // 2))


def _old_runs(gui: Gui, name: str, count: int, start: datetime) -> None:
    from app.store import runs
    from app.store.models import RunRow

    task_id = gui.service.create_task(command_task(name, ["true"])).id
    with gui.store.write():
        for i in range(count):
            at = start + timedelta(minutes=i)
            run_id = runs.insert(task_id, at, status="succeeded", trigger="schedule", now=at)
            RunRow.update(started_at=at, finished_at=at + timedelta(seconds=2)).where(
                RunRow.id == run_id).execute()


def test_a_header_click_sorts_the_whole_history_and_new_runs_take_their_place(
        gui: Gui, qtbot: Any) -> None:
    """Clicking a header did nothing (seen under Xvfb)."""
    first = datetime.now(UTC) - timedelta(days=3)
    _old_runs(gui, "alpha", 3, first)  # the oldest runs: not on the first page, newest first
    _old_runs(gui, "zulu", 250, first + timedelta(hours=1))
    gui.window.show_view(RUNS)
    view = gui.window.runs_view
    model, header = view.model, view.table.horizontalHeader()
    gui.wait_until(lambda: model.rowCount() == 200)
    assert {model.run(r).task_name for r in range(200)} == {"zulu"}  # type: ignore[union-attr]
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (
        RUN, Qt.SortOrder.DescendingOrder)  # the default: newest first

    def names(rows: int) -> list[str]:
        return [model.run(r).task_name for r in range(rows)]  # type: ignore[union-attr]

    _click_header(qtbot, view.table, TASK)
    assert header.sortIndicatorSection() == TASK
    if header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder:
        _click_header(qtbot, view.table, TASK)  # again: the other way
    assert header.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder
    gui.wait_until(lambda: names(4) == ["alpha"] * 3 + ["zulu"])
    assert model.total == 253
    _click_header(qtbot, view.table, TASK)
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    gui.wait_until(lambda: model.rowCount() >= 200 and set(names(200)) == {"zulu"})
    _click_header(qtbot, view.table, TASK)
    gui.wait_until(lambda: names(4) == ["alpha"] * 3 + ["zulu"])

    _click_header(qtbot, view.table, ATTEMPT)  # not sortable: the arrow stays on Task
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (
        TASK, Qt.SortOrder.AscendingOrder)

    run = gui.service.run_now(gui.service.create_task(command_task("mike", ["true"])).name)
    gui.wait_until(lambda: names(4) == ["alpha"] * 3 + ["mike"], 15)  # not on top
    gui.wait_until(lambda: model.run(3).status == "succeeded", 15)  # type: ignore[union-attr]
    assert model.run(3).id == run.id  # type: ignore[union-attr]
    gui.window.grab().save(str(SCREENSHOTS / "runs-sorted-by-task.png"))

    _click_header(qtbot, view.table, RUN)  # back to newest first
    if header.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder:
        _click_header(qtbot, view.table, RUN)
    gui.wait_until(lambda: names(1) == ["mike"])


def test_the_order_a_header_click_chose_is_kept_at_the_next_start(
        home: Path, qtbot: Any) -> None:
    gui = _open_gui(home, qtbot, False)
    try:
        first = datetime.now(UTC) - timedelta(days=1)
        _old_runs(gui, "zulu", 3, first)
        _old_runs(gui, "alpha", 3, first + timedelta(hours=1))
        gui.window.show_view(RUNS)
        view = gui.window.runs_view
        gui.wait_until(lambda: view.model.rowCount() == 6)
        _click_header(qtbot, view.table, TASK)
        if view.table.horizontalHeader().sortIndicatorOrder() == Qt.SortOrder.AscendingOrder:
            _click_header(qtbot, view.table, TASK)  # Task, Z to A
        gui.wait_until(lambda: view.model.run(0).task_name == "zulu")  # type: ignore[union-attr]
    finally:
        close_gui(gui)

    again = _open_gui(home, qtbot, False)  # the next start, same home and settings
    try:
        again.window.show_view(RUNS)
        view = again.window.runs_view
        header = view.table.horizontalHeader()
        assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (
            TASK, Qt.SortOrder.DescendingOrder)
        again.wait_until(lambda: view.model.rowCount() == 6)
        assert [view.model.run(r).task_name  # type: ignore[union-attr]
                for r in range(6)] == ["zulu"] * 3 + ["alpha"] * 3
    finally:
        close_gui(again)
