"""Where things are in the laid-out graph, in scene units: a coarse grid of the task boxes
(which task is under the pointer, which are on screen) and each arrow's route (which arrow is
under the pointer, and the highlighted ones: a selected task's arrows, a selected arrow).

An arrow's hit test strokes only the routes whose bounds are within reach of the point, and
runs on a click or a tooltip, never on a plain mouse move, so panning costs nothing more.
"""

from __future__ import annotations

import math
from typing import cast

from app.gui.graph.paint import head
from app.gui.qt import (
    QColor,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPen,
    QPointF,
    QPolygonF,
    QRectF,
    Qt,
)

Key = tuple[int, int]  # (upstream id, downstream id)
Coords = tuple[float, float, float, float]  # left, top, right, bottom
SAMPLES = 48  # points along a route to measure which of two near arrows is nearer
CELL = 400.0  # the task grid's cells, in scene units


class NodeGrid:
    """The task boxes bucketed by grid cell."""

    def __init__(self, rects: dict[int, QRectF] | None = None) -> None:
        self.rects = rects or {}
        self.cells: dict[tuple[int, int], list[int]] = {}
        cells = self.cells
        for node, r in self.rects.items():
            left, top, right, bottom = cast(Coords, r.getCoords())  # (one call, not four)
            for cx in range(int(left // CELL), int(right // CELL) + 1):
                for cy in range(int(top // CELL), int(bottom // CELL) + 1):
                    found = cells.get((cx, cy))
                    if found is None:
                        cells[(cx, cy)] = [node]
                    else:
                        found.append(node)
        xs, ys = {x for x, _ in self.cells}, {y for _, y in self.cells}
        self.bounds = QRectF(min(xs) * CELL, min(ys) * CELL, (max(xs) - min(xs) + 1) * CELL,
                             (max(ys) - min(ys) + 1) * CELL) if self.cells else QRectF()

    def at(self, scene: QPointF) -> int:
        """The task whose box holds a point (-1: none)."""
        for node in self.cells.get((int(scene.x() // CELL), int(scene.y() // CELL)), ()):
            if self.rects[node].contains(scene):
                return node
        return -1

    def within(self, area: QRectF) -> list[int]:
        """The tasks whose boxes meet an area."""
        if area.contains(self.bounds):  # every cell: all (each tested, 80 ms with 100,000)
            return list(self.rects)
        cells = ((area.width() // CELL) + 2) * ((area.height() // CELL) + 2)
        if cells > 4 * len(self.cells):
            return [n for n, r in self.rects.items() if area.intersects(r)]
        seen: set[int] = set()
        out: list[int] = []
        for cx in range(int(area.left() // CELL), int(area.right() // CELL) + 1):
            for cy in range(int(area.top() // CELL), int(area.bottom() // CELL) + 1):
                for n in self.cells.get((cx, cy), ()):
                    if n not in seen and area.intersects(self.rects[n]):
                        seen.add(n)
                        out.append(n)
        return out


class EdgeRoutes:
    """Each edge's curve, in scene units, by (upstream, downstream)."""

    def __init__(self) -> None:
        self.paths: dict[Key, QPainterPath] = {}
        self.triggers: set[Key] = set()  # with a dashed arrow: "runs after"
        self.waits: set[Key] = set()  # with a solid one: "waits for" (a pair may have both)
        self.fallbacks: set[Key] = set()  # with a dotted one: "falls back to"

    def sort_kinds(self, edges: list[tuple[Key, str]]) -> None:
        """Which arrows wait, run after, fall back (edges: each pair with its kind)."""
        kinds: dict[str, set[Key]] = {"wait": set(), "trigger": set(), "fallback": set()}
        for key, kind in edges:
            kinds.get(kind, kinds["wait"]).add(key)
        self.waits, self.triggers = kinds["wait"], kinds["trigger"]
        self.fallbacks = kinds["fallback"]

    def kinds_of(self, edge: Key | None) -> tuple[bool, bool, bool]:
        """Whether an arrow runs after, waits for and falls back to (none: no arrow)."""
        return edge in self.triggers, edge in self.waits, edge in self.fallbacks

    def removable(self, edge: Key) -> bool:
        """Whether an arrow is a dependency (Del removes it), not only a fallback (which the
        failing task's editor sets)."""
        return edge in self.waits or edge in self.triggers

    def at(self, scene: QPointF, reach: float) -> Key | None:
        """The arrow passing within `reach` (scene units) of a point, the nearest if several."""
        stroker = QPainterPathStroker()
        stroker.setWidth(2 * reach)
        best: Key | None = None
        nearest = math.inf
        for key, path in self.paths.items():
            if not path.controlPointRect().adjusted(-reach, -reach, reach, reach).contains(
                    scene):
                continue
            if not stroker.createStroke(path).contains(scene):
                continue
            distance = min(math.dist((scene.x(), scene.y()), (p.x(), p.y()))
                           for p in (path.pointAtPercent(i / SAMPLES)
                                     for i in range(SAMPLES + 1)))
            if distance < nearest:
                best, nearest = key, distance
        return best

    def paint_highlighted(self, p: QPainter, colour: QColor, node: int,
                          edge: Key | None) -> None:
        """The arrows of the selected task, and the selected arrow bolder with its head; a
        "runs after" arrow stays dashed, a "falls back to" one dotted, as the legend says
        (drawn solid, it read as "waits for" while selected; a run-through under X)."""
        pen = QPen(colour, 2.6)
        pen.setCosmetic(True)
        p.setBrush(Qt.BrushStyle.NoBrush)

        def draw(key: Key, path: QPainterPath) -> None:
            pen.setStyle(Qt.PenStyle.SolidLine if key in self.waits else
                         Qt.PenStyle.DashLine if key in self.triggers else Qt.PenStyle.DotLine)
            p.setPen(pen)
            p.drawPath(path)

        if node >= 0:
            for key, path in self.paths.items():
                if node in key:
                    draw(key, path)
        chosen = self.paths.get(edge) if edge is not None else None
        if chosen is None or edge is None:
            return
        pen.setWidthF(4.5)
        draw(edge, chosen)
        last = chosen.elementCount() - 1
        route = [(chosen.elementAt(i).x, chosen.elementAt(i).y) for i in (last - 1, last)]
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(colour)
        p.drawPolygon(QPolygonF(head(route)))
