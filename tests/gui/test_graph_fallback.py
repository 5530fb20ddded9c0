"""The graph draws each task's fallback: a dotted arrow, in a colour of its own, from the task
to the one that runs when it fails, said in the hint, the count and the arrow's tooltip (the
graph drew dependencies only, so which task runs when another fails was nowhere to see). A
fallback is set in the failing task's editor: Del on its arrow removes nothing."""

from __future__ import annotations

from pathlib import Path

from app.gui.qt import QApplication, QEvent, QHelpEvent, QPointF, Qt, QToolTip
from app.gui.widgets import display
from tests.gui.conftest import SCREENSHOTS, Gui, command_task
from tests.gui.test_graph import _show_graph, click_arrow, edge_point, press_and_answer


def test_a_task_s_fallback_is_a_dotted_arrow_to_it(gui: Gui, tmp_path: Path) -> None:
    s = gui.service
    alert = s.create_task(command_task("alert me")).id
    backup = s.create_task(command_task("backup", fallback="alert me")).id
    report = s.create_task(command_task("report", depends_on=["backup"])).id
    view = _show_graph(gui)
    canvas = view.canvas
    assert view.count.text() == "3 tasks, 1 dependency, 1 fallback"
    assert "dotted: falls back to" in view.hint.text()
    assert canvas.routes.fallbacks == {(backup, alert)}
    assert canvas.routes.waits == {(backup, report)}
    gui.settle()
    image = canvas.grab().toImage()
    shot = tmp_path / "graph-fallback.png"
    assert image.save(str(shot))
    assert gui.window.grab().save(str(tmp_path / "graph-fallback-window.png"))
    # drawn in the fallback's colour (the dependency's arrow is grey)
    colour = display.status_colour("retrying")  # (canvas.FALLBACK_COLOUR)

    def tinted(upstream: int, downstream: int) -> int:
        at = edge_point(view, upstream, downstream)
        return sum(1 for x in range(at.x() - 8, at.x() + 9) for y in range(at.y() - 4, at.y() + 5)
                   if abs(image.pixelColor(x, y).red() - colour.red()) < 40
                   and abs(image.pixelColor(x, y).green() - colour.green()) < 40
                   and abs(image.pixelColor(x, y).blue() - colour.blue()) < 40)

    assert tinted(backup, alert) >= 3, shot
    assert tinted(backup, report) == 0, shot
    at = edge_point(view, backup, alert)
    QApplication.sendEvent(canvas, QHelpEvent(QEvent.Type.ToolTip, at, canvas.mapToGlobal(at)))
    said = QToolTip.text()
    QToolTip.hideText()
    assert "<b>backup</b> falls back to <b>alert me</b>: “alert me” runs when “backup” fails" \
        in said, said
    assert "Del" not in said and "“backup”’s editor" in said, said
    # Del on the selected fallback arrow asks nothing and changes nothing
    click_arrow(gui, view, backup, alert)
    gui.qtbot.keyClick(canvas, Qt.Key.Key_Delete)
    gui.settle()
    assert QApplication.activeModalWidget() is None
    assert s.get_task("backup").spec.fallback == "alert me"
    assert len(s.list_tasks()) == 3


def test_a_dependency_that_closes_a_loop_through_a_fallback_is_drawn_and_removable(
        gui: Gui) -> None:
    """`report` waits for `fetch` and falls back to `alert`; then `fetch` is made to wait for
    `alert`: no cycle of dependencies (the service allows it), but a loop in the drawing.
    One of its arrows is laid out backwards: it was drawn nowhere (the count said 2
    dependencies, one arrow showed, and it could be neither pointed at nor removed). It runs
    from its upstream's left side back to its downstream's right side; the new dependency's
    arrow is clicked, and Del removes it."""
    s = gui.service
    fetch = s.create_task(command_task("fetch")).id
    alert = s.create_task(command_task("alert")).id
    report = s.create_task(command_task("report", depends_on=["fetch"], fallback="alert")).id
    s.update_task("fetch", {"depends_on": ["alert"]})
    view = _show_graph(gui)
    canvas = view.canvas
    assert view.count.text() == "3 tasks, 2 dependencies, 1 fallback"
    assert canvas.routes.waits == {(fetch, report), (alert, fetch)}
    assert set(canvas.routes.paths) == {(fetch, report), (report, alert), (alert, fetch)}
    backwards = []
    for up, down in canvas.routes.paths:  # each from a side of its upstream to its downstream
        route = canvas.route(up, down)
        start, end = route.pointAtPercent(0.0), route.pointAtPercent(1.0)
        if start.x() > end.x():  # the one laid out backwards: left side to right side
            backwards.append((up, down))
            assert abs(start.x() - canvas.rects[up].left()) < 1
            assert abs(end.x() - canvas.rects[down].right()) < 1
        else:
            assert abs(start.x() - canvas.rects[up].right()) < 1
            assert abs(end.x() - canvas.rects[down].left()) < 1
    assert len(backwards) == 1, backwards
    up, down = backwards[0]  # its head points left, out of the box it ends at (it pointed
    tip = canvas.route(up, down).pointAtPercent(1.0)  # right, into it, hidden under it)
    image = canvas.grab().toImage()
    background = image.pixelColor(canvas.to_view(tip + QPointF(7, 20)).toPoint())

    def inked(dx: float) -> int:  # pixels not background across the route, dx past its tip
        at = canvas.to_view(tip + QPointF(dx, 0)).toPoint()
        return sum(1 for dy in range(-8, 9) if image.pixelColor(at.x(), at.y() + dy)
                   != background)

    assert min(inked(5), inked(7), inked(9)) >= 6  # the head's back widens; the line alone
    # was ~3 (the head lay 10 units inside the box, under it)
    gui.settle()
    assert canvas.grab().save(str(SCREENSHOTS / "graph-loop-through-fallback.png"))
    click_arrow(gui, view, alert, fetch)
    press_and_answer(gui, view, "Remove dependency")
    gui.wait_until(lambda: s.get_task("fetch").spec.depends_on == ())
    gui.wait_until(lambda: set(view.canvas.routes.paths) == {(fetch, report), (report, alert)})
