"""The editor's questions before it closes: discard unsaved changes, save over a change
made elsewhere while it was open (app/core/edits.py), create again a task deleted
elsewhere meanwhile. Each is one choice against "Keep editing", the default (Escape)."""

from __future__ import annotations

from app.core.errors import ChangedElsewhere
from app.gui.qt import QMessageBox, QWidget


def _ask(parent: QWidget, icon: QMessageBox.Icon, title: str, text: str, choice: str,
         details: str = "", role: QMessageBox.ButtonRole = QMessageBox.ButtonRole.AcceptRole
         ) -> bool:
    """True when the person picks `choice` over "Keep editing"."""
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.NoButton, parent)
    if details:
        box.setInformativeText(details)
    chosen = box.addButton(choice, role)
    keep = box.addButton("&Keep editing", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep)
    box.setEscapeButton(keep)
    box.exec()
    return box.clickedButton() is chosen


def confirm_discard(parent: QWidget) -> bool:
    """Escape, Cancel or closing with unsaved changes: True to discard them."""
    return _ask(parent, QMessageBox.Icon.Question, "Discard changes?",
                "This task has changes that are not saved.", "&Discard changes",
                role=QMessageBox.ButtonRole.DestructiveRole)


def confirm_overwrite(parent: QWidget, error: ChangedElsewhere) -> bool:
    """The task changed elsewhere in fields this form changed too: True to save this
    form's values over those (what changed only there is kept either way)."""
    one = len(error.fields) == 1
    return _ask(parent, QMessageBox.Icon.Warning, "Changed elsewhere", f"{error}.",
                "&Save mine over it",
                f"Save mine over it: your value{'' if one else 's'} replace{'s' if one else ''} "
                f"{'that one' if one else 'those'}; what else changed there stays, and your "
                "other changes are saved.\nKeep editing: nothing is saved yet. (To see the task "
                "as it is now, cancel and open it again: your changes here are lost then.)")


def confirm_recreate(parent: QWidget, name: str) -> bool:
    """The task was deleted while the editor was open: True to create it again from the
    form (it said "task not found: 9")."""
    return _ask(parent, QMessageBox.Icon.Warning, "Deleted elsewhere",
                f"“{name}” was deleted elsewhere while you edited it.", "&Create it again",
                "Create it again from this form, as a new task (its runs and history are "
                "gone), or keep editing and cancel to leave it deleted.")
