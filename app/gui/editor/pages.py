"""The editor's simpler pages: General, Execution, Dependencies, Notifications (the
Action page is in action_page.py, Schedule in schedule_page.py, Environment in env_page.py)."""

from __future__ import annotations

from typing import Any

from app.core.notify import ALL_NOTIFY_MODES, notify_flags, notify_mode
from app.gui.editor.keep_fields import KeepFields
from app.gui.editor.name_list import Folded, NameList
from app.gui.editor.page import Page
from app.gui.editor.widgets import DurationEdit
from app.gui.qt import (
    QCheckBox,
    QComboBox,
    QEvent,
    QHBoxLayout,
    QKeyEvent,
    QLineEdit,
    QModelIndex,
    QObject,
    QPlainTextEdit,
    QSpinBox,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    Qt,
    QWidget,
)
from app.gui.widgets.number_box import TypedSpinBox
from app.gui.widgets.task_field import SHORT, Completions, Lookup, TaskNameField


class GeneralPage(Page):
    title = "General"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. Back up notes")
        self.form.addRow("&Name", self.name)
        self.add_error("name", self.name)
        self.description = QPlainTextEdit()
        self.description.setPlaceholderText("What this task is for (optional)")
        self.description.setFixedHeight(72)
        self.description.setTabChangesFocus(True)  # Tab moves on, as in every other field
        self.description.installEventFilter(self)  # and Ctrl+Tab types a tab
        self.form.addRow("&Description", self.description)
        self.add_error("description", self.description)
        self.tags = QLineEdit()
        self.tags.setPlaceholderText("comma separated, e.g. backup, nightly")
        self.form.addRow("&Tags", self.tags)
        self.add_error("tags", self.tags)
        self.enabled = QCheckBox("Enabled (runs on its schedule)")
        self.enabled.setChecked(True)
        self.form.addRow("", self.enabled)
        self.add_error("enabled", self.enabled)
        self.name.textChanged.connect(self.changed)
        self.description.textChanged.connect(self.changed)
        self.tags.textChanged.connect(self.changed)
        self.enabled.toggled.connect(self.changed)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (watched is self.description and isinstance(event, QKeyEvent)
                and event.key() == Qt.Key.Key_Tab
                and event.modifiers() == Qt.KeyboardModifier.ControlModifier):
            if event.type() == QEvent.Type.ShortcutOverride:  # a tab, not the next page
                event.accept()
                return True
            if event.type() == QEvent.Type.KeyPress:
                self.description.insertPlainText("\t")
                return True
        return super().eventFilter(watched, event)

    def load(self, data: dict[str, Any]) -> None:
        self.name.setText(data.get("name", ""))
        self.description.setPlainText(data.get("description", ""))
        self.tags.setText(", ".join(data.get("tags", [])))
        self.enabled.setChecked(bool(data.get("enabled", True)))

    def collect(self, data: dict[str, Any]) -> None:
        data["name"] = self.name.text()
        data["description"] = self.description.toPlainText()
        data["tags"] = [t.strip() for t in self.tags.text().split(",") if t.strip()]
        data["enabled"] = self.enabled.isChecked()


OVERLAP = (("skip", "Skip the new run"), ("queue", "Queue it until one finishes"),
           ("replace", "Cancel the running one and start the new one"))
BACKOFF = (("fixed", "Fixed delay"), ("exponential", "Exponential (doubles each time)"))


class ExecutionPage(Page):
    title = "Execution"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.priority = QSpinBox()
        self.priority.setRange(-1_000_000, 1_000_000)
        self.form.addRow("&Priority", self.priority)
        self.add_error("priority", self.priority)
        self.timeout = DurationEdit("Stop after")
        self.form.addRow("&Time limit", self.timeout)
        self.add_error("timeout", self.timeout)
        self.retries = TypedSpinBox(0, 100)  # (what is typed past them: named under it)
        self.form.addRow("&Retries", self.retries)
        self.add_error("retries", self.retries)
        self.retry_delay = DurationEdit()
        self.retry_delay.set_seconds(10)
        self.form.addRow("Retry &delay", self.retry_delay)
        self.add_error("retry_delay", self.retry_delay)
        self.backoff = QComboBox()
        for key, label in BACKOFF:
            self.backoff.addItem(label, key)
        self.form.addRow("&Backoff", self.backoff)
        self.add_error("backoff", self.backoff)
        self.max_instances = TypedSpinBox(1, 1000)
        self.form.addRow("At &most running", self.max_instances)
        self.add_error("max_instances", self.max_instances)
        self.overlap = QComboBox()
        for key, label in OVERLAP:
            self.overlap.addItem(label, key)
        self.form.addRow("&When still running", self.overlap)
        self.add_error("overlap", self.overlap)
        group_row = QWidget()
        row = QHBoxLayout(group_row)
        row.setContentsMargins(0, 0, 0, 0)
        self.group = TaskNameField("(none) e.g. backup-disk")  # offers the groups in use
        self._groups: dict[str, int] = {}  # each group tasks are in, and its limit
        self.group_limit = TypedSpinBox(1, 10_000)
        self.group_limit.setPrefix("at most ")
        self.group_limit.setSuffix(" at once")
        row.addWidget(self.group, 1)
        row.addWidget(self.group_limit)
        self.form.addRow("Concurrency &group", group_row)
        self.add_error("group", group_row)
        self.group.textChanged.connect(self._on_group_changed)
        self.runs_on = QComboBox()  # where its runs execute (app/core/placement.py)
        self.runs_on.setEditable(True)  # `celery:QUEUE` is typed
        self.runs_on.addItems(["local", "celery"])
        self.runs_on.setToolTip("local: this engine's own worker processes; celery or "
                                "celery:QUEUE: a `tickwork worker` through the broker")
        self.form.addRow("Runs &on", self.runs_on)
        self.add_error("runs_on", self.runs_on)
        self.runs_on.currentTextChanged.connect(self.changed)
        self.keep = KeepFields(self.add_error)  # History (keep policy)
        self.form.addRow(self.keep)
        self.keep.changed.connect(self.changed)
        for signal in (self.priority.valueChanged, self.retries.valueChanged,
                       self.backoff.currentIndexChanged, self.max_instances.valueChanged,
                       self.overlap.currentIndexChanged, self.group_limit.valueChanged):
            signal.connect(self.changed)
        for widget in (self.timeout, self.retry_delay):
            widget.changed.connect(self.changed)
        self._on_group_changed("")

    def set_groups(self, groups: dict[str, int]) -> None:
        """The groups tasks are in, with their limits (read as the editor opens)."""
        self._groups = dict(groups)
        self.group.set_names(sorted(groups))

    def _on_group_changed(self, text: str) -> None:
        """A group other tasks are in shows the limit they share: the 1 shown before was
        saved with the task and lowered the group's limit for all of them."""
        self.group_limit.setEnabled(bool(text.strip()))
        limit = self._groups.get(text.strip())
        if limit is not None:
            self.group_limit.setValue(limit)
        self.changed.emit()

    def load(self, data: dict[str, Any]) -> None:
        self.priority.setValue(int(data.get("priority", 0)))
        self.timeout.set_seconds(data.get("timeout"))
        self.retries.setValue(int(data.get("retries", 0)))
        self.retry_delay.set_seconds(float(data.get("retry_delay", 10.0)))
        self.backoff.setCurrentIndex(max(0, self.backoff.findData(data.get("backoff"))))
        self.max_instances.setValue(int(data.get("max_instances", 1)))
        self.overlap.setCurrentIndex(max(0, self.overlap.findData(data.get("overlap"))))
        self.group.setText(data.get("group") or "")
        self.group_limit.setValue(int(data.get("group_limit") or 1))
        self.runs_on.setCurrentText(str(data.get("runs_on") or "local"))
        self.keep.load(data)

    def collect(self, data: dict[str, Any]) -> None:
        data["priority"] = self.priority.value()
        data["timeout"] = self.timeout.seconds()
        data["retries"] = self.retries.value()
        data["retry_delay"] = self.retry_delay.seconds() or 0.0
        data["backoff"] = self.backoff.currentData()
        data["max_instances"] = self.max_instances.value()
        data["overlap"] = self.overlap.currentData()
        group = self.group.text().strip() or None
        data["group"] = group
        data["group_limit"] = self.group_limit.value() if group else None
        data["runs_on"] = self.runs_on.currentText().strip()
        self.keep.collect(data)


class DependenciesPage(Page):
    title = "Dependencies"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form.addRow(self._note("This task's run waits until the latest run of each "
                                    "task below has succeeded; if one failed, the run is "
                                    "skipped with the reason. A task that has never run "
                                    "holds nothing back."))
        self.depends_on = NameList("Type a task name, then Add")
        self.form.addRow("&Waits for", self.depends_on)
        self.depends_on.input.setAccessibleName("Waits for")
        self.add_error("depends_on", self.depends_on)
        # a task whose schedule is "after other tasks succeed" is started by them: said
        # here too, where a person looks for what it depends on (the graph draws both)
        self.chain = self._note("")
        self.chain.setObjectName("ChainNote")
        self.chain.hide()
        self.form.addRow("", self.chain)
        self.dependency_timeout = DurationEdit("Give up after")
        self.form.addRow("Waiting &limit", self.dependency_timeout)
        self.add_error("dependency_timeout", self.dependency_timeout)
        self.fallback = QComboBox()
        self.fallback.setEditable(True)
        self.fallback.setMinimumContentsLength(24)
        self.fallback.setItemDelegate(NoneShown(self.fallback))
        line = self.fallback.lineEdit()
        assert line is not None  # (editable)
        line.setPlaceholderText("(none)")
        self.fallback_names = Completions(line)  # a big home's: looked up as typed
        self.form.addRow("&Fallback task", self.fallback)
        self.add_error("fallback", self.fallback)
        self.form.addRow("", self._note("Runs when this task's last attempt fails."))
        self.depends_on.changed.connect(self.changed)
        self.dependency_timeout.changed.connect(self.changed)
        self.fallback.currentTextChanged.connect(self.changed)

    def set_known_names(self, names: list[str], itself: str | None, folded: Folded,
                        lookup: Lookup) -> None:
        """The names to pick from: all of them in the lists if they are few (SHORT), else
        the store's best for what is typed (the Fallback list held the first 5,000, A–Z:
        with 100,000 tasks most could not be picked)."""
        self.depends_on.set_known(names, itself, folded, lookup)
        current = self.fallback.currentText()
        few = len(names) <= SHORT
        self.fallback.blockSignals(True)
        self.fallback.clear()
        self.fallback.addItem("")
        self.fallback.addItems(names if few else [])
        self.fallback.setCurrentText(current)
        self.fallback.blockSignals(False)
        if not few:  # its own completer matched only the list's names
            self.fallback_names.offer(names, lookup)
            line = self.fallback.lineEdit()
            assert line is not None
            line.setCompleter(self.fallback_names.completer)

    def show_chain(self, after: list[str]) -> None:
        """The tasks whose success starts this one (its schedule), or none."""
        if after:
            names = ", ".join(f"“{n}”" for n in after)
            self.chain.setText(f"Its schedule also starts it after {names} "
                               f"succeed{'s' if len(after) == 1 else ''} (Schedule page).")
        self.chain.setVisible(bool(after))

    def load(self, data: dict[str, Any]) -> None:
        self.depends_on.set_names(list(data.get("depends_on", [])))
        self.dependency_timeout.set_seconds(data.get("dependency_timeout"))
        self.fallback.setCurrentText(data.get("fallback") or "")

    def collect(self, data: dict[str, Any]) -> None:
        data["depends_on"] = self.depends_on.names()
        data["dependency_timeout"] = self.dependency_timeout.seconds()
        data["fallback"] = self.fallback.currentText().strip() or None


class NoneShown(QStyledItemDelegate):
    """The fallback list's empty first item reads "(none)", as the field does while empty:
    it was a blank row, highlighted as the list opened on a task with no fallback."""

    def initStyleOption(self, option: QStyleOptionViewItem,
                        index: QModelIndex) -> None:  # type: ignore[override]
        super().initStyleOption(option, index)
        if not index.data():
            option.text = "(none)"  # type: ignore[attr-defined]


NOTIFY_LABELS = {"never": "Never", "failure": "When it fails",
                 "always": "Always (fails or succeeds)", "success": "Only when it succeeds"}


class NotificationsPage(Page):
    """Notify: never / when it fails / always (and "only when it succeeds", which older
    tasks can hold), stored as the task's two notify flags (app/core/notify.py)."""

    title = "Notifications"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode = QComboBox()
        for mode in ALL_NOTIFY_MODES:
            self.mode.addItem(NOTIFY_LABELS[mode], mode)
        self.mode.setCurrentIndex(self.mode.findData("failure"))
        self.form.addRow("&Notify me", self.mode)
        self.add_error("notify", self.mode)
        self.form.addRow(self._note("A failure is told after its last retry (failed, timed "
                                    "out, or interrupted). Notifications appear on the "
                                    "desktop, with Open log and Retry now where the desktop "
                                    "offers buttons, even when this window is closed and the "
                                    "engine runs in the background; and in Tickwork's "
                                    "notification list."))
        self.mode.currentIndexChanged.connect(self.changed)

    def load(self, data: dict[str, Any]) -> None:
        self.mode.setCurrentIndex(self.mode.findData(notify_mode(data.get("notify"))))

    def collect(self, data: dict[str, Any]) -> None:
        data["notify"] = notify_flags(str(self.mode.currentData()))
