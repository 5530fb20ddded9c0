"""The editor's two questions before it closes: discard unsaved changes, and save over a
change made elsewhere while it was open (app/core/edits.py)."""

from __future__ import annotations

from app.core.errors import ChangedElsewhere
from app.gui.qt import QMessageBox, QWidget


def confirm_discard(parent: QWidget) -> bool:
    """Escape, Cancel or closing with unsaved changes: True to discard them."""
    box = QMessageBox(QMessageBox.Icon.Question, "Discard changes?",
                      "This task has changes that are not saved.",
                      QMessageBox.StandardButton.NoButton, parent)
    discard = box.addButton("&Discard changes", QMessageBox.ButtonRole.DestructiveRole)
    keep = box.addButton("&Keep editing", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep)
    box.setEscapeButton(keep)
    box.exec()
    return box.clickedButton() is discard


def confirm_overwrite(parent: QWidget, error: ChangedElsewhere) -> bool:
    """The task changed elsewhere in fields this form changed too: True to save this
    form's values over those (what changed only there is kept either way)."""
    them = "it" if len(error.fields) == 1 else "them"
    box = QMessageBox(QMessageBox.Icon.Warning, "Changed elsewhere",
                      f"{error}.", QMessageBox.StandardButton.NoButton, parent)
    box.setInformativeText(
        f"Save yours over {them}? Whatever else changed there is kept either way, and the "
        "rest of your changes are saved. To see the task as it is now, keep editing, "
        "then cancel and open it again.")
    overwrite = box.addButton("&Save mine over it", QMessageBox.ButtonRole.AcceptRole)
    keep = box.addButton("&Keep editing", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep)
    box.setEscapeButton(keep)
    box.exec()
    return box.clickedButton() is overwrite
