"""The graph canvas by mouse: dragging the background (with the middle button, anywhere)
pans, dragging from one task to another asks to make the second wait for the first (a line
follows the pointer and the target is outlined), a click selects a task or an arrow. The
canvas hands its presses, moves and releases here, as its keys go to `graph.keys`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from app.gui.graph.scene import Key
from app.gui.qt import QApplication, QMouseEvent, QPointF, Qt


class Pointed(Protocol):
    """What of the canvas the mouse uses (the canvas is one)."""

    offset: QPointF
    fitted: bool

    def node_at(self, pos: QPointF) -> int: ...
    def edge_at(self, pos: QPointF) -> Key | None: ...
    def select(self, node: int) -> None: ...
    def select_edge(self, edge: Key | None) -> None: ...
    def setCursor(self, cursor: Qt.CursorShape) -> None: ...
    def update(self) -> None: ...


class Pointer:
    """The mouse's press, pan and drag on one canvas; `connect(upstream, downstream)` is
    asked when a drag ends on another task."""

    def __init__(self, canvas: Pointed, connect: Callable[[int, int], None]) -> None:
        self.canvas = canvas
        self.connect = connect
        self.press: QPointF | None = None  # where the button went down (panning: last seen)
        self.press_node = -1  # the task pressed on
        self.panning = False
        self.drag_from = -1  # dragging from this task (-1: no drag)
        self.drag_to = -1  # onto this one (-1: none)
        self.at = QPointF()  # where a drag's line ends

    def pressed(self, event: QMouseEvent) -> None:
        pos = event.position()
        if event.button() == Qt.MouseButton.LeftButton:
            self.press = pos
            self.press_node = self.canvas.node_at(pos)
            self.panning = self.press_node < 0
            if self.panning:
                self.canvas.setCursor(Qt.CursorShape.ClosedHandCursor)
        elif event.button() == Qt.MouseButton.MiddleButton:
            self.press, self.press_node, self.panning = pos, -1, True
        event.accept()

    def moved(self, event: QMouseEvent) -> None:
        canvas, pos = self.canvas, event.position()
        if self.press is None:
            over = canvas.node_at(pos)
            canvas.setCursor(Qt.CursorShape.PointingHandCursor if over >= 0
                             else Qt.CursorShape.OpenHandCursor)
            return
        if self.panning:
            canvas.offset += pos - self.press
            canvas.fitted = False
            self.press = pos
            canvas.update()
            return
        if self.drag_from < 0 and self.press_node >= 0 and self._moved(pos):
            self.drag_from = self.press_node
            canvas.setCursor(Qt.CursorShape.CrossCursor)
        if self.drag_from >= 0:
            self.at = pos
            target = canvas.node_at(pos)
            self.drag_to = target if target != self.drag_from else -1
            canvas.update()

    def released(self, event: QMouseEvent) -> None:
        canvas, pos = self.canvas, event.position()
        was_drag = self.drag_from >= 0
        if was_drag and self.drag_to >= 0:
            self.connect(self.drag_from, self.drag_to)
        elif not was_drag and self.press is not None and not self._moved(pos):
            node = canvas.node_at(pos)
            if node >= 0:
                canvas.select(node)
            else:
                canvas.select_edge(canvas.edge_at(pos))
        self.press = None
        self.panning = False
        self.drag_from = self.drag_to = -1
        canvas.setCursor(Qt.CursorShape.ArrowCursor)
        canvas.update()

    def _moved(self, pos: QPointF) -> bool:
        if self.press is None:
            return False
        return (pos - self.press).manhattanLength() >= QApplication.startDragDistance()
