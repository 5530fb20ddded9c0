"""Drawing pieces of the dependency graph: node labels and badges, edge curves and
arrowheads, tooltips, and the graph in words for a screen reader. Separate from `canvas`
(which owns the view and the mouse)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping

from app.gui.graph.data import Edge, GraphData, Node
from app.gui.qt import (
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPainterPath,
    QPen,
    QPointF,
    QPolygonF,
    QRectF,
    Qt,
)
from app.gui.widgets import display

TILE = 1500.0  # scene units per edge tile
NEVER = "never"  # the status of a task that has never run, as its box is grouped
BOTH_GAP = 6.0  # scene units between the two arrows of a pair that waits and runs after


class EdgeTiles:
    """The edges in prepared paths, bucketed by where they are, so a zoomed-in view strokes
    only the edges near it (stroking all 2,000 curves cost ~17 ms a repaint). Each bucket
    also has a polyline version, used when zoomed out: curves are then too small to see.
    A fallback's arrow ("falls back to") is dotted, in a colour of its own, arrowhead too."""

    def __init__(self) -> None:
        # tile -> [wait curves, trigger curves, arrows, wait lines, trigger lines,
        #          fallback curves, fallback lines, fallback arrows]
        self.tiles: dict[tuple[int, int], list[QPainterPath]] = {}
        self.bounds: dict[tuple[int, int], QRectF] = {}

    def add(self, points: list[tuple[float, float]], trigger: bool,
            wait: bool = True, fallback: bool = False) -> QPainterPath:
        """Add one pair's route: solid when the downstream waits for the upstream, dashed
        when it runs after it — both, side by side, when it does both — and dotted when it
        is the upstream's fallback (above the others). Returns the curve (for
        highlighting)."""
        xs = [x for x, _ in points]
        ys = [y for _, y in points]
        key = (int((min(xs) + max(xs)) / 2 // TILE), int((min(ys) + max(ys)) / 2 // TILE))
        tile = self.tiles.get(key)
        if tile is None:
            tile = self.tiles[key] = [QPainterPath() for _ in range(8)]
            # heads meet where several arrows end at one task: even-odd filling (a path's
            # default) would cancel them out where they overlap, leaving faint outlines
            tile[2].setFillRule(Qt.FillRule.WindingFill)
            tile[7].setFillRule(Qt.FillRule.WindingFill)
        path = curve(points)

        def stroke(route: list[tuple[float, float]], style: int) -> None:
            # style: 0 solid, 1 dashed, 2 dotted
            tile[(0, 1, 5)[style]].addPath(path if route is points else curve(route))
            tile[7 if style == 2 else 2].addPolygon(QPolygonF(head(route)))
            lines = QPainterPath(QPointF(*route[0]))
            for x, y in route[1:]:
                lines.lineTo(x, y)
            tile[(3, 4, 6)[style]].addPath(lines)

        if wait:
            stroke(points, 0)
        if trigger:  # beside the solid one when there is one
            stroke([(x, y + BOTH_GAP) for x, y in points] if wait else points, 1)
        if fallback:  # above the others when there are any
            stroke([(x, y - BOTH_GAP) for x, y in points] if wait or trigger else points, 2)
        box = QRectF(min(xs), min(ys) - 6 - BOTH_GAP * fallback, max(xs) - min(xs),
                     max(ys) - min(ys) + 12 + BOTH_GAP * ((wait and trigger) + fallback))
        self.bounds[key] = self.bounds[key].united(box) if key in self.bounds else box
        return path

    def paint(self, p: QPainter, area: QRectF, colour: QColor, detailed: bool,
              fallback_colour: QColor) -> None:
        pen = QPen(colour, 1.3)
        pen.setCosmetic(True)
        dashed = QPen(pen)
        dashed.setStyle(Qt.PenStyle.DashLine)
        dotted = QPen(fallback_colour, 1.6)
        dotted.setCosmetic(True)
        dotted.setStyle(Qt.PenStyle.DotLine)
        for key, tile in self.tiles.items():
            if not self.bounds[key].intersects(area):
                continue
            p.setBrush(Qt.BrushStyle.NoBrush)
            for curves, lines, style in ((0, 3, pen), (1, 4, dashed), (5, 6, dotted)):
                if not tile[curves].isEmpty():
                    p.setPen(style)
                    p.drawPath(tile[curves] if detailed else tile[lines])
            p.setPen(Qt.PenStyle.NoPen)
            for arrows, fill in ((2, colour), (7, fallback_colour)):
                if not tile[arrows].isEmpty():
                    p.setBrush(fill)
                    p.drawPath(tile[arrows])


class Labels:
    """Fonts in scene units and elided names, cached per node until the next layout."""

    def __init__(self, base: QFont, px: float) -> None:
        self.font = QFont(base)
        self.font.setPixelSize(int(px))
        self.small = QFont(base)
        self.small.setPixelSize(int(px * 0.8))
        self.bold = QFont(self.small)
        self.bold.setBold(True)
        self._metrics = QFontMetrics(self.font)
        self._elided: dict[int, str] = {}

    def elided(self, node: int, name: str, width: float) -> str:
        text = self._elided.get(node)
        if text is None:
            text = self._elided[node] = self._metrics.elidedText(
                name, Qt.TextElideMode.ElideRight, int(width))
        return text

    def forget(self) -> None:
        self._elided = {}


def by_status(ids: Iterable[int], rects: Mapping[int, QRectF],
              status: Mapping[int, str]) -> dict[str, list[QRectF]]:
    """The boxes of these tasks by the status their colour shows (NEVER: never run)."""
    groups: dict[str, list[QRectF]] = {}
    for n in ids:
        groups.setdefault(status.get(n, NEVER), []).append(rects[n])
    return groups


def paint_boxes(p: QPainter, groups: dict[str, list[QRectF]], base: QColor, dark: bool,
                solid: bool = False) -> None:
    """The task boxes (`by_status`) outlined in their status colours over a tint of it; or,
    `solid`, too small for an outline to show (far zoomed out: the outline was all there was
    of a box), filled with the colour alone, a fifteenth of the cost: 100,000 outlined boxes
    took 170 ms a repaint."""
    for key, rects in groups.items():
        colour = display.status_colour("scheduled" if key == NEVER else key, dark)
        if solid:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(colour)
        else:
            border = QPen(colour, 2.0)
            border.setCosmetic(True)
            p.setPen(border)
            p.setBrush(display.blend(base, colour, 0.22 if dark else 0.14))
        p.drawRects(rects)


def paint_labels(p: QPainter, labels: Labels, nodes: dict[int, Node], rects: dict[int, QRectF],
             visible: list[int], detailed: bool, text: QColor, muted: QColor) -> None:
    """Names (and, when large enough, a status line) of the visible nodes."""
    p.setFont(labels.font)
    for n in visible:
        node = nodes.get(n)
        if node is None:
            continue
        rect = rects[n]
        name = labels.elided(n, node.name, rect.width() - 16)
        p.setPen(text if node.enabled else muted)
        if detailed:
            p.setFont(labels.font)
            p.drawText(rect.adjusted(8, 3, -8, -rect.height() / 2 + 3),
                       Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name)
            p.setFont(labels.small)
            p.setPen(muted)
            p.drawText(rect.adjusted(8, rect.height() / 2 - 1, -8, -3),
                       Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                       status_line(node))
        else:
            p.drawText(rect.adjusted(8, 0, -8, 0),
                       Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name)

def paint_badges(p: QPainter, labels: Labels, nodes: dict[int, Node],
             rects: dict[int, QRectF], visible: list[int], dark: bool) -> None:
    """A ▶ (running) or … (queued or waiting) badge, with a count, on busy nodes."""
    p.setFont(labels.bold)
    for n in visible:
        node = nodes.get(n)
        if node is None or not node.active:
            continue
        status = "running" if node.running else "waiting"
        count = node.running or node.waiting
        glyph = ("▶" if status == "running" else "…") + (str(count) if count > 1 else "")
        rect = rects[n]
        width = 20.0 + 7 * (len(glyph) - 1)
        badge = QRectF(rect.right() - width + 6, rect.top() - 8, width, 18)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(display.status_colour(status, dark))
        p.drawRoundedRect(badge, 9, 9)
        p.setPen(QColor("#111111" if dark else "#ffffff"))
        p.drawText(badge, Qt.AlignmentFlag.AlignCenter, glyph)


def paint_drag(p: QPainter, colour: QColor, start: QRectF, pointer: QPointF,
               target: QRectF | None) -> None:
    """The line a drag from `start` to make a dependency draws: to the pointer, or to the
    outlined `target` task."""
    pen = QPen(colour, 2.0, Qt.PenStyle.DashLine)
    pen.setCosmetic(True)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    end = pointer
    if target is not None:
        end = QPointF(target.left(), target.center().y())
        p.drawRect(target.adjusted(-4, -4, 4, 4))
    a = QPointF(start.right(), start.center().y())
    p.drawLine(a, end)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(colour)
    p.drawPolygon(QPolygonF(arrow(end.x(), end.y(), a)))


def status_line(node: Node) -> str:
    if not node.enabled:
        return "paused"
    if node.running:
        return "running now"
    if node.active:
        return "waiting"
    if node.last_status is None:
        return "never run"
    return f"last run {display.status_words(node.last_status)}"


def tooltip(node: Node) -> str:
    lines = [f"<b>{escape(node.name)}</b>", status_line(node)]
    if node.running:
        lines.append(f"{display.plural(node.running, 'run')} in progress")
    if node.waiting:
        lines.append(f"{display.plural(node.waiting, 'run')} queued or waiting")
    lines.append("<i>Double-click to edit; drag to another task to make it wait for this "
                 "one.</i>")
    return "<br>".join(lines)


def edge_tooltip(upstream: Node, downstream: Node, trigger: bool, wait: bool = True,
                 fallback: bool = False) -> str:
    up, down = escape(upstream.name), escape(downstream.name)
    falls = (f"<b>{up}</b> falls back to <b>{down}</b>: “{down}” runs when “{up}” fails"
             f"{'<br>' if trigger or wait else ''}") if fallback else ""
    if not (trigger or wait):
        return falls + f"<br><i>Change it in “{up}”’s editor: double-click “{up}”.</i>"
    how = "waits for and runs after" if trigger and wait else (
        "runs after" if trigger else "waits for")
    return (f"{falls}<b>{down}</b> {how} <b>{up}</b><br>"
            "<i>Click to select; Del or right-click to remove.</i>")


def count_words(tasks: int, edges: list[Edge]) -> str:
    """What the graph shows, counted: "2 tasks, 1 dependency, 1 fallback"."""
    falls = sum(e.kind == "fallback" for e in edges)
    parts = [display.plural(tasks, "task"), display.plural(len(edges) - falls, "dependency")]
    return ", ".join(parts + [display.plural(falls, "fallback")] * bool(falls))


def summary(data: GraphData | None, words: str, tasks: int, selected: int,
            edge: tuple[int, int] | None) -> str:
    """The graph in words, for a screen reader (the canvas's description): its count
    (`count_words`) and what is selected, with the status its colour shows ("3 tasks, 1
    dependency; selected: backup, last run succeeded")."""
    nodes = data.nodes if data else {}
    if selected in nodes:
        return f"{words}; selected: {nodes[selected].name}, {status_line(nodes[selected])}"
    if edge is not None and edge[0] in nodes and edge[1] in nodes:
        up, down = nodes[edge[0]].name, nodes[edge[1]].name
        return f"{words}; selected: the arrow from {up} to {down}"
    return f"{words}; arrow keys select a task" if tasks else words


def hover_words(data: GraphData | None, node: int, edge: tuple[int, int] | None,
                kinds: tuple[bool, bool, bool]) -> str:
    """The tooltip of the task or arrow under the pointer ("": nothing there); `kinds`: the
    arrow's (runs after, waits for, falls back to)."""
    nodes = data.nodes if data else {}
    if node in nodes:
        return tooltip(nodes[node])
    if edge is not None and edge[0] in nodes and edge[1] in nodes:
        return edge_tooltip(nodes[edge[0]], nodes[edge[1]], *kinds)
    return ""


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def curve(points: list[tuple[float, float]]) -> QPainterPath:
    """A smooth path through the route: horizontal tangents at every point."""
    path = QPainterPath(QPointF(*points[0]))
    for (x1, y1), (x2, y2) in itertools.pairwise(points):
        if abs(y2 - y1) < 0.5:
            path.lineTo(x2, y2)
            continue
        dx = (x2 - x1) / 2
        path.cubicTo(x1 + dx, y1, x2 - dx, y2, x2, y2)
    return path


def head(route: list[tuple[float, float]]) -> list[QPointF]:
    """The arrowhead at a route's end, pointing the way it arrives: right, or left for an
    edge laid out backwards (layout.py), whose head would otherwise lie inside the box it
    points at."""
    (before, _), (x, y) = route[-2], route[-1]
    return arrow(x, y, QPointF(x + 1, y) if before > x else None)


def arrow(x: float, y: float, source: QPointF | None = None) -> list[QPointF]:
    """An arrowhead ending at (x, y), pointing right (or away from `source`)."""
    angle = 0.0 if source is None else math.atan2(y - source.y(), x - source.x())
    size, half = 10.0, 5.0
    ca, sa = math.cos(angle), math.sin(angle)
    back = (x - size * ca, y - size * sa)
    return [QPointF(x, y), QPointF(back[0] - half * sa, back[1] + half * ca),
            QPointF(back[0] + half * sa, back[1] - half * ca)]
