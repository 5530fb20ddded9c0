"""A read-only text that wraps at word boundaries and, where a word is longer than the line
(a path, a hash, a long error), anywhere in it: QLabel wraps at words only, so one long word
widened a narrow pane and was cut off at its edge. It is as tall as its text at its width,
selectable with the mouse like a label, and takes no keyboard focus."""

from __future__ import annotations

import math

from app.gui.qt import (
    QEvent,
    QFrame,
    QSize,
    QSizePolicy,
    Qt,
    QTextEdit,
    QTextOption,
    QWidget,
)


class WrappingText(QTextEdit):
    """Plain text in as many lines as the width needs (`text`/`setText`, as a QLabel)."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.viewport().setAutoFillBackground(False)  # the pane's background, as a label
        self.document().setDocumentMargin(0)
        policy = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setText(text)

    def setText(self, text: str) -> None:
        self.setPlainText(text)
        self._fit()

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if event.type() == QEvent.Type.Resize:  # after the viewport has followed it: a
            self._fit()  # resize from within resizeEvent would leave the viewport behind
        return handled

    def _fit(self) -> None:
        """As tall as the text at this width: a minimum every layout honours (nested layouts
        only estimate height-for-width, and cut the text short)."""
        height = self.heightForWidth(self.width())
        if height != self.minimumHeight():
            self.setMinimumHeight(height)

    def text(self) -> str:
        return self.toPlainText()

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        document = self.document().clone()  # the shown one keeps its own layout
        # PySide leaves the copy to Qt (no parent, never freed): a window showing runs kept
        # every one measured, ~100 a minute. setParent(None) hands it to Python, which frees it
        document.setParent(None)
        document.setTextWidth(max(1, width))
        return math.ceil(document.size().height())

    def sizeHint(self) -> QSize:
        width = self.width() if self.width() > 0 else 200
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:
        return QSize(0, max(self.minimumHeight(), self.fontMetrics().height()))
