"""The Graph of a home of many tasks is drawn off the GUI thread: every task's box, the grid
that finds them, the arrows' paths and the boxes by colour are built on a pool thread beside
the layout and handed to the window ready to show; run events recolour only their tasks'
boxes, and a re-read only the boxes whose colour changed. With 100,000 tasks, building them
on the GUI thread stalled the window 350–730 ms at each showing of the whole graph (at
first, back from a task's neighbours, after a change of a task or an arrow), and regrouping
every box by colour took 66–80 ms at each batch of run events (2026-12-07).

Counted, not timed: the lines of Tickwork's code the GUI thread runs to take each result in
(a few hundred at most, where building there ran several a task); and the colours drawn."""

from __future__ import annotations

import itertools
import random
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from app.engine.events import RunChanged
from app.gui.graph.drawing import SLICE, StatusBoxes
from app.gui.graph.paint import NEVER
from app.gui.qt import QColor, QPalette, QPointF, QRectF, QTimer, is_dark
from app.gui.widgets import display
from app.store.models import Dependency, RunRow, TaskRow
from tests.gui.conftest import Gui
from tests.gui.test_many_tasks import insert_tasks

TASKS = 3_000
LINKED = 600  # the first tasks, in chains of three
MOST = TASKS // 10  # lines the GUI thread may run to take a result in: none a task
APP = str(Path(__file__).resolve().parents[2] / "app")


class Lines:
    """Lines of Tickwork's code (app/) run on this thread, in `counting`, or while the
    results of work on the pool are handed over to it (`Background._on_finished`)."""

    def __init__(self) -> None:
        self.handed = 0  # in the hand-overs
        self.counted = 0  # in `counting`
        self._depth = 0
        self._all = False

    def _trace(self, frame: FrameType, event: str, _arg: Any) -> Any:
        code = frame.f_code
        if code.co_name == "_on_finished" and code.co_filename.endswith("background.py"):
            self._depth += 1
            return self._top
        if (self._depth or self._all) and code.co_filename.startswith(APP):
            return self._line
        return None

    def _top(self, frame: FrameType, event: str, _arg: Any) -> Any:
        if event == "return":
            self._depth -= 1
            return None
        self._line(frame, event, _arg)
        return self._top

    def _line(self, frame: FrameType, event: str, _arg: Any) -> Any:
        if event == "line":
            if self._depth:
                self.handed += 1
            else:
                self.counted += 1
        return self._line if event != "return" else None

    @contextmanager
    def handing(self) -> Iterator[Lines]:
        """Count the lines run in hand-overs (this thread only: it is the GUI's)."""
        before = sys.gettrace()
        self.handed = 0
        sys.settrace(self._trace)
        try:
            yield self
        finally:
            sys.settrace(before)

    @contextmanager
    def counting(self) -> Iterator[Lines]:
        """Count every line of Tickwork's code run on this thread meanwhile."""
        self._all, self.counted = True, 0
        with self.handing():
            yield self
        self._all = False


def _home(gui: Gui) -> list[int]:
    insert_tasks(gui.store, TASKS)
    ids = [int(i) for (i,) in TaskRow.select(TaskRow.id).order_by(TaskRow.id).tuples()]
    rows = [{"task": ids[i + 1], "upstream": ids[i], "kind": "wait"}
            for i in range(LINKED) if i % 3 != 2]
    with gui.store.write():
        Dependency.insert_many(rows).execute()
    return ids


def _drawn(gui: Gui, view: Any, tasks: int = TASKS) -> None:
    gui.wait_until(lambda: view.loaded and not view.loading and not view._laying
                   and len(view.canvas.rects) == tasks)
    gui.quiet()


def _fill(gui: Gui, canvas: Any, task: int) -> QColor:
    """The colour inside a task's box, left of its name, shown centred at a readable zoom."""
    canvas.center_on(task)
    gui.quiet()
    rect = canvas.rects[task]
    at = canvas.to_view(QPointF(rect.left() + 4, rect.center().y())).toPoint()
    return canvas.grab().toImage().pixelColor(at)


def _tinted(canvas: Any, status: str) -> QColor:
    """A box's fill in a status's colour (app/gui/graph/paint.py `paint_boxes`)."""
    base = canvas.palette().color(QPalette.ColorRole.Base)
    dark = is_dark(canvas.palette())
    return display.blend(base, display.status_colour(status, dark), 0.22 if dark else 0.14)


def _near(a: QColor, b: QColor) -> bool:
    return all(abs(x - y) <= 3 for x, y in zip(a.getRgb()[:3], b.getRgb()[:3], strict=True))


def test_the_whole_graph_is_handed_over_drawn(gui: Gui) -> None:
    ids = _home(gui)
    view, lines = gui.window.graph_view, Lines()
    canvas = view.canvas
    gui.window.resize(1200, 800)
    with lines.handing():
        gui.window.show_view(2)
        _drawn(gui, view)
    assert 0 < lines.handed < MOST, lines.handed  # first shown

    view.show_closure(ids[1], "both")  # a task's neighbours, then the whole graph again
    gui.wait_until(lambda: len(canvas.rects) == 3)
    gui.quiet()
    with lines.handing():
        view.scope.setCurrentIndex(0)
        _drawn(gui, view)
    assert 0 < lines.handed < MOST, lines.handed

    # another process ran a task and changed another's description: read again, recoloured
    alone = ids[TASKS - 1]  # (no arrow: the drawing stays as it was)
    assert _near(_fill(gui, canvas, alone), _tinted(canvas, "scheduled"))  # never run
    now = datetime.now(UTC)
    with gui.store.write():
        RunRow.insert(task=alone, scheduled_for=now, attempt=1, trigger="manual",
                      status="failed", queued_at=now, started_at=now, finished_at=now,
                      exit_code=1).execute()
    drawn = canvas.rects
    with lines.handing():
        gui.service.update_task(ids[TASKS - 2], {"description": "changed elsewhere"})
        view.on_changed()
        gui.wait_until(lambda: view.data.nodes[alone].last_status == "failed")
        gui.quiet()
    assert canvas.rects is drawn  # not laid out again
    assert 0 < lines.handed < MOST, lines.handed
    assert _near(_fill(gui, canvas, alone), _tinted(canvas, "failed"))

    # an arrow added: laid out and drawn again, off the GUI thread
    with lines.handing():
        gui.service.update_task(ids[TASKS - 2], {"depends_on": [f"task {TASKS - 1:06d}"]})
        view.on_changed()
        gui.wait_until(lambda: canvas.rects is not drawn)
        _drawn(gui, view)
    assert 0 < lines.handed < MOST, lines.handed
    assert (alone, ids[TASKS - 2]) in canvas.routes.paths


def test_run_events_recolour_only_their_tasks(gui: Gui) -> None:
    ids = _home(gui)
    view, lines = gui.window.graph_view, Lines()
    canvas = view.canvas
    gui.window.resize(1200, 800)
    gui.window.show_view(2)
    _drawn(gui, view)
    busy = ids[1000:1020]
    with lines.counting():
        view.on_runs_changed([RunChanged(100 + k, task, f"task {k}", "running", datetime.now(UTC))
                              for k, task in enumerate(busy)])
    assert lines.counted < 50 * len(busy), lines.counted  # (regrouping all: 3 a task drawn)
    assert _near(_fill(gui, canvas, busy[7]), _tinted(canvas, "running"))
    with lines.counting():
        view.on_runs_changed([RunChanged(100 + k, task, f"task {k}", "succeeded",
                                         datetime.now(UTC)) for k, task in enumerate(busy)])
    assert lines.counted < 50 * len(busy), lines.counted
    assert _near(_fill(gui, canvas, busy[7]), _tinted(canvas, "succeeded"))
    assert _near(_fill(gui, canvas, ids[1020]), _tinted(canvas, "scheduled"))  # never run


def test_a_drawing_no_longer_shown_is_freed_a_slice_a_turn(gui: Gui) -> None:
    """Freed at once, the whole graph's drawing held the GUI thread 30–35 ms with 100,000
    tasks (90–100 ms on a busy machine) as a task's neighbours replaced it."""
    ids = _home(gui)
    view, canvas = gui.window.graph_view, gui.window.graph_view.canvas
    gui.window.resize(1200, 800)
    gui.window.show_view(2)
    _drawn(gui, view)
    left = canvas.rects  # the whole graph's boxes
    seen: list[int] = []  # how many are left, at each turn of the event loop
    turns = QTimer()
    turns.setInterval(0)
    turns.timeout.connect(lambda: seen.append(len(left)))
    turns.start()
    view.show_closure(ids[1], "both")
    gui.wait_until(lambda: len(canvas.rects) == 3 and not left)
    turns.stop()
    freed = [a - b for a, b in itertools.pairwise(seen) if a != b]
    assert sum(freed) == TASKS and max(freed) <= SLICE, freed


def test_a_box_moved_to_another_colour_is_drawn_in_that_one_only() -> None:
    rects = {n: QRectF(n * 200.0, 0, 180, 40) for n in range(40)}
    boxes = StatusBoxes(rects, {n: "failed" for n in range(5)})
    truth = {n: "failed" if n < 5 else NEVER for n in rects}
    rnd = random.Random(5)
    for _ in range(400):
        node, colour = rnd.randrange(40), rnd.choice((NEVER, "running", "failed", "succeeded"))
        assert boxes.move(node, colour) == (truth[node] != colour)
        truth[node] = colour
        drawn = {c: sorted(box.x() for box in group) for c, group in boxes.groups.items()}
        assert drawn == {c: sorted(rects[n].x() for n in rects if truth[n] == c)
                         for c in set(truth.values())}
    assert boxes.status == truth
    assert not boxes.move(99, "failed")  # a task not drawn
