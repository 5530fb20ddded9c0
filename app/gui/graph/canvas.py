"""The drawing surface of the dependency graph: nodes, arrows, zoom, pan, drag-to-connect.

One painted widget rather than a QGraphicsScene of thousands of items: the nodes are drawn
in a few batched calls (one `drawRects` per status colour, the edges as two prepared
paths), text and badges only for nodes on screen and large enough to read, so panning stays
smooth with 10,000 tasks. Hit tests use a coarse grid over the layout. The boxes, the grid
and the arrows' paths come built off the GUI thread (`graph.drawing`); a run event recolours
only its task's box.

Mouse: the wheel zooms about the pointer, dragging the background pans, dragging from one
task to another asks to make the second wait for the first (a line follows the pointer and
the target is outlined), a click selects a task or an arrow (`graph.pointer`), a
double-click opens the editor. Keys: arrows select a task, Enter edits it (`graph.keys`);
Del (or Backspace) asks to remove the selected arrow, Escape deselects it; while an arrow
is selected the window's Del (delete task) is not the one that answers.

Signals:
    edge_requested(int, int): a drag ended on another task (upstream id, downstream id).
    open_requested(int): a task was double-clicked (or Enter pressed on it).
    selection_changed(int): the selected task (-1: none, or an arrow is selected).
    context_requested(int, QPoint): right click on a task (-1: background), global position.
    edge_context_requested(int, int, QPoint): right click on an arrow (upstream, downstream).
    edge_remove_requested(int, int): Del on the selected arrow (upstream, downstream).
"""

from __future__ import annotations

from collections.abc import Iterable

from app.gui.graph import keys
from app.gui.graph.data import Edge, GraphData
from app.gui.graph.drawing import Drawing, Leaving, colour_of
from app.gui.graph.layout import NODE_H
from app.gui.graph.paint import (
    Labels,
    by_status,
    hover_words,
    paint_badges,
    paint_boxes,
    paint_drag,
    paint_labels,
    summary,
)
from app.gui.graph.pointer import Pointer
from app.gui.graph.scene import Key
from app.gui.qt import (
    QContextMenuEvent,
    QEvent,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPalette,
    QPen,
    QPoint,
    QPointF,
    QRectF,
    QResizeEvent,
    Qt,
    QToolTip,
    QTransform,
    QWheelEvent,
    QWidget,
    Signal,
    is_dark,
)
from app.gui.widgets import display
from app.gui.widgets.display import blend

LABEL_PX = 14.0  # node label size in scene units
MIN_SCALE, MAX_SCALE = 0.01, 4.0
SOLID_PX = 6.0  # a box less tall than this on screen is drawn filled, without its outline
REACH_PX = 6.0  # how near an arrow a click must be to select it, in pixels
REMOVE_KEYS = (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
FALLBACK_COLOUR = "retrying"  # the status whose colour a "falls back to" arrow takes


class GraphCanvas(QWidget):
    edge_requested = Signal(int, int)
    open_requested = Signal(int)
    selection_changed = Signal(int)
    context_requested = Signal(int, QPoint)
    edge_context_requested = Signal(int, int, QPoint)
    edge_remove_requested = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("GraphCanvas")
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        keys.menu_keys(self)  # the Menu key, Shift+F10
        self.setAutoFillBackground(False)
        self.setMinimumSize(200, 150)
        self.data: GraphData | None = None
        self.drawing = Drawing()
        self._leaving = Leaving(self)
        self.rects: dict[int, QRectF] = self.drawing.rects
        self.edges: list[Edge] = self.drawing.edges
        self.scale = 1.0
        self.offset = QPointF(0, 0)
        self.fitted = True  # showing the whole graph: re-fit when the widget is resized
        self.selected = -1
        self.selected_edge: Key | None = None
        self.routes = self.drawing.routes
        self.pointer = Pointer(self, self.edge_requested.emit)  # (press, pan, drag)
        self.labels = Labels(self.font(), LABEL_PX)

    # -- content ---------------------------------------------------------------------------

    def set_drawing(self, data: GraphData, drawing: Drawing, keep_view: bool = False) -> None:
        """Show a drawing built off the GUI thread (`drawing.build`): only handed over here."""
        self.data = data
        self._leaving.add(self.drawing)
        self.drawing = drawing
        self.rects, self.edges, self.routes = drawing.rects, drawing.edges, drawing.routes
        self.labels.forget()
        if self.selected not in self.rects:
            self.select(-1)
        if self.selected_edge not in self.routes.paths:
            self.selected_edge = None
        self._say()
        if not keep_view:
            self.fit()
        self.update()

    def restatus(self, nodes: Iterable[int]) -> None:
        """These tasks' runs changed in `data` (run events, or the graph read again and
        found drawn alike): their boxes recoloured."""
        boxes, found = self.drawing.boxes, self.data.nodes if self.data else {}
        for node in nodes:
            boxes.move(node, colour_of(found.get(node)))
        self._say()  # (a selected task's words, and the badges, follow its runs too)
        self.update()

    def node_at(self, pos: QPointF) -> int:
        """The task under a widget position (-1: none)."""
        return self.drawing.grid.at(self.to_scene(pos))

    def edge_at(self, pos: QPointF) -> Key | None:
        """The arrow under a widget position, within a few pixels (None: none)."""
        return self.routes.at(self.to_scene(pos), REACH_PX / self.scale)

    def route(self, upstream: int, downstream: int) -> QPainterPath:
        """The curve an arrow is drawn along, in scene units (`to_view` maps it)."""
        return self.routes.paths[(upstream, downstream)]

    def to_scene(self, pos: QPointF) -> QPointF:
        return QPointF((pos.x() - self.offset.x()) / self.scale,
                       (pos.y() - self.offset.y()) / self.scale)

    def to_view(self, scene: QPointF) -> QPointF:
        return QPointF(scene.x() * self.scale + self.offset.x(),
                       scene.y() * self.scale + self.offset.y())

    # -- view ------------------------------------------------------------------------------

    def fit(self) -> None:
        """Show the whole graph (never magnified beyond 100 %)."""
        self.fitted = True
        if not self.rects:
            self.scale, self.offset = 1.0, QPointF(20, 20)
            self.update()
            return
        margin = 24.0
        width, height = self.drawing.width, self.drawing.height
        sx = (self.width() - 2 * margin) / max(width, 1.0)
        sy = (self.height() - 2 * margin) / max(height, 1.0)
        self.scale = max(MIN_SCALE, min(1.0, sx, sy))
        self.offset = QPointF((self.width() - width * self.scale) / 2,
                              max(margin, (self.height() - height * self.scale) / 2))
        self.update()

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        anchor = anchor if anchor is not None else QPointF(self.width() / 2, self.height() / 2)
        scene = self.to_scene(anchor)
        self.fitted = False
        self.scale = max(MIN_SCALE, min(MAX_SCALE, self.scale * factor))
        self.offset = QPointF(anchor.x() - scene.x() * self.scale,
                              anchor.y() - scene.y() * self.scale)
        self.update()

    def center_on(self, node: int) -> None:
        rect = self.rects.get(node)
        if rect is None:
            return
        self.fitted = False
        self.scale = max(self.scale, 0.8)
        c = rect.center()
        self.offset = QPointF(self.width() / 2 - c.x() * self.scale,
                              self.height() / 2 - c.y() * self.scale)
        self.select(node)
        self.update()

    def select(self, node: int) -> None:
        if node >= 0:
            self.selected_edge = None
        if node != self.selected:
            self.selected = node
            self._say()
            self.selection_changed.emit(node)
            self.update()

    def open_node(self, node: int) -> None:
        self.open_requested.emit(node)

    def select_edge(self, edge: Key | None) -> None:
        """Select one arrow (None: none); a task and an arrow are never selected together."""
        if edge != self.selected_edge or self.selected >= 0:
            self.selected, self.selected_edge = -1, edge
            self._say()
            self.selection_changed.emit(-1)
            self.update()

    # -- painting --------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        pal = self.palette()
        dark = is_dark(pal)
        base = pal.color(QPalette.ColorRole.Base)
        text = pal.color(QPalette.ColorRole.Text)
        p.fillRect(self.rect(), base)
        if not self.rects:
            p.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No tasks to show.")
            return
        p.setRenderHint(QPainter.RenderHint.Antialiasing, self.scale > 0.25)
        p.setTransform(QTransform(self.scale, 0, 0, self.scale, self.offset.x(),
                                  self.offset.y()))
        area = self._scene_area()
        self.drawing.tiles.paint(p, area, blend(base, text, 0.55), self.scale >= 0.35,
                          display.status_colour(FALLBACK_COLOUR, dark))
        self.routes.paint_highlighted(p, pal.color(QPalette.ColorRole.Highlight),
                                      self.selected if self.selected in self.rects else -1,
                                      self.selected_edge)
        visible = self._visible()
        nodes = self.data.nodes if self.data else {}
        # only the boxes on screen (all 100,000 were drawn at each repaint: 110 ms zoomed in)
        boxes = self.drawing.boxes
        shown = boxes.groups if len(visible) == len(self.rects) else by_status(
            visible, self.rects, boxes.status)
        solid = self.scale * NODE_H < SOLID_PX
        paint_boxes(p, shown, base, dark, solid)
        if self.scale * LABEL_PX >= 6:
            paint_labels(p, self.labels, nodes, self.rects, visible, self.scale >= 10 / LABEL_PX,
                         text, blend(text, base, 0.35))
        if not solid:  # (far out a box's colour is all there is of it: a badge was 2 px at
            # most, and looking for busy tasks among 100,000 took 5 ms of a 27 ms repaint)
            paint_badges(p, self.labels, nodes, self.rects, visible, dark)
        if self.selected in self.rects:
            sel = QPen(pal.color(QPalette.ColorRole.Highlight), 3.0)
            sel.setCosmetic(True)
            p.setPen(sel)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(self.rects[self.selected].adjusted(-3, -3, 3, 3))
        drag = self.pointer
        if drag.drag_from >= 0:
            paint_drag(p, pal.color(QPalette.ColorRole.Highlight), self.rects[drag.drag_from],
                       self.to_scene(drag.at), self.rects.get(drag.drag_to))
        p.end()

    def _scene_area(self) -> QRectF:
        """The part of the layout on screen."""
        return QRectF(self.to_scene(QPointF(0, 0)),
                      self.to_scene(QPointF(self.width(), self.height())))

    def _visible(self) -> list[int]:
        return self.drawing.grid.within(self._scene_area())

    # -- mouse -----------------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.fitted:  # a graph the person has not zoomed or panned stays whole
            self.fit()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.pointer.pressed(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self.pointer.moved(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self.pointer.released(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        node = self.node_at(event.position())
        if node >= 0 and event.button() == Qt.MouseButton.LeftButton:
            self.select(node)
            self.open_requested.emit(node)

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom_by(1.15 ** steps, event.position())
        event.accept()

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        node = self.node_at(QPointF(event.pos()))
        edge = self.edge_at(QPointF(event.pos())) if node < 0 else None
        if edge is not None and not self.routes.removable(edge):  # a fallback: its task's menu
            self.select_edge(edge)
            self.context_requested.emit(edge[0], event.globalPos())
            return
        if edge is not None:
            self.select_edge(edge)
            self.edge_context_requested.emit(*edge, event.globalPos())
            return
        if node >= 0:
            self.select(node)
        self.context_requested.emit(node, event.globalPos())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.selected_edge is not None and event.key() in REMOVE_KEYS:
            if self.routes.removable(self.selected_edge):
                self.edge_remove_requested.emit(*self.selected_edge)
        elif self.selected_edge is not None and event.key() == Qt.Key.Key_Escape:
            self.select_edge(None)
        elif not keys.pressed(self, event):  # arrows select a task, Enter opens it
            super().keyPressEvent(event)

    def event(self, event: QEvent) -> bool:
        if (isinstance(event, QKeyEvent) and event.type() == QEvent.Type.ShortcutOverride
                and self.selected_edge is not None and event.key() in REMOVE_KEYS):
            event.accept()  # Del is ours (remove the arrow), not the window's "delete task"
            return True
        if isinstance(event, QHelpEvent) and event.type() == QEvent.Type.ToolTip:
            self._tooltip(event)
            return True
        return super().event(event)

    def _tooltip(self, event: QHelpEvent) -> None:
        pos = QPointF(event.pos())
        node = self.node_at(pos)
        edge = self.edge_at(pos) if node < 0 else None
        text = hover_words(self.data, node, edge, self.routes.kinds_of(edge))
        QToolTip.showText(event.globalPos(), text, self)  # (no words: hides it)

    def _say(self) -> None:  # the graph in words for a screen reader: count, selection
        self.setAccessibleDescription(summary(self.data, self.drawing.counted, len(self.rects),
                                              self.selected, self.selected_edge))
