"""An edit that leaves the Graph drawn alike (the tasks' names, switches, schedule kinds and
arrows as they were: a description, a command, a time) keeps the graph the window holds:
read again on a pool thread, only the tasks whose runs changed are taken into it. A new
graph of every task was handed to the GUI thread at each such edit: with 100,000 tasks,
100,000 objects more for its collector to walk and keep past its collections (with the
guard of app/gui/collector.py, what made full collections due), and the old graph freed
there at once.

Decided by what the window holds (the same graph, the same task objects), not by time."""

from __future__ import annotations

from datetime import UTC, datetime

from app.store.models import RunRow
from tests.gui.conftest import Gui
from tests.gui.test_graph_drawn_off_thread import TASKS, _drawn, _fill, _home, _near, _tinted


def test_an_edit_that_leaves_the_graph_drawn_alike_keeps_the_graph_shown(gui: Gui) -> None:
    ids = _home(gui)
    view = gui.window.graph_view
    canvas = view.canvas
    gui.window.resize(1200, 800)
    gui.window.show_view(2)
    _drawn(gui, view)
    held, drawing = view.data, canvas.drawing
    assert held is not None
    alone, busy, edited = ids[TASKS - 1], ids[TASKS - 3], ids[TASKS - 2]
    nodes = {n: held.nodes[n] for n in (alone, busy, edited)}

    # another process ran two tasks (one failed, one still runs) and edited a third
    now = datetime.now(UTC)
    with gui.store.write():
        RunRow.insert(task=alone, scheduled_for=now, attempt=1, trigger="manual",
                      status="failed", queued_at=now, started_at=now, finished_at=now,
                      exit_code=1).execute()
        running = RunRow.insert(task=busy, scheduled_for=now, attempt=1, trigger="manual",
                                status="running", queued_at=now, started_at=now).execute()
    gui.service.update_task(edited, {"description": "changed elsewhere"})
    view.on_changed()
    gui.wait_until(lambda: view.data is not None
                   and view.data.nodes[alone].last_status == "failed")
    gui.quiet()

    assert view.data is held and canvas.drawing is drawing  # no new graph, not drawn anew
    assert all(held.nodes[n] is node for n, node in nodes.items())
    assert held.nodes[busy].active == {running: "running"}
    assert held.nodes[busy].running == 1
    assert held.nodes[edited].last_status is None  # (its edit is not a run)
    assert _near(_fill(gui, canvas, alone), _tinted(canvas, "failed"))
    assert _near(_fill(gui, canvas, busy), _tinted(canvas, "running"))

    # its run ended: read again, the task is no longer busy
    with gui.store.write():
        RunRow.update(status="succeeded", finished_at=now, exit_code=0).where(
            RunRow.id == running).execute()
    view.on_changed()
    gui.wait_until(lambda: view.data is not None and not view.data.nodes[busy].active)
    assert view.data is held and held.nodes[busy].last_status == "succeeded"
