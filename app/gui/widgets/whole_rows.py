"""A scroll area that shows its rows whole: a row its visible part cuts through (its
words half drawn: "Scheduled for" at 800×560) is covered with the pane's background until
it is scrolled wholly into sight, at the bottom and, scrolled, at the top. Only the rows'
column is covered: what stands beside them (the run's plots) is shown as it is. Nothing is
resized, so the layout does not move; the scroll bar still reaches every row.

`rows()` gives each row's rectangle in the scrolled widget's coordinates, as laid out now.
"""

from __future__ import annotations

from collections.abc import Callable

from app.gui.qt import QEvent, QObject, QRect, QResizeEvent, QScrollArea, Qt, QTimer, QWidget


class WholeRowsArea(QScrollArea):
    def __init__(self, rows: Callable[[], list[QRect]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows = rows
        self.curtains = (self._curtain(), self._curtain())  # over a cut row: bottom, top
        self._later = QTimer(self)  # once the widget's layout has placed the rows
        self._later.setSingleShot(True)
        self._later.setInterval(0)
        self._later.timeout.connect(self.cover_cut_rows)
        self.verticalScrollBar().valueChanged.connect(self.cover_cut_rows)

    def _curtain(self) -> QWidget:
        curtain = QWidget(self.viewport())
        curtain.setAutoFillBackground(True)
        curtain.setBackgroundRole(self.viewport().backgroundRole())
        curtain.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        curtain.hide()
        return curtain

    def setWidget(self, widget: QWidget) -> None:
        super().setWidget(widget)
        widget.installEventFilter(self)
        for curtain in self.curtains:
            curtain.raise_()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.widget() and event.type() in (QEvent.Type.LayoutRequest,
                                                         QEvent.Type.Resize,
                                                         QEvent.Type.Move):
            self._later.start()
        return super().eventFilter(watched, event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._later.start()

    def cover_cut_rows(self) -> None:
        widget = self.widget()
        rows = self._rows() if widget is not None else []
        if widget is None or not rows:
            for curtain in self.curtains:
                curtain.hide()
            return
        height = self.viewport().height()
        left = min(r.left() for r in rows)
        width = max(r.right() for r in rows) - left + 1
        offset = widget.mapTo(self.viewport(), widget.rect().topLeft())
        shown = [r.translated(offset) for r in rows]
        below = [r.top() for r in shown if r.top() < height <= r.bottom()]
        above = [r.bottom() + 1 for r in shown if r.top() < 0 < r.bottom() + 1]
        bottom, top = self.curtains
        self._hang(bottom, QRect(left + offset.x(), min(below, default=height), width, height))
        self._hang(top, QRect(left + offset.x(), 0, width, max(above, default=0)))

    @staticmethod
    def _hang(curtain: QWidget, rect: QRect) -> None:
        if rect.top() >= rect.bottom() or rect.height() <= 0:
            curtain.hide()
            return
        curtain.setGeometry(rect)
        curtain.show()
        curtain.raise_()
