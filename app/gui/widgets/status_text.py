"""Text in a status's colour that follows the appearance: a label or button told once to
read "succeeded" green kept the light palette's green after View › Appearance › Dark (about
3:1 on the dark status bar), and an emptied field kept the colour of the run shown before.

`paint_status(widget, status)` colours the widget's text role in the status's shade for the
palette in use (`display.status_colour`), and again at each palette change; None gives the
role back to the palette.
"""

from __future__ import annotations

from app.gui.qt import QEvent, QObject, QPalette, Qt, QWidget
from app.gui.widgets import display


class _StatusText(QObject):
    """Keeps its parent widget's text in a status's shade, palette change after change."""

    def __init__(self, widget: QWidget, role: QPalette.ColorRole) -> None:
        super().__init__(widget)
        self.role = role
        self.status: str | None = None
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.PaletteChange and isinstance(watched, QWidget):
            self.apply(watched)
        return False

    def apply(self, widget: QWidget) -> None:
        palette = widget.palette()
        if self.status is None:
            if palette.resolveMask():  # only our role is ever set: hand it back
                widget.setPalette(QPalette())
            return
        colour = display.status_colour(self.status)
        if palette.resolveMask() and palette.color(self.role) == colour:
            return  # (our own change of palette, heard again)
        palette.setColor(self.role, colour)
        widget.setPalette(palette)


def paint_status(widget: QWidget, status: str | None,
                 role: QPalette.ColorRole = QPalette.ColorRole.WindowText) -> None:
    """Show `widget`'s text (its `role`) in `status`'s colour, as the appearance changes
    too; None: in the palette's own colour."""
    keeper = widget.findChild(_StatusText, "", Qt.FindChildOption.FindDirectChildrenOnly)
    if keeper is None:
        if status is None:
            return
        keeper = _StatusText(widget, role)
    keeper.status = status
    keeper.apply(widget)
