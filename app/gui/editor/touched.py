"""Which of a new task's empty fields the person has been to, so "is empty" waits for them.

A new task's form opens empty, and every field it needs was wrong at once: the person typed
the name's first letter and "The command is empty" showed in red on a page not yet seen. A
field left empty (or the schedule not chosen) is said once the person has been in it and
left it (or emptied it while in it), or pressed Save; until then the hint beside Save names
it as still to fill in, not as a mistake. Anything else wrong — a quote left open, a name
another task has, a bad time — shows at once, as before. An edit or a copy opens filled in:
everything shows at once.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.core.errors import ValidationError
from app.gui.editor.name_list import NameList
from app.gui.editor.page import Page
from app.gui.editor.problems import not_chosen, route
from app.gui.qt import (
    QApplication,
    QEvent,
    QLineEdit,
    QObject,
    QPlainTextEdit,
    Qt,
    QWidget,
    Signal,
    Slot,
    alive,
)


def blank(widget: QWidget) -> bool:
    """Is `widget` a text field with nothing typed in it (a duration: its number; a list of
    task names: none added and none typed)? A row of several fields is none."""
    if isinstance(widget, NameList):
        return not widget.names() and blank(widget.input)
    part = getattr(widget, "number", widget)
    if isinstance(part, QLineEdit):
        return not part.text().strip()
    if isinstance(part, QPlainTextEdit):
        return not part.toPlainText().strip()
    return False


class Touched(QObject):
    """The fields of `pages` the person has been to, and whether every one counts so
    (`all`: Save pressed, or a form that opened filled in). A field counts once typed in, or
    left after the person went into it from elsewhere in the editor (the name, where the
    cursor is as the editor opens, does not count for being left untyped in).

    Signals:
        left(): a field that counts was left (what it lacks is said now).
    """

    left = Signal()

    def __init__(self, pages: Sequence[Page], dialog: QWidget, everything: bool) -> None:
        super().__init__(dialog)
        self.pages = pages
        self.dialog = dialog
        self.all = everything
        self.fields: set[str] = set()
        self._entered: set[str] = set()  # fields gone into from elsewhere in the editor
        self.last: QWidget | None = None  # the part of a field the cursor was in last
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        app.focusChanged.connect(self._on_app_focus_changed)
        for page in pages:  # a key pressed in a field: typed in (even if erased again)
            for _label, _form, _row, widget in page.errors.values():
                for part in (widget, *widget.findChildren(QWidget)):
                    if part.focusPolicy() != Qt.FocusPolicy.NoFocus:
                        part.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(watched, QWidget):
            self.fields |= self._fields_at(watched)
        return False

    def _fields_at(self, widget: QWidget | None) -> set[str]:
        """The fields `widget` is part of."""
        if widget is None or not alive(widget):
            return set()
        return {field for page in self.pages for field, entry in page.errors.items()
                if entry[3] is widget or entry[3].isAncestorOf(widget)}

    @Slot(QWidget, QWidget)
    def _on_app_focus_changed(self, old: QWidget | None, new: QWidget | None) -> None:
        """The cursor moved within the editor (not to or from another window)."""
        if not (alive(self.dialog) and new is not None and old is not None
                and self.dialog.isAncestorOf(new) and self.dialog.isAncestorOf(old)):
            return
        before, after = self._fields_at(old), self._fields_at(new)
        if after:
            self.last = new
        self._entered |= after - before
        left = (before - after) & (self._entered | self.fields)
        if left:  # (said now, not at the next keystroke)
            self.fields |= left
            self.left.emit()

    def place(self, fields: Sequence[str]) -> tuple[int, QWidget | None]:
        """Where the cursor goes back to (after "Keep editing", not to Cancel, where Enter
        asked to discard the changes): the field it was in last, else the first of
        `fields` (the task's JSON keys) the editor has; its page and that widget."""
        for i, page in enumerate(self.pages):
            if self.last is not None and alive(self.last) and page.isAncestorOf(self.last):
                return i, self.last
        for field in fields:
            for i, page in enumerate(self.pages):
                if route(field) in page.errors:
                    return i, page.widget_for(route(field))
        return 0, None

    def waits(self, error: ValidationError) -> bool:
        """Is `error` an empty field not yet been to (not said yet)? A new task's schedule
        not chosen yet is one: "choose when it runs" showed in red on the Schedule page the
        first time a person opened it."""
        if self.all or route(error.field) in self.fields:
            return False
        if not_chosen(error):
            return True
        widget = next((p.widget_for(route(error.field)) for p in self.pages
                       if route(error.field) in p.errors), None)
        return widget is not None and blank(widget)
