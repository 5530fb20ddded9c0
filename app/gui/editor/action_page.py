"""The editor's Action page: a command (kept exactly as typed, with the shell offered when
the line needs one, the shell program it runs with and the text it reads on its standard
input — cron's SHELL and `%` lines) or a Python function with its JSON arguments, and the
working folder.

The fields a look at the machine (`machine.py`) can find wrong — the program, the shell, the
module and function, the arguments it takes, the working folder — keep their error line's room
while empty: the look's answer comes after a pause, when the person may be elsewhere on the
page, and nothing moves under the mouse when it shows."""

from __future__ import annotations

import json
import shlex
from typing import Any

from app.core import fields
from app.core.commandline import closed_quotes, shell_syntax
from app.core.errors import ValidationError
from app.gui.editor.page import Page
from app.gui.editor.widgets import FitStack, ShellHint, align_labels
from app.gui.qt import (
    QButtonGroup,
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QWidget,
)
from app.gui.widgets import file_choice

ROOM = 1  # the lines kept under a field a look at the machine can find wrong


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
        self.add_error("command", self.command, cform, lines=ROOM)
        self.shell = QCheckBox("Run through the s&hell (pipes, redirections, variables)")
        cform.addRow("", self.shell)
        self.shell_hint = ShellHint()
        cform.addRow("", self.shell_hint)
        self.shell_hint.fix_button.clicked.connect(self._on_use_shell_clicked)
        self.shell_note = self._note("")  # what the box means, as it is now
        cform.addRow("", self.shell_note)
        self.shell_program = QLineEdit()
        self.shell_program.setFont(self._mono())
        self.shell_program.setPlaceholderText("/bin/sh")
        self.shell_program.setToolTip("The shell the line runs with (cron's SHELL)")
        cform.addRow("Shell pro&gram", self.shell_program)
        self.add_error("shell_program", self.shell_program, cform, lines=ROOM)
        self.stdin = QPlainTextEdit()
        self.stdin.setFont(self._mono())
        self.stdin.setFixedHeight(60)
        self.stdin.setTabChangesFocus(True)
        self.stdin.setPlaceholderText("(nothing) — text the command reads on its standard input")
        cform.addRow("Standard &input", self.stdin)
        self.add_error("stdin", self.stdin, cform)
        self.stack.addWidget(command_page)

        python_page = QWidget()
        pform = self._subform(python_page)
        self.target = QLineEdit()
        self.target.setFont(self._mono())
        self.target.setPlaceholderText("module:function, e.g. reports.daily:pull")
        pform.addRow("&Function", self.target)
        self.add_error("python", self.target, pform, lines=2)  # "No module named …: set …"
        self.kwargs = QPlainTextEdit("{}")
        self.kwargs.setFont(self._mono())
        self.kwargs.setFixedHeight(80)
        pform.addRow("&Arguments (JSON)", self.kwargs)
        self.add_error("kwargs", self.kwargs, pform, lines=ROOM)  # "takes no argument …"
        self.stack.addWidget(python_page)

        cwd_row = QWidget()
        row = QHBoxLayout(cwd_row)
        row.setContentsMargins(0, 0, 0, 0)
        self.cwd = QLineEdit()
        self.cwd.setPlaceholderText("(your home folder)")
        self.browse = QPushButton("&Browse…")
        self.browse.clicked.connect(self._on_browse_clicked)
        self.file_dialog: QFileDialog | None = None  # the working folder's choice, open
        row.addWidget(self.cwd, 1)
        row.addWidget(self.browse)
        self.form.addRow("&Working folder", cwd_row)
        self.add_error("cwd", self.cwd, lines=ROOM)
        self.skip_checks = QCheckBox("Do&n't check now that the program, module and folder "
                                     "exist")
        self.skip_checks.setToolTip("Store the task anyway: they will exist when it runs")
        self.form.addRow("", self.skip_checks)
        align_labels(self.form, cform, pform)  # one column of fields, whichever kind shows

        self.is_command.toggled.connect(self._on_kind_toggled)
        for signal in (self.command.textChanged, self.target.textChanged,
                       self.kwargs.textChanged, self.cwd.textChanged,
                       self.shell_program.textChanged, self.stdin.textChanged):
            signal.connect(self.changed)
        self.shell.toggled.connect(self.changed)
        self.command.textChanged.connect(self._update_shell_hint)
        self.shell.toggled.connect(self._update_shell_hint)
        self.shell.toggled.connect(self.shell_program.setEnabled)
        self.kwargs.setTabChangesFocus(True)
        self._update_shell_hint()
        self.shell_program.setEnabled(False)

    def _update_shell_hint(self) -> None:
        found = None if self.shell.isChecked() else shell_syntax(self.command.text())
        self.shell_hint.show_syntax(found)
        self.shell_note.setText(
            "The shell reads the line: pipes, redirections, variables and ; work."
            if self.shell.isChecked() else "Without the shell the line is split into "
            "arguments like a terminal would, and run directly.")

    def _on_use_shell_clicked(self) -> None:
        self.shell.setChecked(True)
        self.command.setFocus()

    def _subform(self, page: QWidget) -> QFormLayout:
        form = QFormLayout(page)
        form.setContentsMargins(0, 0, 0, 0)
        return form

    def first_field(self) -> QWidget:
        """The command (or the function) to type, not the choice between them above it:
        typed after Ctrl+PgDown, a command went to that choice, and nowhere."""
        return self.command if self.is_command.isChecked() else self.target

    def _on_kind_toggled(self, command: bool) -> None:
        self.stack.setCurrentIndex(0 if command else 1)
        self.changed.emit()

    def _on_browse_clicked(self) -> None:
        self.file_dialog = file_choice.choose(self, "Working folder", self.cwd.setText,
                                              mode="folder", folder=self.cwd.text(),
                                              purpose="working-folders")

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
            self.shell_program.setText(action.get("shell_program") or "")
            self.stdin.setPlainText(action.get("stdin") or "")
        self.cwd.setText(action.get("cwd") or "")
        self.stack.setCurrentIndex(0 if self.is_command.isChecked() else 1)

    def collect(self, data: dict[str, Any], kwargs: Any = None) -> None:
        """`kwargs`: the arguments to give a Python function instead of the typed ones (a
        look at the module needs none, and is made while they are not valid JSON yet)."""
        cwd = self.cwd.text().strip() or None
        if self.is_python.isChecked():
            text = self.kwargs.toPlainText().strip() or "{}"
            try:
                kwargs = fields.json_once(text, "kwargs") if kwargs is None else kwargs
            except json.JSONDecodeError as exc:
                raise ValidationError("kwargs", fields.not_json(exc)) from None
            except ValueError:  # (after JSONDecodeError, one)
                raise ValidationError("kwargs", fields.long_number()) from None
            data["action"] = {"kind": "python", "target": self.target.text().strip(),
                              "kwargs": kwargs, "cwd": cwd}
            return
        line = self.command.text().strip()
        if not line:
            raise ValidationError("command", "The command is empty: type what to run")
        if self.shell.isChecked():
            argv = [line]
        else:
            closed_quotes(line, False)
            argv = shlex.split(line)
        program = self.shell_program.text().strip() if self.shell.isChecked() else ""
        stdin = self.stdin.toPlainText()
        data["action"] = {"kind": "command", "argv": argv, "shell": self.shell.isChecked(),
                          "cwd": cwd, "line": line, "shell_program": program or None,
                          "stdin": stdin or None}
