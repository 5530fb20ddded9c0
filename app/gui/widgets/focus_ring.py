"""A focus ring you can see: a 2-pixel frame in the palette's highlight colour around
whichever widget inside a window has the keyboard focus.

Qt's own focus cue (Fusion's faint dotted rectangle, or a slightly bluer frame) is easy to
miss in both light and dark palettes. A style sheet `:focus` border would do, but a border in
a style sheet switches spin boxes and combo boxes to style-sheet drawing and changes their
look; so the ring is an overlay instead: a child of the window that lets every mouse event
through, drawn over the focused widget's edge, clipped to what of the widget is visible
(inside a scroll area it never spills over its neighbours), and following it as it moves.
"""

from __future__ import annotations

from app.gui.qt import (
    QApplication,
    QEvent,
    QObject,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QRect,
    Qt,
    QWidget,
    alive,
)

WIDTH = 2
FOLLOW = frozenset({QEvent.Type.Move, QEvent.Type.Resize, QEvent.Type.Show,
                    QEvent.Type.Hide})


class FocusRing(QWidget):
    """The ring for one window (`top`); skips widgets in `skip` (e.g. a list that shows its
    current row clearly already)."""

    def __init__(self, top: QWidget, skip: tuple[QWidget, ...] = ()) -> None:
        super().__init__(top)
        self.setObjectName("FocusRing")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._top = top
        self._skip = skip
        self._target: QWidget | None = None
        self._watched: list[QWidget] = []
        self._clip = QRect()
        self.hide()
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._on_app_focus_changed)

    def target(self) -> QWidget | None:
        return self._target

    def _on_app_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if not alive(self) or not alive(self._top):
            return
        for watched in self._watched:
            if alive(watched):
                watched.removeEventFilter(self)
        self._watched = []
        self._target = None
        if new is None or not self._top.isAncestorOf(new) or new in self._skip:
            self.hide()
            return
        self._target = new
        widget: QWidget | None = new
        while widget is not None and widget is not self._top:  # it moves when they do
            widget.installEventFilter(self)
            self._watched.append(widget)
            widget = widget.parentWidget()
        self.place()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in FOLLOW:
            self.place()
        return False

    def place(self) -> None:
        """Cover the target's edge (as much of it as shows), or hide."""
        target = self._target
        if target is None or not alive(target) or not target.isVisible():
            self.hide()
            return
        visible = target.visibleRegion().boundingRect()
        if visible.isEmpty():
            self.hide()
            return
        origin = target.mapTo(self._top, target.rect().topLeft())
        self.setGeometry(QRect(origin, target.size()))
        self._clip = visible
        self.raise_()
        self.show()
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setClipRect(self._clip)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(self.palette().color(QPalette.ColorRole.Highlight))
        pen.setWidth(WIDTH)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        half = WIDTH // 2
        painter.drawRoundedRect(self.rect().adjusted(half, half, -half, -half), 3, 3)
        painter.end()
