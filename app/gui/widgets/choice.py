"""A choice of one among a few (Month/Week/Day, 5 min/1 h/24 h): the button chosen drawn in
the palette's highlight. Fusion drew a checked tool button barely darker than the others,
nearly alike in the dark palette (a run-through); painted here from the palette at paint
time, so a change of palette follows (a style sheet would fix the colours it was given).

Every button of the choice is a Tab stop: Qt keeps only the focused one of a button group in
the Tab order, so Tab passed over Week and Day (found keyboard-only). The focused one, when
chosen, shows a line inside its edge: the window's focus ring, in the highlight colour, was
lost on its highlight fill."""

from __future__ import annotations

from app.gui.qt import QFocusEvent, QPainter, QPaintEvent, QPalette, QRectF, Qt, QToolButton


class ChoiceButton(QToolButton):
    def __init__(self, text: str = "") -> None:
        super().__init__()
        self.setText(text)
        self.setCheckable(True)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)  # (where Qt takes the others out of the Tab order)
        group = self.group()
        for button in group.buttons() if group is not None else ():
            button.setFocusPolicy(button.focusPolicy() | Qt.FocusPolicy.TabFocus)

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
        if self.hasFocus():
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(QRectF(self.rect()).adjusted(3.5, 3.5, -3.5, -3.5), 2, 2)
        painter.end()
