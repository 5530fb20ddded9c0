"""The graph draws each task's fallback: a dotted arrow, in a colour of its own, from the task
to the one that runs when it fails, said in the hint, the count and the arrow's tooltip (the
graph drew dependencies only, so which task runs when another fails was nowhere to see). A
fallback is set in the failing task's editor: Del on its arrow removes nothing."""

from __future__ import annotations

from pathlib import Path

from app.gui.qt import QApplication, QEvent, QHelpEvent, Qt, QToolTip
from app.gui.widgets import display
from tests.gui.conftest import Gui, command_task
from tests.gui.test_graph import _show_graph, click_arrow, edge_point


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
