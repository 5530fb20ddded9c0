"""The editor's save, around the dialog's own: what it compares the form with, what it does
when the service refuses, and a Save clicked or Enter pressed while a check waits.

- `opened`: the task as the editor opened it, and the form's own data for it then
  (app/core/edits.py: a save writes what the person changed, over what is stored now).
- `failed`: the service's refusal, said where it belongs: a field's error under the field,
  a change made elsewhere to a field changed here asked about (saved over, or the task as
  it is now reloaded into the form), a task deleted meanwhile
  offered to be made again, anything else in the banner.
- `Pending`: each keystroke turns Save off until the form's check, once typing pauses
  (150 ms); a Save clicked or Enter pressed in that time did nothing. The check is now
  done at once, and the click or the key goes on as after it (a form that does not pass
  shows why, Save staying off). A time or number field's Enter (a spin box) signals its
  value again, changed or not (Qt's own), which turned Save off once more before the key
  reached the dialog: Enter there did nothing (under X, the "at" of a daily schedule). Its
  typed text is taken and checked, and Enter saves as from any field.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from app.core.edits import Opened
from app.core.errors import ChangedElsewhere, NotFoundError, TickworkError, ValidationError
from app.core.task import Task
from app.gui.background import describe_error
from app.gui.editor.questions import OVERWRITE, RELOAD, ask_changed_elsewhere, confirm_recreate
from app.gui.qt import QAbstractSpinBox, QEvent, QKeyEvent, QObject, QPushButton, Qt, QWidget, alive


class Editor(Protocol):
    """What the save needs of the task editor (app/gui/editor/dialog.py)."""

    mode: str
    original: Task | None
    save_button: QPushButton
    banner: Any
    touched: Any  # the fields the person has been to (touched.py)

    def collect(self) -> dict[str, Any]: ...
    def check_now(self) -> None: ...
    def reload(self) -> None: ...
    def go_to(self, index: int, widget: QWidget | None) -> None: ...
    def show_refusal(self, error: ValidationError) -> None: ...
    def findChildren(self, kind: type[QWidget]) -> list[QWidget]: ...
    def installEventFilter(self, watcher: QObject) -> None: ...

log = logging.getLogger(__name__)


def opened(editor: Editor, task: Task | None) -> Opened | None:
    """The task as this editor opened it, and the form's data for it."""
    if task is None:
        return None
    try:
        return Opened(task.spec.to_json(), editor.collect())
    except ValidationError:  # (compared in the stored form then)
        return Opened(task.spec.to_json())


def failed(editor: Editor, error: BaseException) -> dict[str, bool] | None:
    """Say why the service refused the save; the save to try again, where the person
    chose one (over a change made elsewhere, or making a deleted task again)."""
    if isinstance(error, ValidationError):
        editor.show_refusal(error)
    elif isinstance(error, ChangedElsewhere):
        chosen = ask_changed_elsewhere(_widget(editor), error)
        if chosen == OVERWRITE:
            return {"overwrite": True}
        if chosen == RELOAD:
            editor.reload()
        elif chosen is None:  # keep editing: where the person was, not on Cancel
            editor.go_to(*editor.touched.place(error.fields))
    elif isinstance(error, NotFoundError) and editor.mode == "edit" and editor.original:
        if confirm_recreate(_widget(editor), editor.original.name):
            return {"again": True}
    else:
        if not isinstance(error, TickworkError):
            log.error("saving a task failed", exc_info=error)
        editor.banner.show_error(describe_error(error))
    return None


def _widget(editor: Editor) -> QWidget:
    assert isinstance(editor, QWidget)  # (the dialog)
    return editor


class Pending(QObject):
    """A click on Save, or Enter in a field, while a check waits: the check is done at
    once, then the click or the key does what it does (Save on, it saves). Enter in a
    list's field adds its name, as before: not a save (its add is checked then)."""

    def __init__(self, editor: Editor) -> None:
        super().__init__(_widget(editor))
        self.editor = editor
        for widget in editor.findChildren(QWidget):  # (keys reach only what takes focus)
            if widget.focusPolicy() != Qt.FocusPolicy.NoFocus:
                widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress) or not alive(
                self.editor):
            return False
        if kind == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            # where it was pressed, not on its way up to the dialog (after an add, say), and
            # not in a list's field, where Enter adds a name
            enter = (event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                     and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
                     and watched is _widget(self.editor).focusWidget()
                     and not watched.property("enter_adds"))
        else:
            enter = kind == QEvent.Type.MouseButtonPress and watched is self.editor.save_button
        if enter and isinstance(watched, QAbstractSpinBox):
            watched.interpretText()  # (a change of value: a check waits, done now)
            self.editor.check_now()
            if self.editor.save_button.isEnabled():
                self.editor.save_button.click()
            return True  # not on to the spin box: its Enter would signal its value again
        if enter:
            self.editor.check_now()
        return False
