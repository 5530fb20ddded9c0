"""A window left open for weeks: a right-click's menu is gone once it closes. Each menu (the
Tasks table's, the graph's on a task, an arrow or beside them) was made a child of the
window or the view and never deleted: a window kept every menu it had shown, its actions
and what they held."""

from __future__ import annotations

from app.gui.main_window import GRAPH, TASKS
from app.gui.qt import QApplication, QEvent, QMenu, QPoint, Qt
from tests.gui.conftest import Gui, command_task
from tests.gui.test_graph import node_centre, right_click

TIMES = 12


def _kept(gui: Gui, kind: type) -> int:
    gui.quiet()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # what was let go: gone
    return len(gui.window.findChildren(kind))


def _escape_menu(gui: Gui) -> None:
    gui.wait_until(lambda: isinstance(QApplication.activePopupWidget(), QMenu))
    gui.qtbot.keyClick(QApplication.activePopupWidget(), Qt.Key.Key_Escape)
    gui.wait_until(lambda: QApplication.activePopupWidget() is None)


def test_right_clicks_keep_no_menus(gui: Gui) -> None:
    task = gui.service.create_task(command_task("backup"))
    gui.window.show_view(TASKS)
    table = gui.window.tasks_view.table
    gui.wait_until(lambda: table.model().rowCount() == 1)
    gui.window.show_view(GRAPH)
    graph = gui.window.graph_view
    gui.wait_until(lambda: graph.loaded and not graph.loading)
    before = _kept(gui, QMenu)
    for _ in range(TIMES):
        gui.window.show_view(TASKS)
        right_click(gui, table.viewport(), table.visualRect(table.model().index(0, 0)).center())
        _escape_menu(gui)
        gui.window.show_view(GRAPH)
        right_click(gui, graph.canvas, node_centre(graph, task.id))
        _escape_menu(gui)
        right_click(gui, graph.canvas, QPoint(2, 2))  # beside the tasks: the canvas's menu
        _escape_menu(gui)
    assert _kept(gui, QMenu) <= before

