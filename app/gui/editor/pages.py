"""The editor's simpler pages: General, Action, Execution, Dependencies, Notifications."""

from __future__ import annotations

import json
import shlex
from typing import Any

from app.core.commandline import shell_syntax
from app.core.errors import ValidationError
from app.core.notify import ALL_NOTIFY_MODES, notify_flags, notify_mode
from app.gui.editor.page import Page
from app.gui.editor.widgets import DurationEdit, FitStack, NameList, ShellHint, lead_focus_to
from app.gui.qt import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QEvent,
    QFileDialog,
    QHBoxLayout,
    QKeyEvent,
    QLineEdit,
    QObject,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    Qt,
    QWidget,
)


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
        if (watched is self.description and event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_Tab
                and event.modifiers() == Qt.KeyboardModifier.ControlModifier):
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


class ActionPage(Page):
    title = "Action"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        kinds = QWidget()
        row = QHBoxLayout(kinds)
        row.setContentsMargins(0, 0, 0, 0)
        self.is_command = QRadioButton("Run a &command")
        self.is_python = QRadioButton("Call a &Python function")
        self.is_command.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.is_command)
        group.addButton(self.is_python)
        row.addWidget(self.is_command)
        row.addWidget(self.is_python)
        row.addStretch(1)
        self.form.addRow("Action", kinds)
        self.add_error("action", kinds)
        self.stack = FitStack()
        self.form.addRow(self.stack)

        command_page = QWidget()
        cform = self._subform(command_page)
        self.command = QLineEdit()
        self.command.setFont(self._mono())
        self.command.setPlaceholderText('e.g. rsync -a ~/notes /backup/notes')
        cform.addRow("Co&mmand", self.command)
        self.add_error("command", self.command, cform)
        self.shell = QCheckBox("Run through the s&hell (pipes, redirections, variables)")
        cform.addRow("", self.shell)
        self.shell_hint = ShellHint()
        cform.addRow("", self.shell_hint)
        self.shell_hint.fix_button.clicked.connect(self._on_use_shell_clicked)
        cform.addRow("", self._note("Without the shell the line is split into arguments like "
                                    "a terminal would, and run directly."))
        self.stack.addWidget(command_page)

        python_page = QWidget()
        pform = self._subform(python_page)
        self.target = QLineEdit()
        self.target.setFont(self._mono())
        self.target.setPlaceholderText("module:function, e.g. reports.daily:pull")
        pform.addRow("&Function", self.target)
        self.add_error("python", self.target, pform)
        self.kwargs = QPlainTextEdit("{}")
        self.kwargs.setFont(self._mono())
        self.kwargs.setFixedHeight(80)
        pform.addRow("&Arguments (JSON)", self.kwargs)
        self.add_error("kwargs", self.kwargs, pform)
        self.stack.addWidget(python_page)

        cwd_row = QWidget()
        row = QHBoxLayout(cwd_row)
        row.setContentsMargins(0, 0, 0, 0)
        self.cwd = QLineEdit()
        self.cwd.setPlaceholderText("(Tickwork's own directory)")
        browse = QPushButton("&Browse…")
        browse.clicked.connect(self._on_browse_clicked)
        row.addWidget(self.cwd, 1)
        row.addWidget(browse)
        lead_focus_to(cwd_row, self.cwd)
        self.form.addRow("&Working folder", cwd_row)
        self.add_error("cwd", self.cwd)
        self.skip_checks = QCheckBox("Do&n't check now that the program, module and folder "
                                     "exist")
        self.skip_checks.setToolTip("Store the task anyway: they will exist when it runs")
        self.form.addRow("", self.skip_checks)

        self.is_command.toggled.connect(self._on_kind_toggled)
        for signal in (self.command.textChanged, self.target.textChanged,
                       self.kwargs.textChanged, self.cwd.textChanged):
            signal.connect(self.changed)
        self.shell.toggled.connect(self.changed)
        self.command.textChanged.connect(self._update_shell_hint)
        self.shell.toggled.connect(self._update_shell_hint)
        self.kwargs.setTabChangesFocus(True)
        self._update_shell_hint()

    def _update_shell_hint(self) -> None:
        found = None if self.shell.isChecked() else shell_syntax(self.command.text())
        self.shell_hint.show_syntax(found)

    def _on_use_shell_clicked(self) -> None:
        self.shell.setChecked(True)
        self.command.setFocus()

    def _subform(self, page: QWidget) -> Any:
        from app.gui.qt import QFormLayout

        form = QFormLayout(page)
        form.setContentsMargins(0, 0, 0, 0)
        return form

    def _on_kind_toggled(self, command: bool) -> None:
        self.stack.setCurrentIndex(0 if command else 1)
        self.changed.emit()

    def _on_browse_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Working folder", self.cwd.text())
        if folder:
            self.cwd.setText(folder)

    def load(self, data: dict[str, Any]) -> None:
        action = data.get("action") or {"kind": "command", "argv": []}
        if action.get("kind") == "python":
            self.is_python.setChecked(True)
            self.target.setText(action.get("target", ""))
            self.kwargs.setPlainText(json.dumps(action.get("kwargs", {}), indent=2))
        else:
            self.is_command.setChecked(True)
            argv = action.get("argv", [])
            self.shell.setChecked(bool(action.get("shell")))
            line = action.get("line")  # as typed; older tasks kept only the arguments
            if not isinstance(line, str):
                line = argv[0] if action.get("shell") and argv else shlex.join(argv)
            self.command.setText(line)
        self.cwd.setText(action.get("cwd") or "")
        self.stack.setCurrentIndex(0 if self.is_command.isChecked() else 1)

    def collect(self, data: dict[str, Any]) -> None:
        cwd = self.cwd.text().strip() or None
        if self.is_python.isChecked():
            text = self.kwargs.toPlainText().strip() or "{}"
            try:
                kwargs = json.loads(text)
            except json.JSONDecodeError as exc:
                raise ValidationError("kwargs", f"not valid JSON: {exc.msg} (line {exc.lineno},"
                                      f" column {exc.colno})") from None
            data["action"] = {"kind": "python", "target": self.target.text().strip(),
                              "kwargs": kwargs, "cwd": cwd}
            return
        line = self.command.text().strip()
        if not line:
            raise ValidationError("command", "is empty: type the command to run")
        if self.shell.isChecked():
            argv = [line]
        else:
            try:
                argv = shlex.split(line)
            except ValueError as exc:
                raise ValidationError("command", f"cannot be split into arguments: {exc} "
                                      "(close the quote, or run it through the shell)") from None
        data["action"] = {"kind": "command", "argv": argv, "shell": self.shell.isChecked(),
                          "cwd": cwd, "line": line}


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
        self.timeout = DurationEdit("Stop after", minimum=0.1)
        self.form.addRow("&Time limit", self.timeout)
        self.add_error("timeout", self.timeout)
        self.retries = QSpinBox()
        self.retries.setRange(0, 100)
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
        self.max_instances = QSpinBox()
        self.max_instances.setRange(1, 1000)
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
        self.group = QLineEdit()
        self.group.setPlaceholderText("(none) e.g. backup-disk")
        self.group_limit = QSpinBox()
        self.group_limit.setRange(1, 10_000)
        self.group_limit.setPrefix("at most ")
        self.group_limit.setSuffix(" at once")
        row.addWidget(self.group, 1)
        row.addWidget(self.group_limit)
        lead_focus_to(group_row, self.group)
        self.form.addRow("Concurrency &group", group_row)
        self.add_error("group", group_row)
        self.group.textChanged.connect(self._on_group_changed)
        for signal in (self.priority.valueChanged, self.retries.valueChanged,
                       self.backoff.currentIndexChanged, self.max_instances.valueChanged,
                       self.overlap.currentIndexChanged, self.group_limit.valueChanged):
            signal.connect(self.changed)
        for widget in (self.timeout, self.retry_delay):
            widget.changed.connect(self.changed)
        self._on_group_changed("")

    def _on_group_changed(self, text: str) -> None:
        self.group_limit.setEnabled(bool(text.strip()))
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


class DependenciesPage(Page):
    title = "Dependencies"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form.addRow(self._note("This task's run waits until the latest run of each "
                                    "task below has succeeded; if one failed, the run is "
                                    "skipped with the reason."))
        self.depends_on = NameList("Type a task name, then Add")
        self.form.addRow("&Waits for", self.depends_on)
        self.depends_on.input.setAccessibleName("Waits for")
        self.add_error("depends_on", self.depends_on)
        self.dependency_timeout = DurationEdit("Give up after", minimum=1)
        self.form.addRow("Waiting &limit", self.dependency_timeout)
        self.add_error("dependency_timeout", self.dependency_timeout)
        self.fallback = QComboBox()
        self.fallback.setEditable(True)
        self.fallback.setMinimumContentsLength(24)
        line = self.fallback.lineEdit()
        if line is not None:
            line.setPlaceholderText("(none)")
        self.form.addRow("&Fallback task", self.fallback)
        self.add_error("fallback", self.fallback)
        self.form.addRow("", self._note("Runs when this task's last attempt fails."))
        self.depends_on.changed.connect(self.changed)
        self.dependency_timeout.changed.connect(self.changed)
        self.fallback.currentTextChanged.connect(self.changed)

    def set_known_names(self, names: list[str]) -> None:
        self.depends_on.set_known(names)
        current = self.fallback.currentText()
        self.fallback.blockSignals(True)
        self.fallback.clear()
        self.fallback.addItem("")
        self.fallback.addItems(names[:5000])
        self.fallback.setCurrentText(current)
        self.fallback.blockSignals(False)

    def load(self, data: dict[str, Any]) -> None:
        self.depends_on.set_names(list(data.get("depends_on", [])))
        self.dependency_timeout.set_seconds(data.get("dependency_timeout"))
        self.fallback.setCurrentText(data.get("fallback") or "")

    def collect(self, data: dict[str, Any]) -> None:
        data["depends_on"] = self.depends_on.names()
        data["dependency_timeout"] = self.dependency_timeout.seconds()
        data["fallback"] = self.fallback.currentText().strip() or None


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
