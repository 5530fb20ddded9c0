"""The dependency graph: its layered layout, and the view by point and click (drag to add a
dependency, a cycle refused and named, the closure filter, double-click to edit)."""

from __future__ import annotations

import itertools
import random
from typing import Any

import pytest

from app.gui.graph.layout import layout
from app.gui.qt import QPoint, QPointF, Qt
from tests.gui.conftest import Gui, closed, command_task


def random_dag(n: int, seed: int = 3, layers: int = 15) -> set[tuple[int, int]]:
    """A DAG shaped like real pipelines: edges span one or two layers."""
    rnd = random.Random(seed)
    layer = [i * layers // n for i in range(n)]
    edges = set()
    for v in range(n):
        for _ in range(rnd.choice([0, 1, 1, 2])):
            cand = [u for u in range(max(0, v - 400), v) if 0 < layer[v] - layer[u] <= 2]
            if cand:
                edges.add((rnd.choice(cand), v))
    return edges


def test_layout_puts_upstream_left_and_never_overlaps() -> None:
    edges = random_dag(300)
    laid = layout(range(300), edges)
    assert set(laid.positions) == set(range(300))
    for up, down in edges:
        assert laid.positions[up][0] < laid.positions[down][0]
    boxes = sorted(laid.positions.values())
    by_column: dict[float, list[float]] = {}
    for x, y in boxes:
        by_column.setdefault(x, []).append(y)
    for ys in by_column.values():
        ys.sort()
        assert all(b - a >= laid.node_h for a, b in itertools.pairwise(ys))
    assert len(laid.routes) == len(edges)


def test_layout_untangles_a_shuffled_tree() -> None:
    """A tree has a drawing without crossings; the sweeps must find it from a bad order."""
    rnd = random.Random(7)
    nodes = list(range(1, 200))
    edges = [((i - 1) // 3, i) for i in nodes]
    rnd.shuffle(nodes)
    laid = layout([0, *nodes], edges)
    assert laid.crossings == 0


def test_layout_of_2000_tasks_places_every_task_once() -> None:
    edges = random_dag(2000)  # its speed is in `make bench` (benchmarks/views.py)
    laid = layout(range(2000), edges)
    assert len(laid.positions) == 2000
    assert len(set(laid.positions.values())) == 2000


def test_unconnected_tasks_are_packed_in_a_grid_not_a_column() -> None:
    laid = layout(range(10_000), [])
    assert laid.width > 10 * laid.node_w
    assert laid.height < 10_000 * laid.node_h / 20  # a column would be 10,000 boxes tall


def _pipeline(gui: Gui) -> dict[str, int]:
    s = gui.service
    ids = {}
    for name, extra in (("Fetch", {}), ("Transform", {"depends_on": ["Fetch"]}),
                        ("Load", {"depends_on": ["Transform"]}), ("Audit", {})):
        ids[name] = s.create_task(command_task(name, **extra)).id
    return ids


def _show_graph(gui: Gui) -> Any:
    view = gui.window.graph_view
    gui.window.show_view(2)
    gui.wait_until(lambda: view.loaded and not view.loading)
    gui.settle()
    return view


def node_centre(view: Any, task_id: int) -> QPoint:
    return view.canvas.to_view(view.canvas.rects[task_id].center()).toPoint()


def _drag(gui: Gui, view: Any, source: int, target: int) -> None:
    canvas = view.canvas
    start, end = node_centre(view, source), node_centre(view, target)
    gui.qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, 6):
        gui.qtbot.mouseMove(canvas, start + (end - start) * (step / 5))
    gui.qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=end)


def test_drag_adds_a_dependency_and_a_cycle_is_refused(gui: Gui) -> None:
    ids = _pipeline(gui)
    view = _show_graph(gui)
    canvas = view.canvas
    assert len(canvas.rects) == 4 and len(canvas.edges) == 2
    x = {name: canvas.rects[i].left() for name, i in ids.items()}
    assert x["Fetch"] < x["Transform"] < x["Load"]

    _drag(gui, view, ids["Audit"], ids["Load"])  # Load now also waits for Audit
    gui.wait_until(lambda: "Audit" in gui.service.get_task("Load").spec.depends_on)
    gui.wait_until(lambda: len(view.canvas.edges) == 3)
    assert canvas.rects[ids["Audit"]].left() < canvas.rects[ids["Load"]].left()
    events = gui.service.audit_events(search="task.update")
    assert events and events[0]["target"] == "Load"

    before = gui.service.get_task("Fetch").spec.depends_on
    audit_before = len(gui.service.audit_events(limit=1000))
    _drag(gui, view, ids["Load"], ids["Fetch"])  # Fetch waiting for Load closes a cycle
    gui.wait_until(lambda: view.banner.isVisible())
    text = view.banner.text()
    assert "cycle" in text and "Fetch → Transform → Load → Fetch" in text
    assert "Nothing was changed" in text
    assert gui.service.get_task("Fetch").spec.depends_on == before
    assert len(gui.service.audit_events(limit=1000)) == audit_before
    gui.settle()
    assert len(view.canvas.edges) == 3
    # a click on another task: the person has moved on, the refusal goes
    gui.qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton,
                         pos=node_centre(view, ids["Audit"]))
    gui.wait_until(lambda: not view.banner.isVisible())


def test_closure_filter_and_double_click_opens_the_editor(gui: Gui) -> None:
    ids = _pipeline(gui)
    view = _show_graph(gui)
    view.task.setText("Transform")
    view.scope.setCurrentIndex(view.scope.findData("upstream"))
    gui.wait_until(lambda: set(view.canvas.rects) == {ids["Fetch"], ids["Transform"]})
    view.scope.setCurrentIndex(view.scope.findData("both"))
    gui.wait_until(lambda: set(view.canvas.rects) == {ids["Fetch"], ids["Transform"],
                                                      ids["Load"]})
    view.scope.setCurrentIndex(view.scope.findData("all"))
    gui.wait_until(lambda: len(view.canvas.rects) == 4)
    view.unconnected.setChecked(False)
    gui.wait_until(lambda: len(view.canvas.rects) == 3)

    gui.qtbot.mouseDClick(view.canvas, Qt.MouseButton.LeftButton,
                          pos=node_centre(view, ids["Load"]))
    gui.wait_until(lambda: getattr(gui.window.task_ops, "editor", None) is not None)
    editor = gui.window.task_ops.editor
    gui.wait_until(lambda: editor.isVisible())
    assert editor.general.name.text() == "Load"
    editor.discard()
    gui.wait_until(lambda: closed(editor))


def test_zoom_pan_and_fit(gui: Gui) -> None:
    _pipeline(gui)
    view = _show_graph(gui)
    canvas = view.canvas
    scale = canvas.scale
    view.zoom_in.click()
    assert canvas.scale > scale
    before = QPointF(canvas.offset)
    gui.qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    gui.qtbot.mouseMove(canvas, QPoint(60, 45))
    gui.qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(60, 45))
    assert canvas.offset != before
    view.fit_button.click()
    assert canvas.scale <= 1.0


@pytest.mark.parametrize("status", ["running"])
def test_badges_follow_run_events(gui: Gui, status: str) -> None:
    from datetime import UTC, datetime

    from app.engine.events import RunChanged

    ids = _pipeline(gui)
    view = _show_graph(gui)
    view.on_runs_changed([RunChanged(99, ids["Load"], "Load", status, datetime.now(UTC))])
    assert view.data is not None and view.data.nodes[ids["Load"]].running == 1
    view.on_runs_changed([RunChanged(99, ids["Load"], "Load", "failed", datetime.now(UTC))])
    assert view.data.nodes[ids["Load"]].running == 0
    assert view.data.nodes[ids["Load"]].last_status == "failed"
    assert view.canvas.grab().width() > 0
