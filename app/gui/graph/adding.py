"""Adding a dependency by a drag in the Graph view (or by keyboard: a task's menu, "Add
dependency…", asks which task it waits for), and Ctrl+Z to take it back.

A drag from one task to another makes the second wait for the first at once, through the
service like any edit (validated, audited); a cycle is refused, named in the banner, and
nothing changes. No question is asked, so a drag meant to pan (among hundreds of tasks no
background is in sight) changed what a task waits for with only a status-bar line to say
so, while removing an arrow asks first. The line now says Ctrl+Z undoes it, and Ctrl+Z in
the view, while that drag is the last one, removes that dependency through the service as
removing its arrow does, without asking again. A drag that added nothing (the dependency
was there) leaves nothing to undo.

The keyboard's way names the task in the field the editor's Waits for list uses (a task's
name completed as typed, matched ignoring case as the service does, refused in the same
words), then adds it as a drag would.
"""

from __future__ import annotations

from collections.abc import Callable

from app.core.errors import CycleError, curly
from app.core.references import by_fold, unique_name
from app.gui.background import Background, describe_error
from app.gui.editor.name_list import itself_named, no_task_named
from app.gui.graph.data import add_dependency, remove_dependency
from app.gui.qt import (
    QDialog,
    QDialogButtonBox,
    QKeySequence,
    QLabel,
    QObject,
    QShortcut,
    Qt,
    QVBoxLayout,
    QWidget,
)
from app.gui.widgets.error_label import ErrorLabel
from app.gui.widgets.task_field import TaskNameField
from app.service import Service


class Adding(QObject):
    """Drags' dependencies in `view` and the last one's undo; `say` puts words in the status
    bar, `banner` shows a refusal, `changed` asks for the graph to be read again and
    `names(upstream, downstream)` gives two tasks' names as shown."""

    def __init__(self, view: QWidget, service: Service, background: Background,
                 banner: ErrorLabel, say: Callable[[str], None], changed: Callable[[], None],
                 names: Callable[[int, int], tuple[str, str]]) -> None:
        super().__init__(view)
        self.view = view
        self.service = service
        self.background = background
        self.banner = banner
        self.say = say
        self.changed = changed
        self.names = names
        self.last: tuple[int, int, tuple[str, str]] | None = None  # what Ctrl+Z takes back
        shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Undo), view)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.undo)

    def add(self, upstream: int, downstream: int) -> None:
        """A drag ended on another task: make it wait for the first."""
        service = self.service
        self.banner.clear_error()

        def done(result: tuple[str, tuple[str, str] | None]) -> None:
            text, added = result
            if added is not None:
                self.last = (upstream, downstream, added)
                text += " Ctrl+Z undoes it."
            self.say(text)
            self.changed()

        def failed(error: BaseException) -> None:
            up, down = self.names(upstream, downstream)
            if isinstance(error, CycleError):
                text = (f"Not added: “{down}” cannot wait for “{up}”, that would make a "
                        f"dependency cycle {' → '.join(error.cycle)}. Nothing was changed.")
            else:
                text = f"Not added: {describe_error(error)}"
            self.banner.show_error(text)
            self.say(text)

        self.background.run(lambda: add_dependency(service, upstream, downstream), done, failed,
                            owner=self)

    def choose(self, downstream: int, ids: dict[str, int]) -> QDialog:
        """Add dependency…: ask which task (by name, of `ids`) the task waits for; add it."""
        name = next((n for n, i in ids.items() if i == downstream), str(downstream))
        dialog = QDialog(self.view)
        dialog.setWindowTitle("Add dependency")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        layout = QVBoxLayout(dialog)
        label = QLabel(f"{curly(name)} &waits for:")
        field = TaskNameField("Task name")
        field.set_names(sorted((n for n in ids if n != name), key=str.lower))
        label.setBuddy(field)
        error = ErrorLabel(field=field)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Add dependency")
        for widget in (label, field, error, buttons):
            layout.addWidget(widget)

        def accept() -> None:
            typed = field.text().strip()
            found = unique_name(typed, by_fold(ids), None)
            if found is None or found == name:
                error.show_error(itself_named(curly(typed)) if found == name
                                 else no_task_named(curly(typed)))
                return
            dialog.accept()
            self.add(ids[found], downstream)

        buttons.accepted.connect(accept)
        buttons.rejected.connect(dialog.reject)
        dialog.open()
        field.setFocus()
        return dialog

    def undo(self) -> None:
        """Ctrl+Z: remove the dependency the last drag added (once)."""
        if self.last is None:
            self.say("Nothing to undo: Ctrl+Z takes back the dependency a drag just added.")
            return
        upstream, downstream, names = self.last
        self.last = None
        service = self.service
        self.banner.clear_error()

        def done(text: str) -> None:
            self.say(f"Undone: {text}")
            self.changed()

        def failed(error: BaseException) -> None:
            text = f"Not undone: {describe_error(error)}"
            self.banner.show_error(text)
            self.say(text)
            self.changed()

        self.background.run(lambda: remove_dependency(service, upstream, downstream, names),
                            done, failed, owner=self)
