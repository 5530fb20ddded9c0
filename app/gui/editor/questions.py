"""The editor's questions before it closes: discard unsaved changes, save over a change
made elsewhere while it was open (app/core/edits.py), create again a task deleted
elsewhere meanwhile."""

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
    one = len(error.fields) == 1
    box = QMessageBox(QMessageBox.Icon.Warning, "Changed elsewhere",
                      f"{error}.", QMessageBox.StandardButton.NoButton, parent)
    box.setInformativeText(
        f"Save mine over it: your value{'' if one else 's'} replace{'s' if one else ''} "
        f"{'that one' if one else 'those'}; what else changed there stays, and your other "
        "changes are saved.\nKeep editing: nothing is saved yet. (To see the task as it is "
        "now, cancel and open it again: your changes here are lost then.)")
    overwrite = box.addButton("&Save mine over it", QMessageBox.ButtonRole.AcceptRole)
    keep = box.addButton("&Keep editing", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep)
    box.setEscapeButton(keep)
    box.exec()
    return box.clickedButton() is overwrite


def confirm_recreate(parent: QWidget, name: str) -> bool:
    """The task was deleted while the editor was open: True to create it again from the
    form (it said "task not found: 9")."""
    box = QMessageBox(QMessageBox.Icon.Warning, "Deleted elsewhere",
                      f"“{name}” was deleted elsewhere while you edited it.",
                      QMessageBox.StandardButton.NoButton, parent)
    box.setInformativeText("Create it again from this form, as a new task (its runs and "
                           "history are gone), or keep editing and cancel to leave it "
                           "deleted.")
    again = box.addButton("&Create it again", QMessageBox.ButtonRole.AcceptRole)
    keep = box.addButton("&Keep editing", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep)
    box.setEscapeButton(keep)
    box.exec()
    return box.clickedButton() is again
