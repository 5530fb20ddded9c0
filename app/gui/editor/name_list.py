"""The editor's list of task names (what a task waits for, what it runs after)."""

from __future__ import annotations

from app.core.errors import curly
from app.core.references import Folded as Folded  # (the pages' pickers take one)
from app.core.references import by_fold, unique_name
from app.core.task import fold
from app.gui.qt import QHBoxLayout, QLabel, QPalette, QPushButton, Qt, QVBoxLayout, QWidget, Signal
from app.gui.widgets import display
from app.gui.widgets.error_label import ErrorLabel
from app.gui.widgets.tab_order import chain_after
from app.gui.widgets.task_field import Lookup, TaskNameField


def no_task_named(quoted: str) -> str:
    """A name no task has, as the picker and its page's error say it (the service's
    "unknown task “x”" reworded: one wording)."""
    return f"No task named {quoted}: pick one from the list"


def itself_named(quoted: str) -> str:
    """The edited task's own name typed in its list (the service's "would create a
    dependency cycle x → x"): it said "no task has this name", though one has."""
    return f"{quoted} is this task itself: pick another from the list"


class NameList(QWidget):
    """Task names picked from the store's tasks, in order, each shown with a Remove button.

    Type a name (the completer offers the tasks there are) and press Add or Enter; picking a
    completion adds it at once, and so does Enter while the completer shows one name only.
    A name no task has is said under the field in red as it is typed, in the words beside
    Save, and stays there to be corrected, never silently dropped. Text left in the field
    when the task is saved still counts (`names()`), so nothing typed is lost.
    """

    changed = Signal()

    def __init__(self, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._known: set[str] | None = None  # None until the store's names have arrived
        self._folded: Folded = {}  # the store's names by folded form
        self._itself: str | None = None  # the edited task's own name (not in _known)
        self._items: list[str] = []
        self._remove_buttons: dict[str, QPushButton] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.input = TaskNameField(placeholder)
        # queued: after QLineEdit's own setText of the pick, which it connects again each
        # time it takes the focus (so after this), and which put the name back in the field
        # once it was listed
        self.input.completer().activated.connect(self._on_completer_activated,
                                                 Qt.ConnectionType.QueuedConnection)
        self.add_button = QPushButton("Add")
        row.addWidget(self.input, 1)
        row.addWidget(self.add_button)
        layout.addLayout(row)
        self.error = ErrorLabel(field=self.input)
        layout.addWidget(self.error)
        self.empty = QLabel("(none yet)")
        self.empty.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        layout.addWidget(self.empty)
        # what is typed but not added yet still counts: said, so the list does not deny it
        self.pending_note = QLabel()
        self.pending_note.setWordWrap(True)
        self.pending_note.setTextFormat(Qt.TextFormat.PlainText)
        self.pending_note.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.pending_note.hide()
        layout.addWidget(self.pending_note)
        self._rows_box = QWidget()
        self._rows = QVBoxLayout(self._rows_box)
        self._rows.setContentsMargins(0, 0, 0, 0)
        self._rows.setSpacing(2)
        layout.addWidget(self._rows_box)
        self.add_button.clicked.connect(self._on_add_clicked)
        self.input.returnPressed.connect(self._on_input_return_pressed)
        self.input.setProperty("enter_adds", True)  # (its Enter is its own: saving.Pending)
        self.input.textEdited.connect(self._on_input_edited)

    def hasHeightForWidth(self) -> bool:  # a form squashed the field with a stale one
        return False  # its minimum is right: its error is a WrappedLabel

    def set_known(self, names: list[str], itself: str | None = None,
                  folded: Folded | None = None, lookup: Lookup | None = None) -> None:
        """The names there are (sorted, without the edited task's own: `itself`), and
        `folded`, every stored name by its folded form (`Snapshot.folded`), read off the GUI
        thread: folding 100,000 names again at each key stalled the typing ~130 ms. The
        completer is given them all only if they are few; else it offers `lookup`'s best."""
        self._known = set(names)
        self._folded = by_fold(names) if folded is None else folded
        self._itself = itself
        if lookup is None:
            self.input.set_names(names)
        else:
            self.input.offer(names, lookup)

    def _canonical(self, typed: str) -> str | None:
        """The task name `typed` means (ignoring case when that is unambiguous), or None."""
        if self._known is None or typed in self._known:
            return typed
        key = fold(typed)
        same = [n for n in self._folded.get(key, []) if n in self._known]
        return unique_name(typed, {key: same}, None)  # the service's rule

    def _is_itself(self, typed: str) -> bool:
        return self._itself is not None and fold(typed) == fold(self._itself)

    def task_named(self, typed: str) -> str | None:
        """The task `typed` names, as it is named (None: no task, or this one)."""
        return None if self._is_itself(typed) else self._canonical(typed)

    def _refusal(self, refused: list[str]) -> str:
        """Why these names cannot be listed: no task has them, or one is this task's own;
        in the words the dialog says beside Save (a name half typed was said there in red
        and under the field in grey, "keep typing": two ways for one fault)."""
        own = [curly(n) for n in refused if self._is_itself(n)]
        others = [n for n in refused if not self._is_itself(n)]
        said = [no_task_named(", ".join(curly(n) for n in others))] if others else []
        return "; ".join(said + [itself_named(n) for n in own[:1]])

    def _on_completer_activated(self, text: str) -> None:
        self.input.setText(text)
        self._on_add_clicked()

    def _on_input_edited(self, _text: str) -> None:
        self._show_pending()
        self.changed.emit()

    def _on_input_return_pressed(self) -> None:
        """Enter: with one name showing in the completer's list for what is typed, that
        name, as a completer takes its pick (Enter refused the half-typed name above it)."""
        completer = self.input.completer()
        popup, typed = completer.popup(), self._typed()
        if popup is not None and popup.isVisible() and completer.completionCount() == 1 \
                and len(typed) == 1 and self._canonical(typed[0]) is None:
            completer.setCurrentRow(0)
            self.input.setText(completer.currentCompletion())
        self._on_add_clicked()

    def _typed(self) -> list[str]:
        """The names in the field (a comma between two)."""
        return [n.strip() for n in self.input.text().split(",") if n.strip()]

    def _pending(self) -> list[str]:
        return [n for n in self._typed() if n not in self._items]

    def _show_pending(self) -> None:
        """The list as it will be saved: "(none yet)" only when nothing is listed or typed,
        and what is typed but not added said under it; what is typed and no task's name
        (a name half typed, this task's own) is the field's error instead, in red, as any
        field's (it said "is added when you save" above a red "unknown task")."""
        unknown = [n for n in self._pending() if self._canonical(n) is None]
        if unknown:
            self.error.show_error(self._refusal(unknown))
        else:
            self.error.clear_error()
        pending = [] if unknown else self._pending()
        self.empty.setVisible(not self._items and not pending)
        self.pending_note.setVisible(bool(pending))
        if pending:
            quoted = ", ".join(f"“{n}”" for n in pending)
            verb, them = ("is", "it") if len(pending) == 1 else ("are", "them")
            self.pending_note.setText(f"{quoted}, typed above, {verb} added when you save "
                                      f"(press Add or Enter to list {them} now)")

    def _on_add_clicked(self) -> None:
        unknown: list[str] = []
        for name in self._typed():
            known = self._canonical(name)
            if known is None:
                unknown.append(name)
            elif known not in self._items:
                self._add_row(known)
        # keep what could not be added in the field, to be corrected (its error says why)
        self.input.setText(", ".join(unknown))
        self._show_pending()
        self.changed.emit()

    def _add_row(self, name: str) -> None:
        self._items.append(name)
        row = QWidget()
        row.setObjectName("NameRow")
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        label = QLabel(f"• {name}")
        label.setTextFormat(Qt.TextFormat.PlainText)
        remove = QPushButton("Remove")
        remove.setAccessibleName(f"Remove {name}")
        remove.setToolTip(display.tip(f"Remove {name}"))
        line.addWidget(label, 1)
        line.addWidget(remove)
        remove.clicked.connect(lambda: self._remove(name, row))
        above = next(reversed(self._remove_buttons.values()), self.add_button)
        self._remove_buttons[name] = remove
        self._rows.addWidget(row)
        # Tab stops at it where it shows, after Add or the Remove above it (added later, it
        # came after the dialog's Save and Cancel)
        chain_after(above, [remove])
        row.show()  # at once (a layout would show it only after the next event loop pass)
        self._show_pending()

    def _remove(self, name: str, row: QWidget) -> None:
        if name in self._items:
            self._items.remove(name)
        self._remove_buttons.pop(name, None)
        self._rows.removeWidget(row)
        row.hide()
        row.deleteLater()
        self._show_pending()
        self.input.setFocus()
        self.changed.emit()

    def remove_buttons(self) -> dict[str, QPushButton]:
        """Each listed name's Remove button, by name."""
        return dict(self._remove_buttons)

    def added(self) -> list[str]:
        """The names listed (without what is still in the field)."""
        return list(self._items)

    def names(self) -> list[str]:
        """The names listed, then any still typed in the field (so none is lost)."""
        return self._items + self._pending()

    def set_names(self, names: list[str]) -> None:
        for i in reversed(range(self._rows.count())):
            item = self._rows.takeAt(i)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        self._items = []
        self._remove_buttons = {}
        for name in names:
            if name not in self._items:
                self._add_row(name)
        self._show_pending()
        self.changed.emit()
