"""What the Graph view shows: the whole graph or one task's upstream and/or downstream (the
bar's scope and task name), with or without the tasks that have no dependency (the switch
under it); and the names that task field offers as it is typed.

The names offered are the ones that show something once picked. Over the whole graph the
field finds a task among those drawn, so it offers those: only the tasks with a dependency
(or a fallback) while the others are hidden, for a hidden one picked there is found nowhere.
With a task's upstream or downstream shown, the field names whose neighbours to show, and
any task can be that: every task is offered (the ones drawn alone would keep a person inside
the pipeline shown, unable to name another by typing). They come from the store the way the
other name fields' do (`widgets.task_field`): every name handed to Qt in a small home, the
best for what is typed, read off the GUI thread, in a big one — with 100,000 tasks every
name was handed to Qt at each load and its own matching froze the window 0.3–0.9 s a key.

Signals:
    changed(): the scope or the switch changed, or a name was entered or picked.
"""

from __future__ import annotations

from app.gui.background import Background
from app.gui.graph.data import Filter
from app.gui.qt import QCheckBox, QComboBox, QObject, QTimer, Signal
from app.gui.widgets.task_field import Lookup, TaskNameField
from app.service import Service

SCOPE_LABELS = (("all", "Whole graph"), ("both", "Upstream and downstream of"),
                ("upstream", "Upstream of"), ("downstream", "Downstream of"))


class Filtering(QObject):
    changed = Signal()

    def __init__(self, background: Background, service: Service,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.background = background
        self.service = service
        self.ids: dict[str, int] = {}  # the graph's tasks by name, as last read
        self._linked: bool | None = None  # the names offered are linked tasks' (None: none)
        self.scope = QComboBox()
        self.scope.setObjectName("GraphScope")
        for key, label in SCOPE_LABELS:
            self.scope.addItem(label, key)
        self.task = TaskNameField("Task name")
        self.task.setObjectName("GraphTask")
        self.task.setClearButtonEnabled(True)
        self.unconnected = QCheckBox("Tasks without dependencies")
        self.unconnected.setChecked(True)
        self.unconnected.setToolTip("Also show tasks that neither wait for nor trigger "
                                    "another task (in a grid below the graph)")
        self._due = False  # `changed` is to be said once the key or click is over
        self.scope.currentIndexChanged.connect(self._on_shown_changed)
        self.unconnected.toggled.connect(self._on_shown_changed)
        # Enter on the completer's list ends the editing with the text typed, then puts the
        # name picked in the field: the filter is the name, once (a click picks one alone)
        self.task.editingFinished.connect(self._soon)
        self.task.completer().activated.connect(self._soon)

    def filter(self) -> Filter:
        return Filter(self.ids.get(self.task.text().strip()), str(self.scope.currentData()),
                      self.unconnected.isChecked())

    def unknown(self) -> str:
        """The name typed, when no task in the graph has it ("": none, or a task's)."""
        name = self.task.text().strip()
        return name if name and name not in self.ids else ""

    def set_tasks(self, ids: dict[str, int]) -> None:
        """The graph read again with other tasks: these, by name; the names offered anew."""
        self.ids = ids
        self._offer(again=True)

    def linked(self) -> bool:
        """Whether only the tasks with a dependency can be found (the rest are hidden)."""
        return self.scope.currentData() == "all" and not self.unconnected.isChecked()

    def _offer(self, again: bool = False) -> None:
        linked = self.linked()
        if again or linked != self._linked:
            self._linked = linked
            self.task.look_up(Lookup(self.background, self.service, linked=linked))

    def show(self, name: str, scope: str) -> None:
        """Show the task `name`'s neighbours in `scope` (its menu's "Show its upstream…")."""
        self.task.setText(name)
        self.scope.setCurrentIndex(self.scope.findData(scope))  # (said once with the name)
        self._soon()

    def _on_shown_changed(self) -> None:
        self._offer()
        self._soon()

    def _soon(self) -> None:
        if not self._due:
            self._due = True
            QTimer.singleShot(0, self, self._say_changed)

    def _say_changed(self) -> None:
        self._due = False
        self.changed.emit()
