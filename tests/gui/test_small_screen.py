"""Small screens (issue 10, point 8): the window works at 800×500.

A 1366×768 laptop with a panel, or a tiled half screen: the window shrinks that far, the
task table keeps Name, Next run, Last run and Enabled on screen without scrolling sideways,
the notifications panel open too (less important columns hide, and come back when it
widens), the graph stays fitted, the graph's name filter keeps room for a name, and no view
forces a larger minimum.
"""

from __future__ import annotations

from app.gui.calendar.period_bar import FILTER_MIN_WIDTH
from app.gui.main_window import CALENDAR, GRAPH, RUNS, VIEWS
from app.gui.qt import QPointF, QRect, Qt
from app.gui.runs.model import STATUS
from app.gui.tasks.model import ENABLED, LAST_RUN, NAME, NEXT_RUN, PRIORITY, SCHEDULE
from app.gui.widgets.columns import Column, plan
from tests.gui.conftest import SCREENSHOTS, Gui, command_task

SMALL = (800, 500)
LARGE = (1600, 1000)


def _resize(gui: Gui, size: tuple[int, int]) -> None:
    gui.window.resize(*size)
    gui.qtbot.waitUntil(lambda: (gui.window.width(), gui.window.height()) == size)
    gui.settle()


def _add_tasks(gui: Gui) -> None:
    s = gui.service
    s.create_task(command_task("Back up the notes folder every night",
                               schedule={"kind": "cron", "expr": "0 2 * * *"}))
    s.create_task(command_task("Pull reports", schedule={"kind": "interval", "seconds": 900}))
    s.create_task(command_task("Mail the summary",
                               schedule={"kind": "after", "tasks": ["Pull reports"]}))
    gui.wait_until(lambda: gui.window.tasks_model.total == 3)


def test_the_window_shrinks_to_800_by_500_in_every_view(gui: Gui) -> None:
    _add_tasks(gui)
    for i in range(len(VIEWS)):
        gui.window.show_view(i)
        gui.settle()
        hint = gui.window.minimumSizeHint()
        assert hint.width() <= SMALL[0] and hint.height() <= SMALL[1], (VIEWS[i], hint)
        minimum = gui.window.minimumSize()
        assert minimum.width() <= SMALL[0] and minimum.height() <= SMALL[1], (VIEWS[i], minimum)
    # the notifications panel open beside the view still fits
    gui.qtbot.mouseClick(gui.window.status.bell, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: gui.window.dock.isVisible())
    for i in range(len(VIEWS)):
        gui.window.show_view(i)
        hint = gui.window.minimumSizeHint()
        assert hint.width() <= SMALL[0] and hint.height() <= SMALL[1], (VIEWS[i], hint)
    _resize(gui, SMALL)
    assert gui.window.toolbar.minimumSizeHint().width() < SMALL[0] // 2  # it can overflow
    gui.window.show_view(RUNS)
    gui.settle()
    runs = gui.window.runs_view.table
    assert runs.horizontalScrollBar().maximum() == 0  # the runs table does not scroll sideways
    assert not runs.horizontalHeader().isSectionHidden(STATUS)


def test_the_calendars_bar_keeps_its_words_at_800_by_500(gui: Gui) -> None:
    """Under a real X server the bar's buttons read "T…y" and "M…h" at 800×500 with the
    notifications panel open: they shrank to fit the title. Now the title takes a row of
    its own where one row cannot hold it, and comes back up when the window widens."""
    _add_tasks(gui)
    gui.window.show_view(CALENDAR)
    bar = gui.window.calendar_view.bar
    _resize(gui, SMALL)
    gui.qtbot.mouseClick(gui.window.status.bell, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: gui.window.dock.isVisible())
    modes = {b.text(): b for b in bar.modes.buttons()}

    def whole() -> list[str]:
        """What is cut short or off the bar's right edge."""
        gui.settle()
        cut = [w.text() for w in (bar.today, bar.prev, bar.next, bar.title, *modes.values())
               if w.width() < w.sizeHint().width()]
        cut += [f"{w.text()} past the edge" for w in modes.values()
                if w.geometry().right() > bar.width()]
        if bar.filter.width() < FILTER_MIN_WIDTH:
            cut.append("filter")
        return cut

    for mode in ("Week", "Day", "Month"):
        gui.qtbot.mouseClick(modes[mode], Qt.MouseButton.LeftButton)
        gui.wait_until(lambda m=mode: modes[m].isChecked())  # type: ignore[misc]
        assert whole() == [], mode
        assert bar.title_below(), mode
        assert gui.window.grab().save(
            str(SCREENSHOTS / f"calendar-{mode.lower()}-800x500-notifications.png"))
    _resize(gui, LARGE)
    assert whole() == [] and not bar.title_below()
    gui.qtbot.mouseClick(modes["Week"], Qt.MouseButton.LeftButton)
    assert whole() == [] and not bar.title_below()



def test_the_calendars_title_is_whole_at_every_width(gui: Gui) -> None:
    """Under a real X server at 818×500 (and up to ~930 px wide) the week read "Week 49 · 30
    Nov – 6 De", the filter box over its end: the title stayed on the top row, where the
    row held every word at its natural width, but shared the room evenly with the filter
    (both stretched), getting less than its words. It takes its words first now, the filter
    what is left; where that is not enough, the title goes below as before."""
    gui.window.show_view(CALENDAR)
    bar = gui.window.calendar_view.bar
    modes = {b.text(): b for b in bar.modes.buttons()}
    cut = []
    for mode in ("Week", "Day", "Month"):
        gui.qtbot.mouseClick(modes[mode], Qt.MouseButton.LeftButton)
        gui.wait_until(lambda m=mode: modes[m].isChecked())  # type: ignore[misc]
        for width in range(SMALL[0], 1300, 10):
            _resize(gui, (width, SMALL[1]))
            if bar.title.width() < bar.title.sizeHint().width():
                cut.append(f"{mode} at {width}: {bar.title.width()} of "
                           f"{bar.title.sizeHint().width()} px")
            if bar.filter.width() < FILTER_MIN_WIDTH:
                cut.append(f"{mode} at {width}: the filter")
    assert cut == []


def test_the_task_table_keeps_what_matters_without_scrolling_sideways(gui: Gui) -> None:
    _add_tasks(gui)
    table = gui.window.tasks_view.table
    header = table.horizontalHeader()
    _resize(gui, LARGE)
    assert not any(header.isSectionHidden(c) for c in range(6))
    _resize(gui, SMALL)
    for column in (NAME, NEXT_RUN, LAST_RUN, ENABLED):
        assert not header.isSectionHidden(column), column
        assert header.sectionViewportPosition(column) + header.sectionSize(column) \
            <= table.viewport().width()
    assert table.horizontalScrollBar().maximum() == 0
    _resize(gui, LARGE)  # and comes back when there is room
    assert not any(header.isSectionHidden(c) for c in range(6))
    assert header.sectionSize(SCHEDULE) > 300
    assert table.horizontalScrollBar().maximum() == 0


def test_the_task_table_keeps_what_matters_with_the_notifications_panel_open(
        gui: Gui) -> None:
    _add_tasks(gui)
    for i in range(20):  # more than the table shows: its vertical scroll bar takes room too
        gui.service.create_task(command_task(f"Task {i:02}"))
    gui.wait_until(lambda: gui.window.tasks_model.total == 23)
    _resize(gui, SMALL)
    gui.qtbot.mouseClick(gui.window.status.bell, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: gui.window.dock.isVisible())
    gui.settle()
    gui.qtbot.wait(50)  # the columns refit in a posted event
    table = gui.window.tasks_view.table
    header = table.horizontalHeader()
    assert table.verticalScrollBar().isVisible()
    for column in (NAME, NEXT_RUN, LAST_RUN, ENABLED):
        assert not header.isSectionHidden(column), column
        assert header.sectionViewportPosition(column) + header.sectionSize(column) \
            <= table.viewport().width()
    assert header.isSectionHidden(PRIORITY)  # the least important went first
    assert table.horizontalScrollBar().maximum() == 0
    assert gui.window.grab().save(str(SCREENSHOTS / "tasks-800x500-notifications.png"))


def test_the_graph_refits_when_the_window_is_resized(gui: Gui) -> None:
    _add_tasks(gui)
    _resize(gui, LARGE)
    gui.window.show_view(GRAPH)
    view = gui.window.graph_view
    gui.wait_until(lambda: view.loaded and view.canvas.rects)
    gui.settle()
    canvas = view.canvas

    def whole_graph_shown() -> bool:
        area = QRect(0, 0, canvas.width(), canvas.height())
        for rect in canvas.rects.values():
            for corner in (rect.topLeft(), rect.bottomRight()):
                point = canvas.to_view(QPointF(corner)).toPoint()
                if not area.contains(point):
                    return False
        return True

    assert whole_graph_shown()
    _resize(gui, SMALL)
    assert whole_graph_shown()
    # the name filter still has room for a name (it shrank to "T…" before)
    task = view.task
    assert task.width() >= task.fontMetrics().horizontalAdvance("Back up the no")
    _resize(gui, LARGE)
    assert whole_graph_shown()


def test_column_plan_hides_by_priority_and_shares_the_squeeze() -> None:
    columns = [Column(0, 100, 200), Column(1, 50, 100), Column(2, 50, 60)]
    assert plan(columns, [0, 1, 2], 1000) == {0: 200, 1: 100, 2: 60}
    squeezed = plan(columns, [0, 1, 2], 300)
    assert set(squeezed) == {0, 1, 2} and sum(squeezed.values()) <= 300
    narrow = plan(columns, [0, 2, 1], 170)
    assert set(narrow) == {0, 2} and sum(narrow.values()) <= 170
    assert plan(columns, [0, 1, 2], 40) == {0: 100}  # the first always shows
    # 1 does not fit: 2, less important, stays hidden too though it would fit
    assert plan([Column(0, 100, 100), Column(1, 80, 80), Column(2, 30, 30)], [0, 1, 2],
                150) == {0: 100}
    assert plan(columns, [0, 1, 2], 1000, stretch=1) == {0: 200, 1: 740, 2: 60}
