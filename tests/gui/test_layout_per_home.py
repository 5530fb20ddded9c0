"""The window's layout (size, the view shown, the task table's columns and sorting, the
Runs splitter) was kept once for every home: `tickwork --home A` and `--home B` overwrote
each other's. Each home keeps its own; the default home keeps the keys it always had, so a
layout saved before stays."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.gui.main_window import RUNS, TASKS
from app.gui.qt import QPoint, Qt
from app.gui.tasks.model import NEXT_RUN, PRIORITY
from tests.gui.conftest import Gui, _open_gui, close_gui


def _drag(qtbot: Any, widget: Any, start: QPoint, end: QPoint) -> None:
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(widget, end)
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=end)


def _laid_out(gui: Gui) -> tuple[Any, ...]:
    window = gui.window
    header = window.tasks_view.table.horizontalHeader()
    return (window.size().toTuple(), window.current_view(), header.isSectionHidden(NEXT_RUN),
            window.tasks_view.columns.kept(),  # the widths the person chose
            window.tasks_model.sort_column(), window.runs_view.splitter.sizes())


def _drag_next_run(gui: Gui, by: int) -> None:
    """Drag the right edge of the task table's Next run column (`by` < 0: to the left)."""
    header = gui.window.tasks_view.table.horizontalHeader()
    before = header.sectionSize(NEXT_RUN)
    edge = header.sectionViewportPosition(NEXT_RUN) + before - 1
    middle = header.height() // 2
    _drag(gui.qtbot, header.viewport(), QPoint(edge, middle), QPoint(edge + by, middle))
    gui.wait_until(lambda: header.sectionSize(NEXT_RUN) == before + by)


def test_each_home_keeps_its_own_layout(tmp_path: Path, qtbot: Any) -> None:
    a, b = tmp_path / "A", tmp_path / "B"
    for _ in range(2):  # (opened again: the size as its screen fits it)
        first = _open_gui(b, qtbot, engine=False)
        untouched = _laid_out(first)
        close_gui(first)

    gui = _open_gui(a, qtbot, engine=False)
    window = gui.window
    window.resize(800, 540)  # (the offscreen screen is 800×600)
    gui.wait_until(lambda: window.height() == 540)
    _drag_next_run(gui, -40)
    header = window.tasks_view.table.horizontalHeader()
    middle = header.height() // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(header.sectionViewportPosition(PRIORITY) + 10, middle))
    gui.wait_until(lambda: window.tasks_model.sort_column()[0] == PRIORITY)
    qtbot.keyClick(window, Qt.Key(Qt.Key.Key_1 + RUNS), Qt.KeyboardModifier.ControlModifier)
    gui.wait_until(lambda: window.current_view() == RUNS)
    splitter = window.runs_view.splitter
    handle = splitter.handle(1)
    centre = handle.rect().center()
    _drag(qtbot, handle, centre, centre + QPoint(0, 80))
    gui.wait_until(lambda: splitter.sizes() != untouched[4])
    changed = _laid_out(gui)
    close_gui(gui)

    again = _open_gui(b, qtbot, engine=False)
    try:
        assert _laid_out(again) == untouched
        assert again.window.current_view() == TASKS
    finally:
        close_gui(again)
    back = _open_gui(a, qtbot, engine=False)
    try:
        assert _laid_out(back) == changed
    finally:
        close_gui(back)


def test_the_default_home_keeps_the_layout_saved_before(tmp_path: Path, qtbot: Any) -> None:
    """A layout saved by an earlier version (its keys at the top) is the default home's."""
    from app.gui.settings import appearance

    kept = appearance.settings()
    kept.setValue("window/view", RUNS)
    kept.setValue("sort/tasks", f"{PRIORITY} {Qt.SortOrder.DescendingOrder.value}")
    kept.sync()
    other = _open_gui(tmp_path / "other", qtbot, engine=False)
    try:
        assert other.window.current_view() == TASKS
        assert other.window.tasks_model.sort_column()[0] != PRIORITY
    finally:
        close_gui(other)
    default = _open_gui(tmp_path / "default-home", qtbot, engine=False)  # $TICKWORK_HOME
    try:
        assert default.window.current_view() == RUNS
        assert default.window.tasks_model.sort_column() == (
            PRIORITY, Qt.SortOrder.DescendingOrder)
    finally:
        close_gui(default)


def test_a_column_dragged_narrower_stays_so_at_the_next_start(gui_factory: Any) -> None:
    """The task table's columns were fitted again at each start from their default widths:
    one a person had dragged narrower came back at its default."""
    first = gui_factory(engine=False)
    header = first.window.tasks_view.table.horizontalHeader()
    default = header.sectionSize(NEXT_RUN)
    _drag_next_run(first, -40)
    first.window.save_settings()
    second = gui_factory(engine=False)
    header = second.window.tasks_view.table.horizontalHeader()
    assert header.sectionSize(NEXT_RUN) == default - 40
