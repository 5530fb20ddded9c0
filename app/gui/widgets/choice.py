"""A choice of one among a few (Month/Week/Day, 5 min/1 h/24 h): the button chosen drawn in
the palette's highlight. Fusion drew a checked tool button barely darker than the others,
nearly alike in the dark palette (a run-through); painted here from the palette at paint
time, so a change of palette follows (a style sheet would fix the colours it was given)."""

from __future__ import annotations

from app.gui.qt import QPainter, QPaintEvent, QPalette, QRectF, Qt, QToolButton


class ChoiceButton(QToolButton):
    def __init__(self, text: str = "") -> None:
        super().__init__()
        self.setText(text)
        self.setCheckable(True)

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self.isChecked():
            super().paintEvent(event)
            return
        palette = self.palette()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(palette.color(QPalette.ColorRole.Highlight))
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 3, 3)
        painter.setPen(palette.color(QPalette.ColorRole.HighlightedText))
        painter.drawText(self.rect(), int(Qt.AlignmentFlag.AlignCenter), self.text())
        painter.end()
