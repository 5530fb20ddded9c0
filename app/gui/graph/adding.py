"""Adding a dependency by a drag in the Graph view, and Ctrl+Z to take it back.

A drag from one task to another makes the second wait for the first at once, through the
service like any edit (validated, audited); a cycle is refused, named in the banner, and
nothing changes. No question is asked, so a drag meant to pan (among hundreds of tasks no
background is in sight) changed what a task waits for with only a status-bar line to say
so, while removing an arrow asks first. The line now says Ctrl+Z undoes it, and Ctrl+Z in
the view, while that drag is the last one, removes that dependency through the service as
removing its arrow does, without asking again. A drag that added nothing (the dependency
was there) leaves nothing to undo.
"""

from __future__ import annotations

from collections.abc import Callable

from app.core.errors import CycleError
from app.gui.background import Background, describe_error
from app.gui.graph.data import add_dependency, remove_dependency
from app.gui.qt import QKeySequence, QObject, QShortcut, Qt, QWidget
from app.gui.widgets.error_label import ErrorLabel
from app.service import Service


class Adding(QObject):
    """Drags' dependencies in `view` and the last one's undo; `say` puts words in the status
    bar, `banner` shows a refusal, `changed` asks for the graph to be read again and
    `names(upstream, downstream)` gives two tasks' names as shown."""

    def __init__(self, view: QWidget, service: Service, background: Background,
                 banner: ErrorLabel, say: Callable[[str], None], changed: Callable[[], None],
                 names: Callable[[int, int], tuple[str, str]]) -> None:
        super().__init__(view)
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
