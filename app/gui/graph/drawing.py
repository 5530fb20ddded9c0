"""The laid-out graph made ready to paint, built on a pool thread beside the layout.

`build` makes every task's box, the grid that finds the box under the pointer, each arrow's
prepared paths and the boxes by the status their colour shows; the GUI thread is handed the
`Drawing` and only shows it. Built there, with 100,000 tasks, these stalled the window
350–730 ms each time the whole graph was shown (the grid 250–320 ms, the boxes 130 ms, the
arrows 140 ms, the colour groups 66–80 ms): at first, on coming back to it from a task's
neighbours, and after each change of a task or an arrow.

Only Qt value types (QRectF, QPainterPath: no QObject), made on one thread and then read on
the GUI thread alone. Statuses change afterwards in place there: a task whose status changed
has its box moved from one colour's list to the other (`StatusBoxes.move`), where regrouping
all 100,000 took 66–80 ms at each batch of run events. A drawing no longer shown is freed
there too, a slice a turn of the event loop (`Leaving`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from app.gui.graph.data import Edge, GraphData, Node
from app.gui.graph.layout import Layout
from app.gui.graph.paint import NEVER, EdgeTiles, count_words
from app.gui.graph.scene import EdgeRoutes, NodeGrid
from app.gui.qt import QObject, QRectF, QTimer

SLICE = 2_000  # boxes (or arrows) of a drawing no longer shown freed a turn: ~1 ms


def colour_of(node: Node | None) -> str:
    """The status a task's box is coloured by (NEVER: it has never run)."""
    return (node.last_status or NEVER) if node is not None else NEVER


def colours(data: GraphData, ids: Iterable[int]) -> dict[int, str]:
    """These tasks' colours in `data`."""
    nodes = data.nodes
    return {n: colour_of(nodes.get(n)) for n in ids}


class StatusBoxes:
    """The task boxes by the status their colour shows, each colour's a list `drawRects`
    takes as it is. A task whose colour changes leaves its list (the list's last box takes
    its place) for the other's end: no list is walked, whatever its length."""

    def __init__(self, rects: Mapping[int, QRectF], status: Mapping[int, str]) -> None:
        self.rects = rects
        self.status: dict[int, str] = {}  # each task's colour
        self.groups: dict[str, list[QRectF]] = {}  # the boxes of each colour
        self._members: dict[str, list[int]] = {}  # their tasks, in the same order
        self._slot: dict[int, int] = {}  # where a task's box is in its colour's list
        for node in rects:
            self._add(node, status.get(node, NEVER))

    def _add(self, node: int, colour: str) -> None:
        members = self._members.setdefault(colour, [])
        self._slot[node] = len(members)
        members.append(node)
        self.groups.setdefault(colour, []).append(self.rects[node])
        self.status[node] = colour

    def move(self, node: int, colour: str) -> bool:
        """Colour a task's box anew; whether it changed (a task not drawn: never)."""
        old = self.status.get(node)
        if old is None or old == colour:
            return False
        members, boxes = self._members[old], self.groups[old]
        slot = self._slot[node]
        last, box = members.pop(), boxes.pop()
        if last != node:  # the last box fills the hole
            members[slot], boxes[slot] = last, box
            self._slot[last] = slot
        if not members:
            del self._members[old], self.groups[old]
        self._add(node, colour)
        return True

    def drop_groups(self) -> None:
        """Let go of the lists (no longer drawn)."""
        self.groups, self._members, self._slot = {}, {}, {}


@dataclass
class Drawing:
    """What the canvas paints and hit-tests, in scene units."""

    rects: dict[int, QRectF] = field(default_factory=dict)  # each task's box
    edges: list[Edge] = field(default_factory=list)
    grid: NodeGrid = field(default_factory=NodeGrid)
    tiles: EdgeTiles = field(default_factory=EdgeTiles)
    routes: EdgeRoutes = field(default_factory=EdgeRoutes)
    boxes: StatusBoxes = field(default_factory=lambda: StatusBoxes({}, {}))
    width: float = 0.0
    height: float = 0.0
    counted: str = field(default_factory=lambda: count_words(0, []))  # "3 tasks, 1 dependency"

    def let_go(self, most: int) -> bool:
        """Free up to `most` of its boxes, then of its arrows' paths (it is no longer shown);
        whether any is left."""
        self.boxes.drop_groups()
        for kept in (self.rects, self.routes.paths):
            while kept and most > 0:
                kept.popitem()
                most -= 1
        return bool(self.rects or self.routes.paths)


class Leaving(QObject):
    """Drawings no longer shown, freed a slice a turn of the event loop: a drawing of 100,000
    tasks freed at once held the GUI thread 30–35 ms (90–100 ms on a busy machine) as the
    whole graph gave way to a task's neighbours or to its next drawing."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._drawings: list[Drawing] = []

    def add(self, drawing: Drawing) -> None:
        self._drawings.append(drawing)
        if len(self._drawings) == 1:
            QTimer.singleShot(0, self, self._next)

    def _next(self) -> None:
        if not self._drawings[0].let_go(SLICE):
            self._drawings.pop(0)
        if self._drawings:
            QTimer.singleShot(0, self, self._next)


def build(data: GraphData, laid: Layout[int], edges: list[Edge]) -> Drawing:
    """The drawing of a layout of `data` (on a pool thread: nothing here is shown yet)."""
    w, h = laid.node_w, laid.node_h
    rects = {n: QRectF(x, y, w, h) for n, (x, y) in laid.positions.items()}
    tiles = EdgeTiles()
    routes = EdgeRoutes()
    routes.sort_kinds([((e.upstream, e.downstream), e.kind) for e in edges])
    routes.paths = {key: tiles.add(points, key in routes.triggers, key in routes.waits,
                                   key in routes.fallbacks)
                    for key, points in laid.routes.items()}
    return Drawing(rects, edges, NodeGrid(rects), tiles, routes,
                   StatusBoxes(rects, colours(data, rects)), laid.width, laid.height,
                   count_words(len(rects), edges))
