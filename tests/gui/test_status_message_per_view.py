"""A view's message in the status bar goes when the person leaves that view (a tester: the
graph's "Not added: … a dependency cycle …" stayed in the status bar over the Tasks view,
for its 8 s, as if it were about the table)."""

from __future__ import annotations

from app.gui.qt import Qt
from tests.gui.conftest import Gui
from tests.gui.test_graph import _drag, _pipeline, _show_graph
from tests.gui.test_runs_view import cancel_in_runs


def _go_to_tasks(gui: Gui) -> None:
    gui.qtbot.keyClick(gui.window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    gui.wait_until(lambda: gui.window.current_view() == 0)


def test_the_graphs_refusal_goes_when_the_person_goes_to_tasks(gui: Gui) -> None:
    ids = _pipeline(gui)
    view = _show_graph(gui)
    bar = gui.window.status
    _drag(gui, view, ids["Load"], ids["Fetch"])  # a cycle: refused
    gui.wait_until(lambda: bar.currentMessage().startswith("Not added: "))
    _go_to_tasks(gui)
    assert bar.currentMessage() == "" and bar.toolTip() == ""
    gui.window.show_view(2)  # back: the refusal is still in the graph, above it
    assert view.banner.isVisible() and "cycle" in view.banner.text()


def test_a_cancelled_runs_words_go_when_the_person_goes_to_tasks(gui: Gui) -> None:
    run, _view = cancel_in_runs(gui)
    bar = gui.window.status
    gui.wait_until(lambda: bar.currentMessage() == f"Run {run.id} of backup: cancelled.", 15)
    _go_to_tasks(gui)
    assert bar.currentMessage() == ""

