"""The inline error label that names what is wrong under the field it is about, and the
size policy wrapped text in a form needs. Used by the editor and by every view's banner."""

from __future__ import annotations

from app.gui.qt import QLabel, QPalette, QSizePolicy, Qt, QWidget
from app.gui.widgets import display


def wrapping_policy() -> QSizePolicy:
    """For wrapped text in a form: the whole width of the field, as many lines as it takes."""
    policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
    policy.setHeightForWidth(True)
    return policy


class ErrorLabel(QLabel):
    """Red (palette-aware) text under a field; hidden while there is nothing to say."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setSizePolicy(wrapping_policy())
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.hide()

    def show_error(self, text: str) -> None:
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.WindowText, display.status_colour("failed"))
        self.setPalette(palette)
        self.setText(f"⚠ {text}")
        self.setAccessibleName(f"Error: {text}")
        self.show()

    def clear_error(self) -> None:
        self.clear()
        self.hide()

    @property
    def has_error(self) -> bool:
        return bool(self.text())
