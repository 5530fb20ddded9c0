"""The dependency graph: its layered layout, and the view by point and click (drag to add a
dependency, a cycle refused and named, click an arrow and Del or right-click to remove one,
the closure filter, double-click to edit)."""

from __future__ import annotations

import itertools
import random
from typing import Any

import pytest

from app.gui.graph.layout import layout
from app.gui.qt import QApplication, QPoint, QPointF, Qt
from tests.gui.conftest import (
    SCREENSHOTS,
    Answer,
    Gui,
    answer_question,
    closed,
    command_task,
)


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


def test_the_drawing_starts_at_its_top_box_and_holds_every_box_and_arrow() -> None:
    """The first row of boxes was placed 20 units above the drawing (its centres at 0), and
    the drawing's height fell 20 short of its last box."""
    laid = layout(range(300), random_dag(300))
    tops = [y for _x, y in laid.positions.values()]
    assert min(tops) == 0
    assert max(tops) + laid.node_h == pytest.approx(laid.height)
    assert all(x >= 0 and x + laid.node_w <= laid.width + 1e-6
               for x, _y in laid.positions.values())
    assert all(0 <= y <= laid.height for points in laid.routes.values() for _x, y in points)


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


def edge_point(view: Any, upstream: int, downstream: int) -> QPoint:
    """Where the arrow from `upstream` to `downstream` is drawn, in the canvas's pixels: the
    middle of its route, mapped from the layout to the view."""
    route = view.canvas.route(upstream, downstream)
    return view.canvas.to_view(route.pointAtPercent(0.5)).toPoint()


def test_arrowheads_into_one_task_are_filled_where_they_meet(gui: Gui) -> None:
    """Two arrows into one task end at one point: both heads are drawn filled (they were
    one path filled even-odd, so where they overlapped they cancelled out and the heads
    showed as faint outlines under Xvfb)."""
    s = gui.service
    ids = {name: s.create_task(command_task(name)).id for name in ("Backup", "Sync")}
    ids["Report"] = s.create_task(command_task("Report", depends_on=["Backup", "Sync"])).id
    view = _show_graph(gui)
    canvas = view.canvas
    ends = [canvas.route(ids[u], ids["Report"]).pointAtPercent(1.0) for u in ("Backup", "Sync")]
    assert ends[0] == ends[1]  # (the layout's: both meet at the task's left edge)
    tip = ends[0]
    shot = canvas.grab().toImage()
    shot.save(str(SCREENSHOTS / "graph-arrowheads.png"))
    background = shot.pixelColor(canvas.to_view(tip + QPointF(-5, -30)).toPoint())
    # the head is 10 units long, 5 either side at its back (`paint.arrow`): its inside,
    # a unit in from its edges, is all arrow colour — not only where the curves run
    inside = [canvas.to_view(tip + QPointF(-back, side * (back / 2 - 1.5))).toPoint()
              for back in (5, 6, 7, 8) for side in (-1, 0, 1)]
    pale = [p for p in inside
            if shot.pixelColor(p).lightness() > background.lightness() - 40]
    assert canvas.scale >= 1 and not pale, (pale, background.name())


def right_click(gui: Gui, widget: Any, pos: QPoint) -> None:
    """A right click as a mouse makes it: the button pressed and released, and the context
    menu event the platform sends with it (QTest's clicks do not make that one)."""
    from app.gui.qt import QApplication, QContextMenuEvent

    gui.qtbot.mousePress(widget, Qt.MouseButton.RightButton, pos=pos)
    QApplication.sendEvent(widget, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos,
                                                     widget.mapToGlobal(pos)))
    gui.qtbot.mouseRelease(widget, Qt.MouseButton.RightButton, pos=pos)


def _shown_edges(view: Any) -> set[tuple[int, int]]:
    return {(e.upstream, e.downstream) for e in view.canvas.edges}


def click_arrow(gui: Gui, view: Any, upstream: int, downstream: int) -> None:
    """Click the arrow from `upstream` to `downstream`: it is then what is selected."""
    gui.qtbot.mouseClick(view.canvas, Qt.MouseButton.LeftButton,
                         pos=edge_point(view, upstream, downstream))
    assert view.canvas.selected_edge == (upstream, downstream)


def press_and_answer(gui: Gui, view: Any, button: str,
                     key: Qt.Key = Qt.Key.Key_Delete) -> Answer:
    """Press `key` on the graph and answer the question it asks with `button`."""
    answer = answer_question(gui.qtbot, button)
    gui.qtbot.keyClick(view.canvas, key)
    gui.wait_until(lambda: answer.done)
    return answer


def test_click_an_arrow_then_delete_asks_naming_both_tasks_and_removes_it(gui: Gui) -> None:
    ids = _pipeline(gui)
    view = _show_graph(gui)
    canvas = view.canvas
    edge = (ids["Transform"], ids["Load"])
    click_arrow(gui, view, *edge)
    assert canvas.selected == -1  # no task is selected: Del is not "delete task"
    assert not gui.window.task_ops.delete.isEnabled()
    gui.settle()
    shot = canvas.grab()
    shot.save(str(SCREENSHOTS / "graph-edge-selected.png"))
    highlight = canvas.palette().color(canvas.palette().ColorRole.Highlight)
    assert shot.toImage().pixelColor(edge_point(view, *edge)) == highlight
    # resting the pointer on it: Qt's tooltip event there names both tasks and what to do
    from app.gui.qt import QApplication, QEvent, QHelpEvent, QToolTip

    at = edge_point(view, *edge)
    QApplication.sendEvent(canvas, QHelpEvent(QEvent.Type.ToolTip, at, canvas.mapToGlobal(at)))
    assert "<b>Load</b> waits for <b>Transform</b>" in QToolTip.text()
    assert "Del or right-click to remove" in QToolTip.text()
    QToolTip.hideText()
    audit_before = len(gui.service.audit_events(limit=1000))

    answer = press_and_answer(gui, view, "Cancel")
    assert "“Load”" in answer.text and "“Transform”" in answer.text
    gui.settle()
    assert gui.service.get_task("Load").spec.depends_on == ("Transform",)
    assert len(gui.service.audit_events(limit=1000)) == audit_before

    press_and_answer(gui, view, "Remove dependency")
    gui.wait_until(lambda: gui.service.get_task("Load").spec.depends_on == ())
    gui.wait_until(lambda: _shown_edges(view) == {(ids["Fetch"], ids["Transform"])})
    assert canvas.selected_edge is None
    events = gui.service.audit_events(search="task.update")
    assert events and events[0]["target"] == "Load"
    assert gui.service.get_task("Fetch").id == ids["Fetch"]  # no task was deleted
    assert len(gui.service.list_tasks()) == 4


def test_right_click_an_arrow_offers_to_remove_it(gui: Gui) -> None:
    from app.gui.qt import QApplication

    ids = _pipeline(gui)
    view = _show_graph(gui)
    canvas = view.canvas
    edge = (ids["Fetch"], ids["Transform"])
    right_click(gui, canvas, edge_point(view, *edge))
    gui.wait_until(lambda: QApplication.activePopupWidget() is not None)
    assert canvas.selected_edge == edge
    menu = QApplication.activePopupWidget()
    remove = next(a for a in menu.actions() if a.text().startswith("Remove dependency"))
    answer = answer_question(gui.qtbot, "Remove dependency")
    gui.qtbot.mouseClick(menu, Qt.MouseButton.LeftButton,
                         pos=menu.actionGeometry(remove).center())
    gui.wait_until(lambda: answer.done)
    assert "“Transform”" in answer.text and "“Fetch”" in answer.text
    gui.wait_until(lambda: gui.service.get_task("Transform").spec.depends_on == ())
    gui.wait_until(lambda: _shown_edges(view) == {(ids["Transform"], ids["Load"])})


def test_removing_an_arrow_another_door_changed_meanwhile_says_so(gui: Gui) -> None:
    ids = _pipeline(gui)
    view = _show_graph(gui)
    click_arrow(gui, view, ids["Transform"], ids["Load"])
    # while the question is open, the dependency goes another way (the editor, the CLI)
    gui.service.update_task("Load", {"depends_on": [], "description": "changed"})
    press_and_answer(gui, view, "Remove dependency")
    gui.wait_until(lambda: view.banner.isVisible())
    assert "“Load” no longer waits for “Transform”" in view.banner.text()
    assert gui.service.get_task("Load").spec.description == "changed"
    gui.wait_until(lambda: _shown_edges(view) == {(ids["Fetch"], ids["Transform"])})

    # a task deleted meanwhile: said the same way, nothing else changes
    click_arrow(gui, view, ids["Fetch"], ids["Transform"])
    gui.wait_until(lambda: not view.banner.isVisible())
    gui.service.delete_task("Transform", force=True)
    press_and_answer(gui, view, "Remove dependency")
    gui.wait_until(lambda: "“Transform” no longer waits for “Fetch”" in view.banner.text())
    assert [t.name for t in gui.service.list_tasks()] == ["Audit", "Fetch", "Load"]


def test_removing_a_runs_after_arrow_keeps_the_last_one_it_is_scheduled_by(gui: Gui) -> None:
    s = gui.service
    ids = {name: s.create_task(command_task(name)).id for name in ("Fetch", "Mirror")}
    ids["Report"] = s.create_task(command_task(
        "Report", schedule={"kind": "after", "tasks": ["Fetch", "Mirror"]})).id
    view = _show_graph(gui)
    click_arrow(gui, view, ids["Mirror"], ids["Report"])
    answer = press_and_answer(gui, view, "Remove dependency")
    assert "“Report” will no longer run after “Mirror”" in answer.text
    gui.wait_until(lambda: s.get_task("Report").spec.schedule.after == ("Fetch",))
    gui.wait_until(lambda: _shown_edges(view) == {(ids["Fetch"], ids["Report"])})

    # the last one is the task's whole schedule: said at once, no question asked first
    # (it asked, then refused with "after: …"; found by a window run-through)
    click_arrow(gui, view, ids["Fetch"], ids["Report"])
    gui.qtbot.keyClick(view.canvas, Qt.Key.Key_Backspace)
    gui.wait_until(lambda: view.banner.isVisible())
    assert QApplication.activeModalWidget() is None
    assert view.banner.text() == ("⚠ “Report” runs only after “Fetch”: that is its whole "
                                  "schedule; give it another in the editor to remove this")
    assert s.get_task("Report").spec.schedule.after == ("Fetch",)
    gui.settle()
    assert _shown_edges(view) == {(ids["Fetch"], ids["Report"])}


def test_a_task_that_waits_for_and_runs_after_one_task_shows_both_arrows(gui: Gui) -> None:
    """Both links between one pair are drawn (a solid arrow and a dashed one beside it) and
    counted, the tooltip says both, and Del removes the waiting first, saying so (the
    graph drew only the dashed one and counted one dependency: a newcomer's run-through)."""
    s = gui.service
    up = s.create_task(command_task("hello")).id
    down = s.create_task(command_task("second", depends_on=["hello"], schedule={
        "kind": "after", "tasks": ["hello"]})).id
    view = _show_graph(gui)
    canvas = view.canvas
    assert view.count.text() == "2 tasks, 2 dependencies"
    assert (up, down) in canvas.routes.waits and (up, down) in canvas.routes.triggers
    gui.settle()
    shot = canvas.grab().toImage()
    shot.save(str(SCREENSHOTS / "graph-waits-and-runs-after.png"))
    # two strokes cross the middle of the route, a few pixels apart: one per arrow
    middle = canvas.to_view(canvas.route(up, down).pointAtPercent(0.5)).toPoint()
    paper = shot.pixelColor(middle.x(), middle.y() - 40).lightness()
    inked = {y for x in range(middle.x() - 4, middle.x() + 5)  # (a dash's gap is narrower)
             for y in range(middle.y() - 6, middle.y() + 20)
             if shot.pixelColor(x, y).lightness() < paper - 40}
    assert len([y for y in inked if y - 1 not in inked]) == 2, sorted(inked)
    from app.gui.qt import QEvent, QHelpEvent, QToolTip

    at = edge_point(view, up, down)
    QApplication.sendEvent(canvas, QHelpEvent(QEvent.Type.ToolTip, at, canvas.mapToGlobal(at)))
    assert "<b>second</b> waits for and runs after <b>hello</b>" in QToolTip.text()
    QToolTip.hideText()
    click_arrow(gui, view, up, down)
    answer = press_and_answer(gui, view, "Remove dependency")
    assert "“second” will no longer wait for “hello” to succeed" in answer.text
    gui.wait_until(lambda: s.get_task("second").spec.depends_on == ())
    assert s.get_task("second").spec.schedule.after == ("hello",)
    gui.wait_until(lambda: view.count.text() == "2 tasks, 1 dependency")
    assert (up, down) in canvas.routes.triggers and (up, down) not in canvas.routes.waits


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


def test_the_whole_graph_fitted_is_centred(gui: Gui) -> None:
    """Fitted, the graph sat 20 units (at 100 %: pixels) higher than centred, its top row
    nearer the edge than the margin (a busy task's badge there was cut off)."""
    _pipeline(gui)
    view = _show_graph(gui)
    canvas = view.canvas
    canvas.fit()
    tops = [canvas.to_view(r.topLeft()).y() for r in canvas.rects.values()]
    bottoms = [canvas.to_view(r.bottomRight()).y() for r in canvas.rects.values()]
    above, below = min(tops), canvas.height() - max(bottoms)
    assert above >= 24  # the fit's margin
    assert abs(above - below) <= 1, (above, below)


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


def test_a_task_saved_with_the_same_arrows_is_not_laid_out_again(gui: Gui) -> None:
    """Saving a task writes its dependency rows anew: read in another order, they made the
    graph laid out and drawn again at each edit of a task with an arrow (100,000 tasks:
    seconds on the pool, then the drawing handed over)."""
    ids = _pipeline(gui)
    view = _show_graph(gui)
    drawn, read = view.canvas.rects, view.data
    gui.service.update_task(ids["Transform"], {"description": "cleans the rows"})
    view.on_changed()
    gui.quiet()  # read again (its throttle run, the pool idle)
    assert view.canvas.rects is drawn and view.data is read  # (drawn alike: kept as it is)
    gui.service.update_task(ids["Transform"], {"depends_on": []})  # an arrow gone: drawn anew
    gui.wait_until(lambda: (ids["Fetch"], ids["Transform"]) not in view.canvas.routes.paths)
    assert view.canvas.rects is not drawn


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


def test_a_highlighted_runs_after_arrow_stays_dashed(qapp: Any) -> None:
    """Selected, a "runs after" arrow was drawn as a solid line, which the legend calls
    "waits for" (a run-through under X). Painted for real: the dashed one has gaps along
    its length, the solid one none."""
    from PySide6.QtGui import QImage

    from app.gui.graph.scene import EdgeRoutes
    from app.gui.qt import QColor, QPainter, QPainterPath

    routes = EdgeRoutes()
    for key, y in (((1, 2), 20.0), ((3, 4), 60.0)):
        path = QPainterPath(QPointF(10, y))
        path.lineTo(190, y)
        routes.paths[key] = path
    routes.triggers.add((1, 2))  # runs after
    routes.waits.add((3, 4))  # waits for
    for edge in ((1, 2), (3, 4)):  # the selected arrow, then the selected task's (node 1/3)
        for node, chosen in ((-1, edge), (edge[0], None)):
            image = QImage(200, 80, QImage.Format.Format_ARGB32)
            image.fill(0)
            painter = QPainter(image)
            routes.paint_highlighted(painter, QColor("black"), node, chosen)
            painter.end()
            y = 20 if edge == (1, 2) else 60
            inked = [image.pixelColor(x, y).alpha() > 0 for x in range(20, 170)]
            assert all(inked) == (edge == (3, 4)), (edge, node)
            assert any(inked)


def test_a_long_refusal_in_the_status_bar_is_cut_with_dots_not_under_the_engine_state(
        gui: Gui) -> None:
    """A refused arrow's sentence ran on under "● Engine running", cut mid-word (a
    run-through under X at 800 px): it is cut before the figures with "…", and the whole of
    it is in the status bar's tooltip."""
    ids = _pipeline(gui)
    gui.window.resize(800, 560)
    view = _show_graph(gui)
    _drag(gui, view, ids["Load"], ids["Fetch"])  # a cycle: refused
    status = gui.window.status
    gui.wait_until(lambda: "cycle" in status.toolTip())
    whole = status.toolTip()
    assert whole.startswith("Not added: ") and whole.endswith("Nothing was changed.")
    shown = status.currentMessage()
    assert shown.endswith("…") and whole.startswith(shown[:-1])
    room = min(w.geometry().left() for w in status.figures if w.isVisible())
    assert 8 + status.fontMetrics().horizontalAdvance(shown) <= room
    assert gui.window.grab().save(str(SCREENSHOTS / "status-bar-long-message.png"))
    status.clearMessage()
    gui.window.resize(1500, 560)  # room for all of it: said whole, no tooltip needed
    gui.settle()
    _drag(gui, view, ids["Load"], ids["Fetch"])
    gui.wait_until(lambda: status.currentMessage() == whole)
    assert status.toolTip() == ""
