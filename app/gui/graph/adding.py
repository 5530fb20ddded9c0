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
name completed as typed from the store, matched ignoring case as the service does, refused
in the same words), then adds it as a drag would; a name no task has, the task's own or a
cycle is said under the field, and the dialog stays for another name.
"""

from __future__ import annotations

from collections.abc import Callable

from app.core.errors import CycleError, TickworkError, curly
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
    alive,
)
from app.gui.widgets.error_label import ErrorLabel
from app.gui.widgets.task_field import Lookup, TaskNameField
from app.service import Service

Added = tuple[str, tuple[str, str] | None]  # what `add_dependency` did, in words; the names


class Refused(TickworkError):
    """Why the task named in "Add dependency…" was not added, in the dialog's words: no task
    has the name, it is the task's own (the editor's words), or it would make a cycle."""


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

        def failed(error: BaseException) -> None:
            text = refusal(error, *self.names(upstream, downstream))
            self.banner.show_error(text)
            self.say(text)

        self.background.run(lambda: add_dependency(service, upstream, downstream),
                            lambda result: self._added(upstream, downstream, result), failed,
                            owner=self)

    def _added(self, upstream: int, downstream: int, result: Added) -> None:
        text, added = result
        if added is not None:
            self.last = (upstream, downstream, added)
            text += " Ctrl+Z undoes it."
        self.say(text)
        self.changed()

    def choose(self, downstream: int, ids: dict[str, int]) -> QDialog:
        """Add dependency…: ask which task (by name, of `ids`) the task waits for; add it.
        The dialog stays until it is added, saying under the name why not (no such task,
        the task itself, a cycle)."""
        name = self.names(downstream, downstream)[0]
        service = self.service
        dialog = QDialog(self.view)
        dialog.setWindowTitle("Add dependency")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        layout = QVBoxLayout(dialog)
        label = QLabel(f"{curly(name)} &waits for:")
        field = TaskNameField("Task name")
        field.look_up(Lookup(self.background, service, without=name))
        label.setBuddy(field)
        error = ErrorLabel(field=field)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Add dependency")
        for widget in (label, field, error, buttons):
            layout.addWidget(widget)

        def done(result: tuple[int, Added]) -> None:
            if alive(dialog):
                dialog.accept()
            self._added(result[0], downstream, result[1])

        def failed(refused: BaseException) -> None:
            text = (str(refused) if isinstance(refused, Refused)
                    else f"Not added: {describe_error(refused)}")
            if not alive(dialog):  # (closed meanwhile: said as a drag's is)
                self.banner.show_error(text)
                self.say(text)
                return
            ok.setEnabled(True)
            error.show_error(text)

        def accept() -> None:
            typed = field.text().strip()
            if not ok.isEnabled():  # (Enter again while it is added)
                return
            ok.setEnabled(False)
            self.background.run(lambda: add_named(service, typed, ids, name, downstream),
                                done, failed, owner=self)

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


def add_named(service: Service, typed: str, ids: dict[str, int], own: str,
              downstream: int) -> tuple[int, Added]:
    """Make `downstream` (named `own`) wait for the task `typed` names among `ids`, ignoring
    case as the service does: its id and what was done (a pool thread's work, folding
    100,000 names took the GUI thread ~85 ms). Refused: nothing changed."""
    found = typed if typed in ids else unique_name(typed, by_fold(ids), None)
    if found is None or found == own:
        raise Refused(itself_named(curly(typed)) if found == own
                      else no_task_named(curly(typed)))
    try:
        return ids[found], add_dependency(service, ids[found], downstream)
    except CycleError as error:
        raise Refused(refusal(error, found, own)) from None


def refusal(error: BaseException, up: str, down: str) -> str:
    """Why `down` was not made to wait for `up`, in words."""
    if isinstance(error, CycleError):
        return (f"Not added: “{down}” cannot wait for “{up}”, that would make a dependency "
                f"cycle {' → '.join(error.cycle)}. Nothing was changed.")
    return f"Not added: {describe_error(error)}"
