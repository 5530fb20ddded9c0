"""Column titles whose sort arrow points up for an ascending order and down for a
descending one, in whatever style draws them.

Qt hands a style an ascending sort as `SortDown` and lets the style decide what to draw for
it; styles disagree. Windows' own draw ▲ for ascending (their guide, and the file managers'
and web tables' a person sorts in elsewhere); Fusion — Linux's default, and the style of the
app's pinned Light and Dark — draws ▼, so the Runs list, newest first, showed ▲ over its
newest run: read as oldest first. The header draws the style's `SortUp` once, off screen,
to learn which way that style points it, and hands it the one that points the way the
order goes.
"""

from __future__ import annotations

from app.gui.qt import (
    QHeaderView,
    QImage,
    QPainter,
    QRect,
    QStyle,
    QStyleOptionHeader,
    Qt,
    QWidget,
)

SIZE = 16  # px: the arrow drawn to learn its direction
_points_up: dict[tuple[type, str], bool] = {}  # per style: whether its SortUp points up


def sort_up_points_up(style: QStyle) -> bool:
    """Whether `style` draws a header's `SortUp` arrow pointing up (its ink wider at the
    bottom than at the top)."""
    key = (type(style), style.name())
    if key not in _points_up:
        image = QImage(SIZE, SIZE, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        option = QStyleOptionHeader()
        option.rect = QRect(0, 0, SIZE, SIZE)
        option.sortIndicator = QStyleOptionHeader.SortIndicator.SortUp
        option.state = QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Horizontal
        painter = QPainter(image)
        style.drawPrimitive(QStyle.PrimitiveElement.PE_IndicatorHeaderArrow, option, painter)
        painter.end()
        rows = [sum(image.pixelColor(x, y).alpha() for x in range(SIZE)) for y in range(SIZE)]
        inked = [y for y, ink in enumerate(rows) if ink]
        _points_up[key] = bool(inked) and rows[inked[0]] < rows[inked[-1]]
    return _points_up[key]


class SortHeader(QHeaderView):
    """A table's column titles, its sort arrow ▲ for ascending and ▼ for descending."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setSectionsClickable(True)  # as a table's own header is
        self.setHighlightSections(True)

    def initStyleOptionForIndex(self, option: QStyleOptionHeader, logicalIndex: int) -> None:
        super().initStyleOptionForIndex(option, logicalIndex)
        arrow = QStyleOptionHeader.SortIndicator
        if option.sortIndicator == arrow.None_:
            return
        ascending = self.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder
        up = sort_up_points_up(self.style())
        option.sortIndicator = arrow.SortUp if ascending == up else arrow.SortDown
