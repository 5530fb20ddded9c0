"""A question before something that cannot be undone: its yes-button says what it does,
beside Cancel, which is the default and what Escape answers. Deleting tasks and removing a
dependency in the graph ask it the same way. It is asked over the window the person is in,
when that is one of the parent's (a calendar day's list, where Del was pressed), so the keys
go back there once it is answered; over the parent otherwise."""

from __future__ import annotations

from collections.abc import Callable

from app.gui.qt import QApplication, QMessageBox, QWidget

Confirm = Callable[[str, str, str], bool]


def ask(parent: QWidget) -> Confirm:
    """`confirm(title, text, verb)`: whether the person chose `verb` (not Cancel)."""
    def confirm(title: str, text: str, verb: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, title, text,
                          QMessageBox.StandardButton.NoButton, _over(parent))
        # Alt and its first letter, as the editor's questions have (“Delete anyway” had none)
        yes = box.addButton(verb if "&" in verb else f"&{verb}",
                            QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)
        box.setEscapeButton(cancel)
        box.exec()
        return box.clickedButton() is yes
    return confirm


def _over(parent: QWidget) -> QWidget:
    """The active window if it is the parent's window or one of its dialogs, else the
    parent."""
    active = QApplication.activeWindow()
    owner: QWidget | None = active
    while owner is not None and owner is not parent.window():
        owner = owner.parentWidget()
    return active if owner is not None and active is not None else parent
