"""The graph canvas by keyboard: the arrow keys move the selection between tasks, Enter opens
the selected task's editor, the Menu key (or Shift+F10) opens the selected task's menu (add a
dependency, remove one of its arrows) or the selected arrow's, beside it, as a right-click does.

An arrow selects the first task (the top of the leftmost column) when none is selected, and
otherwise the nearest task in that direction (a task straight that way beats a nearer one off
to the side); with none that way the selection stays. The selected task is scrolled into view
at the zoom the person chose. Enter is usually answered by the window's Edit action (its
shortcut), which follows the selection; the canvas answers it only when that does not.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, cast

from app.gui.graph.scene import EdgeRoutes
from app.gui.qt import (
    QAction,
    QContextMenuEvent,
    QKeyEvent,
    QKeySequence,
    QPoint,
    QPointF,
    QRectF,
    Qt,
    QWidget,
)

ARROWS = {Qt.Key.Key_Left: (-1.0, 0.0), Qt.Key.Key_Right: (1.0, 0.0),
          Qt.Key.Key_Up: (0.0, -1.0), Qt.Key.Key_Down: (0.0, 1.0)}
OPEN_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
MARGIN_PX = 24.0  # room kept around a task scrolled into view
SIDEWAYS = 2.0  # how much a step off to the side counts against a task, per unit


class Navigable(Protocol):
    """What of the canvas the keys use (the canvas is one)."""

    rects: dict[int, QRectF]
    selected: int
    scale: float
    offset: QPointF
    fitted: bool
    selected_edge: tuple[int, int] | None
    routes: EdgeRoutes

    def width(self) -> int: ...
    def height(self) -> int: ...
    def select(self, node: int) -> None: ...
    def open_node(self, node: int) -> None: ...
    def update(self) -> None: ...
    def to_view(self, scene: QPointF) -> QPointF: ...
    def mapToGlobal(self, pos: QPoint) -> QPoint: ...
    def contextMenuEvent(self, event: QContextMenuEvent) -> None: ...


def nearest(rects: Mapping[int, QRectF], selected: int, dx: float, dy: float) -> int:
    """The task an arrow (dx, dy) moves the selection to (the first task when none is
    selected; the selected one when there is none that way; -1: no tasks)."""
    if not rects:
        return -1
    here = rects.get(selected)
    if here is None:
        return min(rects, key=lambda n: (rects[n].x(), rects[n].y(), n))
    c = here.center()
    best, score = selected, float("inf")
    for node, rect in rects.items():
        d = rect.center() - c
        ahead = d.x() * dx + d.y() * dy
        aside = abs(d.x() * dy) + abs(d.y() * dx)
        if node != selected and ahead > 0 and ahead + SIDEWAYS * aside < score:
            best, score = node, ahead + SIDEWAYS * aside
    return best


def into_view(canvas: Navigable, rect: QRectF) -> None:
    """Pan (not zoom) so that the rectangle, in layout units, is on screen."""
    s, off = canvas.scale, canvas.offset
    x, y = off.x(), off.y()
    left, top = rect.left() * s + x, rect.top() * s + y
    right, bottom = rect.right() * s + x, rect.bottom() * s + y
    w, h = float(canvas.width()), float(canvas.height())
    if right > w - MARGIN_PX:
        x -= right - (w - MARGIN_PX)
    if left + (x - off.x()) < MARGIN_PX:
        x = off.x() + MARGIN_PX - left
    if bottom > h - MARGIN_PX:
        y -= bottom - (h - MARGIN_PX)
    if top + (y - off.y()) < MARGIN_PX:
        y = off.y() + MARGIN_PX - top
    if (x, y) != (off.x(), off.y()):
        canvas.offset = QPointF(x, y)
        canvas.fitted = False
        canvas.update()


def open_menu(canvas: Navigable) -> None:
    """The menu a right-click on the selected task (or arrow) opens, there (none selected:
    the background's, mid-canvas)."""
    where = QPointF(canvas.width() / 2, canvas.height() / 2)
    if canvas.selected in canvas.rects:
        where = canvas.to_view(canvas.rects[canvas.selected].center())
    elif canvas.selected_edge in canvas.routes.paths:
        where = canvas.to_view(canvas.routes.paths[canvas.selected_edge].pointAtPercent(0.5))
    at = where.toPoint()
    canvas.contextMenuEvent(QContextMenuEvent(QContextMenuEvent.Reason.Keyboard, at,
                                              canvas.mapToGlobal(at)))


def menu_keys(canvas: QWidget) -> None:
    """The Menu key and Shift+F10 open the selection's menu there (`open_menu`): an action of
    the canvas's own, so they are among the window's keys as its other shortcuts are."""
    action = QAction("Menu of the selected task or arrow", canvas)
    action.setShortcuts([QKeySequence(Qt.Key.Key_Menu), QKeySequence("Shift+F10")])
    action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
    action.triggered.connect(lambda: open_menu(cast(Navigable, canvas)))
    canvas.addAction(action)


def pressed(canvas: Navigable, event: QKeyEvent) -> bool:
    """Answer an arrow or Enter on the canvas; False: not one of ours."""
    key = Qt.Key(event.key())
    mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
    if mods != Qt.KeyboardModifier.NoModifier:
        return False
    if key in ARROWS:
        node = nearest(canvas.rects, canvas.selected, *ARROWS[key])
        if node >= 0:
            canvas.select(node)
            into_view(canvas, canvas.rects[node])
        return True
    if key in OPEN_KEYS and canvas.selected in canvas.rects:
        canvas.open_node(canvas.selected)
        return True
    return False
