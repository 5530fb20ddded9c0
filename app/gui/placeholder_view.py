"""A view whose place in the navigation is kept for the next release (calendar, graph,
metrics): it says what will be there and what to use meanwhile."""

from __future__ import annotations

from app.gui.qt import QHBoxLayout, QLabel, QPalette, Qt, QVBoxLayout, QWidget


class PlaceholderView(QWidget):
    def __init__(self, title: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"{title}View")
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        heading = QLabel(title)
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        heading.setFont(font)
        heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        body = QLabel(text)
        body.setWordWrap(True)
        body.setAlignment(Qt.AlignmentFlag.AlignCenter)
        body.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        body.setMinimumWidth(440)
        body.setMaximumWidth(560)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(body)
        row.addStretch(1)
        layout.addWidget(heading)
        layout.addLayout(row)
        layout.addStretch(2)
