"""The editor's questions before it closes: discard unsaved changes, save over a change
made elsewhere while it was open (app/core/edits.py) or reload the task as it is now,
create again a task deleted elsewhere meanwhile. Each is a choice against "Keep editing",
the default (Escape)."""

from __future__ import annotations

from app.core.errors import ChangedElsewhere
from app.gui.qt import QMessageBox, QWidget


def _ask(parent: QWidget, icon: QMessageBox.Icon, title: str, text: str, choice: str,
         details: str = "", role: QMessageBox.ButtonRole = QMessageBox.ButtonRole.AcceptRole
         ) -> bool:
    """True when the person picks `choice` over "Keep editing"."""
    return _choose(parent, icon, title, text, [(choice, role)], details) == 0


def _choose(parent: QWidget, icon: QMessageBox.Icon, title: str, text: str,
            choices: list[tuple[str, QMessageBox.ButtonRole]], details: str = "",
            whole: str = "") -> int | None:
    """The index of the choice the person picks; None for "Keep editing". `whole`: what
    "Show Details…" shows."""
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.NoButton, parent)
    if details:
        box.setInformativeText(details)
    if whole:
        box.setDetailedText(whole)
    buttons = [box.addButton(choice, role) for choice, role in choices]
    keep = box.addButton("&Keep editing", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep)
    box.setEscapeButton(keep)
    box.exec()
    clicked = box.clickedButton()
    return next((i for i, button in enumerate(buttons) if button is clicked), None)


def confirm_discard(parent: QWidget) -> bool:
    """Escape, Cancel or closing with unsaved changes: True to discard them."""
    return _ask(parent, QMessageBox.Icon.Question, "Discard changes?",
                "This task has changes that are not saved.", "&Discard changes",
                role=QMessageBox.ButtonRole.DestructiveRole)


OVERWRITE, RELOAD = "overwrite", "reload"


def ask_changed_elsewhere(parent: QWidget, error: ChangedElsewhere) -> str | None:
    """The task changed elsewhere in fields this form changed too: OVERWRITE to save this
    form's values over those (what changed only there is kept either way), RELOAD to show
    the task as it is now (the form's changes dropped), None to keep editing."""
    one = len(error.fields) == 1
    chosen = _choose(
        parent, QMessageBox.Icon.Warning, "Changed elsewhere", f"{error}.",
        [("&Save mine over it", QMessageBox.ButtonRole.AcceptRole),
         ("&Reload", QMessageBox.ButtonRole.DestructiveRole)],
        f"Save mine over it: your value{'' if one else 's'} replace{'s' if one else ''} "
        f"{'that one' if one else 'those'}; what else changed there stays, and your other "
        "changes are saved.\nReload: the task as it is now is put in this form; your changes "
        "here are dropped.\nKeep editing: nothing is saved yet.",
        "\n\n".join(f"{words[:1].upper()}{words[1:]} now:\n{there}\n\nYours:\n{mine}"
                    for words, there, mine in error.values))
    return None if chosen is None else (OVERWRITE, RELOAD)[chosen]


def confirm_recreate(parent: QWidget, name: str) -> bool:
    """The task was deleted while the editor was open: True to create it again from the
    form (it said "task not found: 9")."""
    return _ask(parent, QMessageBox.Icon.Warning, "Deleted elsewhere",
                f"“{name}” was deleted elsewhere while you edited it.", "&Create it again",
                "Create it again from this form, as a new task (its runs and history are "
                "gone), or keep editing and cancel to leave it deleted.")
