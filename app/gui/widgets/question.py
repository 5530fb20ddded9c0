"""A question before something that cannot be undone: its yes-button says what it does,
beside Cancel, which is the default and what Escape answers. Deleting tasks and removing a
dependency in the graph ask it the same way."""

from __future__ import annotations

from collections.abc import Callable

from app.gui.qt import QMessageBox, QWidget

Confirm = Callable[[str, str, str], bool]


def ask(parent: QWidget) -> Confirm:
    """`confirm(title, text, verb)`: whether the person chose `verb` (not Cancel)."""
    def confirm(title: str, text: str, verb: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, title, text,
                          QMessageBox.StandardButton.NoButton, parent)
        # Alt and its first letter, as the editor's questions have (“Delete anyway” had none)
        yes = box.addButton(verb if "&" in verb else f"&{verb}",
                            QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)
        box.setEscapeButton(cancel)
        box.exec()
        return box.clickedButton() is yes
    return confirm
