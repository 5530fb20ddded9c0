"""Newest-first lists (Runs, Audit) keep the rows under the pointer still while newer ones
arrive above them: under Xvfb a run about to be clicked moved down as retries came in."""

from __future__ import annotations

from typing import Any

from app.gui.main_window import RUNS
from app.gui.qt import QApplication, QEvent, QPoint, QPushButton, QRect, Qt
from tests.gui.conftest import SCREENSHOTS, Gui, click_row, command_task


def _ran(gui: Gui, name: str) -> int:
    run = gui.service.run_now(name)
    gui.wait_until(lambda: gui.service.get_run(run.id).status == "succeeded")
    return run.id


def _run_at(table: Any, y: int) -> int:
    """The run id of the row drawn at height `y` of the table's rows."""
    return int(table.model().index(table.rowAt(y), 0).data())


def _two_arrive_over(gui: Gui, qtbot: Any, row: int) -> tuple[Any, Any, int, int, list[int]]:
    """Ten runs listed (more than the table shows), the pointer resting on `row`, then two
    newer runs: the view, its table, the pointer's height, the run under it, the newer."""
    gui.service.create_task(command_task("tick", ["true"]))
    gui.window.resize(800, 500)
    gui.window.show_view(RUNS)
    view = gui.window.runs_view
    table = view.table
    for _ in range(10):
        _ran(gui, "tick")
    gui.wait_until(lambda: view.model.rowCount() == 10)
    gui.settle()
    assert table.verticalScrollBar().maximum() > 0  # more rows than the table shows
    y = table.rowViewportPosition(row) + table.rowHeight(row) // 2
    qtbot.mouseMove(table.viewport(), QPoint(20, y))
    under = _run_at(table, y)
    newer = [_ran(gui, "tick") for _ in range(2)]
    gui.wait_until(lambda: view.model.rowCount() == 12)
    gui.settle()
    return view, table, y, under, newer


def test_the_run_under_the_pointer_stays_under_it_as_newer_runs_arrive(
        gui: Gui, qtbot: Any) -> None:
    view, table, y, under, newer = _two_arrive_over(gui, qtbot, row=2)
    assert _run_at(table, y) == under  # still under the pointer: a click picks it
    click_row(qtbot, table, table.rowAt(y))
    assert int(table.currentIndex().siblingAtColumn(0).data()) == under
    assert table.verticalScrollBar().value() > 0  # the newer ones are above, a scroll away
    table.scrollToTop()
    assert _run_at(table, 1) == newer[-1]

    # at the top with the pointer elsewhere, newer runs show as they come
    qtbot.mouseMove(gui.window.status.bell)
    newest = _ran(gui, "tick")
    gui.wait_until(lambda: view.model.rowCount() == 13)
    gui.settle()
    assert table.verticalScrollBar().value() == 0
    assert _run_at(table, 1) == newest

    # scrolled down to older runs, the pointer elsewhere: they stay in view
    table.verticalScrollBar().setValue(3)
    first = _run_at(table, 1)
    _ran(gui, "tick")
    gui.wait_until(lambda: view.model.rowCount() == 14)
    gui.settle()
    assert _run_at(table, 1) == first
    assert gui.window.grab().save(str(SCREENSHOTS / "runs-newer-above.png"))


def test_newer_runs_held_above_are_said_and_shown_once_the_pointer_goes(
        gui: Gui, qtbot: Any) -> None:
    """At the top with the pointer resting on the rows, runs started elsewhere (the CLI)
    arrived above, out of sight, with nothing to say so — "13 runs" listed, run 12 at the
    top (a run-through under X). A button over the rows says how many are above and takes
    the table to them; the pointer leaving the rows does too. The button hides no row (it
    sat over the top one): it is at the end of the column titles."""
    view, table, y, under, newer = _two_arrive_over(gui, qtbot, row=1)
    button = table.findChild(QPushButton, "NewerRows")
    gui.wait_until(button.isVisible)
    assert _run_at(table, y) == under  # still
    assert button.text() == "▲ 2 newer"
    place = QRect(button.mapTo(table, QPoint(0, 0)), button.size())
    assert not place.intersects(table.viewport().geometry()), place  # over no row
    assert table.horizontalHeader().geometry().contains(place)
    assert gui.window.grab().save(str(SCREENSHOTS / "runs-newer-button.png"))
    table.setFocus()
    qtbot.mouseMove(button)  # from the rows onto the button: the rows stay held for it
    QApplication.sendEvent(table.viewport(), QEvent(QEvent.Type.Leave))  # (as Qt sends it)
    assert button.isVisible() and _run_at(table, y) == under
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert table.verticalScrollBar().value() == 0 and not button.isVisible()
    assert QApplication.focusWidget() is table  # the arrow keys still move in the list
    assert _run_at(table, 1) == newer[-1]

    qtbot.mouseMove(table.viewport(), QPoint(20, y))  # held again, then the pointer goes
    _ran(gui, "tick")
    gui.wait_until(lambda: view.model.rowCount() == 13)
    gui.wait_until(button.isVisible)
    assert button.text() == "▲ 1 newer"
    QApplication.sendEvent(table.viewport(), QEvent(QEvent.Type.Leave))  # (as Qt sends it)
    assert table.verticalScrollBar().value() == 0 and not button.isVisible()


def test_no_button_when_every_row_is_in_view(gui: Gui, qtbot: Any) -> None:
    """With few runs nothing is held above, so nothing is said: it read "▲ 0 newer" over
    the top row (a review)."""
    gui.service.create_task(command_task("tick", ["true"]))
    gui.window.resize(1280, 800)
    gui.window.show_view(RUNS)
    view = gui.window.runs_view
    table = view.table
    _ran(gui, "tick")
    gui.wait_until(lambda: view.model.rowCount() == 1)
    gui.settle()
    qtbot.mouseMove(table.viewport(), QPoint(20, table.rowViewportPosition(0) + 5))
    _ran(gui, "tick")
    gui.wait_until(lambda: view.model.rowCount() == 2)
    gui.settle()
    assert table.verticalScrollBar().maximum() == 0  # every row in view
    assert not table.findChild(QPushButton, "NewerRows").isVisible()
