"""What the Graph view shows: the whole graph or one task's upstream and/or downstream (the
bar's scope and task name), with or without the tasks that have no dependency (the switch
under it), and which task the name typed means.

Signals:
    changed(): the scope or the switch changed, or a name was entered.
"""

from __future__ import annotations

from app.gui.graph.data import Filter
from app.gui.qt import QCheckBox, QComboBox, QObject, Signal
from app.gui.widgets.task_field import TaskNameField

SCOPE_LABELS = (("all", "Whole graph"), ("both", "Upstream and downstream of"),
                ("upstream", "Upstream of"), ("downstream", "Downstream of"))


class Filtering(QObject):
    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ids: dict[str, int] = {}  # the graph's tasks by name, as last read
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
        self.scope.currentIndexChanged.connect(self.changed)
        self.unconnected.toggled.connect(self.changed)
        self.task.editingFinished.connect(self.changed)

    def filter(self) -> Filter:
        return Filter(self.ids.get(self.task.text().strip()), str(self.scope.currentData()),
                      self.unconnected.isChecked())

    def unknown(self) -> str:
        """The name typed, when no task in the graph has it ("": none, or a task's)."""
        name = self.task.text().strip()
        return name if name and name not in self.ids else ""

    def set_tasks(self, ids: dict[str, int]) -> None:
        """The graph read again with other tasks: these, by name, offered as names."""
        self.ids = ids
        self.task.set_names(sorted(ids, key=str.lower))

    def show(self, name: str, scope: str) -> None:
        """Show the task `name`'s neighbours in `scope` (its menu's "Show its upstream…")."""
        self.task.setText(name)
        self.scope.blockSignals(True)
        self.scope.setCurrentIndex(self.scope.findData(scope))
        self.scope.blockSignals(False)
        self.changed.emit()
