"""The Graph of a home of many tasks draws only the boxes on screen, and, zoomed so far out
that a box is a few pixels, draws them filled without their outline: every box of 100,000
was drawn, outlined, at each repaint (110 ms zoomed in, 220 ms fitted, with every box also
tested against the screen), so each pan step, zoom or click stalled the window (2026-12-07).
Counted, not timed: the boxes handed to the painter at each repaint."""

from __future__ import annotations

from typing import Any

import pytest

from app.gui.graph import canvas as canvas_module
from app.gui.qt import QPointF, QRectF, Qt
from tests.gui.conftest import Gui
from tests.gui.test_many_tasks import insert_tasks

TASKS = 10_000


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, bool]]:
    """At each repaint: how many boxes were drawn, and whether filled without outline (the
    boxes are drawn as ever)."""
    real = canvas_module.paint_boxes
    seen: list[tuple[int, bool]] = []

    def counted(p: Any, groups: dict[str, list[Any]], *args: Any) -> None:
        solid = bool(args[2]) if len(args) > 2 else False  # (base, dark, solid)
        seen.append((sum(len(rects) for rects in groups.values()), solid))
        real(p, groups, *args)

    monkeypatch.setattr(canvas_module, "paint_boxes", counted)
    return seen


def _graph_of_many(gui: Gui) -> Any:
    """The Graph (Ctrl+3) of TASKS tasks, laid out and fitted in a 1200×800 window."""
    insert_tasks(gui.store, TASKS)
    view = gui.window.graph_view
    gui.window.resize(1200, 800)
    gui.qtbot.keyClick(gui.window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    gui.wait_until(lambda: view.loaded and not view.loading and len(view.canvas.rects) == TASKS)
    gui.quiet()
    return view


def test_only_the_boxes_on_screen_are_drawn(gui: Gui, drawn: list[tuple[int, bool]]) -> None:
    view = _graph_of_many(gui)
    canvas = view.canvas
    canvas.repaint()
    assert canvas.scale * 40 < 6  # fitted: a box is a few pixels tall
    assert drawn[-1] == (TASKS, True)  # all on screen, filled

    gui.qtbot.mouseClick(view.task, Qt.MouseButton.LeftButton)
    gui.qtbot.keyClicks(view.task, "task 005000")
    gui.qtbot.keyClick(view.task, Qt.Key.Key_Return)  # found: centred at a readable zoom
    gui.wait_until(lambda: canvas.selected >= 0 and canvas.scale >= 0.8)
    gui.quiet()
    canvas.repaint()
    area = QRectF(canvas.to_scene(QPointF(0, 0)),
                  canvas.to_scene(QPointF(canvas.width(), canvas.height())))
    on_screen = sum(area.intersects(box) for box in canvas.rects.values())
    assert 0 < on_screen < 200
    assert drawn[-1] == (on_screen, False)  # outlined, only those


def test_badges_are_looked_for_only_where_a_box_is_more_than_its_colour(
        gui: Gui, monkeypatch: pytest.MonkeyPatch) -> None:
    """Far out (boxes filled, a few pixels tall) a box's colour is all there is of it: every
    task on screen was looked at for a running or waiting badge at each repaint, for a badge
    of 2 px at most (5 ms of a 27 ms repaint of 100,000 tasks)."""
    from datetime import UTC, datetime

    from app.engine.events import RunChanged

    real = canvas_module.paint_badges
    looked: list[list[int]] = []  # at each repaint: the tasks looked at for a badge

    def counted(p: Any, labels: Any, nodes: Any, rects: Any, visible: list[int],
                dark: bool) -> None:
        looked.append(list(visible))
        real(p, labels, nodes, rects, visible, dark)

    monkeypatch.setattr(canvas_module, "paint_badges", counted)
    view = _graph_of_many(gui)
    canvas = view.canvas
    assert view.data is not None
    busy = view.data.ids_by_name()["task 005000"]
    view.on_runs_changed([RunChanged(99, busy, "task 005000", "running", datetime.now(UTC))])
    looked.clear()
    canvas.repaint()
    assert canvas.scale * 40 < 6  # fitted: a box is a few pixels tall, its colour running
    assert looked == []

    gui.qtbot.mouseClick(view.task, Qt.MouseButton.LeftButton)
    gui.qtbot.keyClicks(view.task, "task 005000")
    gui.qtbot.keyClick(view.task, Qt.Key.Key_Return)  # found: centred at a readable zoom
    gui.wait_until(lambda: canvas.selected == busy and canvas.scale >= 0.8)
    gui.quiet()
    canvas.repaint()
    assert busy in looked[-1] and len(looked[-1]) < 200  # its badge: the tasks on screen
