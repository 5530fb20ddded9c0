"""The editor's Environment & secrets page.

Each variable is a row: name, value, and "secret". A secret's value is typed masked and
goes to the OS keyring with the task's save, only if it is saved (`Service.create_task`'s
`secrets`: a save refused left it there, unused); the task keeps
only the secret's name (a reference), so the value never reaches the database. A stored
secret shows as dots, and the row names the keyring entry it uses (never its value); typing a
new value replaces it. Un-ticking Secret on a stored secret
asks for its new plain value (Save waits for it), so a secret is never emptied unsaid. With
no keyring backend, secrets are refused and the page says why. The note at the top names the
variables Tickwork adds for the action's kind, from the list the engine sets them by
(`app/core/run_env.py`): a command sees them in its environment, a Python function in
`context.env`.
"""

from __future__ import annotations

from typing import Any

from app.core.errors import ValidationError
from app.core.run_env import names_for
from app.gui.editor.page import Page
from app.gui.qt import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    Qt,
    QToolButton,
    QVBoxLayout,
    QWidget,
    Signal,
)
from app.gui.widgets.tab_order import chain_after
from app.secrets import missing_said
from app.service_secrets import own_secret_name

NO_KEYRING = ("No keyring is available on this desktop, so secret values cannot be stored "
              "safely and Tickwork refuses them (it never writes them in plain text). Install "
              "and unlock a keyring such as GNOME Keyring or KWallet, then reopen this editor.")


def variables_note(kind: str) -> str:
    """What the page says about where the variables go, and which ones Tickwork adds."""
    names = names_for(kind)
    listed = f"{', '.join(names[:-1])} and {names[-1]}"
    if kind == "python":
        return ("Variables the function reads in context.env (give it a context parameter); "
                f"they are not put in os.environ. Tickwork also puts {listed} there.")
    return f"Variables added to the command's environment. Tickwork also sets {listed}."


class EnvRow(QWidget):
    """Signals:
        changed(): name, value or secrecy changed.
        remove_requested(): the row's × was clicked.
    """

    changed = Signal()
    remove_requested = Signal()

    def __init__(self, secrets_allowed: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stored_secret: str | None = None
        self.missing = False  # the stored secret is not in the keyring (its runs fail)
        rows = QVBoxLayout(self)
        rows.setContentsMargins(0, 0, 0, 0)
        rows.setSpacing(2)
        layout = QHBoxLayout()
        rows.addLayout(layout)
        self.keyring_name = QLabel()  # which stored secret the variable uses, under its row
        self.keyring_name.setObjectName("KeyringName")
        self.keyring_name.setWordWrap(True)
        self.keyring_name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.keyring_name.hide()
        rows.addWidget(self.keyring_name)
        self.name = QLineEdit()
        self.name.setPlaceholderText("NAME")
        self.value = QLineEdit()
        self.value.setPlaceholderText("value")
        self.name.setAccessibleName("Variable name")  # rows come and go: named here
        self.value.setAccessibleName("Variable value")
        self.secret = QCheckBox("Secret")
        self.secret.setToolTip("Keep the value in the OS keyring, typed masked, never stored "
                               "in Tickwork's database")
        self.secret.setEnabled(secrets_allowed)
        self.remove = remove = QToolButton()
        remove.setText("×")
        remove.setToolTip("Remove this variable")
        remove.setAccessibleName("Remove variable")
        layout.addWidget(self.name, 2)
        layout.addWidget(self.value, 3)
        layout.addWidget(self.secret)
        layout.addWidget(remove)
        self.name.textChanged.connect(self.changed)
        self.value.textChanged.connect(self.changed)
        self.secret.toggled.connect(self._on_secret_toggled)
        remove.clicked.connect(self.remove_requested)

    def show_stored_secret(self, secret: str) -> None:
        """This variable's value is the keyring's `secret`: masked, and said so."""
        self.stored_secret = secret
        self.secret.setEnabled(True)
        self.secret.setChecked(True)
        self._on_secret_toggled(True)

    def say_missing(self, missing: bool) -> None:
        """Is the stored secret missing from the keyring? Said under the row."""
        self.missing = missing
        self._say_uses(self.secret.isChecked())

    def _say_uses(self, on: bool) -> None:
        uses = f"Uses the keyring secret “{self.stored_secret}”." if self.stored_secret else ""
        if self.stored_secret and self.missing:
            said = missing_said(self.stored_secret)
            uses = f"{said[0].upper()}{said[1:]}. Type its value to store it again."
        self.keyring_name.setText(uses)
        self.keyring_name.setVisible(bool(uses) and on)
        self.value.setToolTip(uses if on else "")

    def _on_secret_toggled(self, on: bool) -> None:
        self.value.setEchoMode(QLineEdit.EchoMode.Password if on else QLineEdit.EchoMode.Normal)
        self._say_uses(on)
        if self.stored_secret and on:
            self.value.setPlaceholderText("•••••• stored in the keyring (type to replace)")
        elif self.stored_secret:
            self.value.setPlaceholderText("its new plain value")
        else:
            self.value.setPlaceholderText("secret value" if on else "value")
        self.changed.emit()


class EnvPage(Page):
    title = "Environment & secrets"

    def __init__(self, secrets_allowed: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.secrets_allowed = secrets_allowed
        self.note = self._note(variables_note("command"))
        self.form.addRow(self.note)
        self.keyring_note = QLabel(NO_KEYRING)
        self.keyring_note.setWordWrap(True)
        self.keyring_note.setVisible(not secrets_allowed)
        self.form.addRow(self.keyring_note)
        self.rows_box = QWidget()
        self.rows_layout = QVBoxLayout(self.rows_box)
        self.rows_layout.setContentsMargins(0, 0, 0, 0)
        self.form.addRow(self.rows_box)
        self.add_error("env", self.rows_box, span=True)
        self.add_button = QPushButton("&Add variable")
        self.add_button.clicked.connect(self._on_add_clicked)
        buttons = QWidget()
        row = QHBoxLayout(buttons)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.add_button)
        row.addStretch(1)
        self.form.addRow(buttons)
        self.rows: list[EnvRow] = []

    def _on_add_clicked(self) -> EnvRow:
        row = self.add_row()
        row.name.setFocus(Qt.FocusReason.OtherFocusReason)  # type the name straight away
        return row

    def add_row(self, name: str = "", value: str = "", secret: str | None = None) -> EnvRow:
        row = EnvRow(self.secrets_allowed)
        row.name.setText(name)
        if secret is not None:
            row.show_stored_secret(secret)
        else:
            row.value.setText(value)
        row.changed.connect(self.changed)
        row.remove_requested.connect(lambda r=row: self._remove(r))
        self.rows.append(row)
        self.rows_layout.addWidget(row)
        self._chain_in(row)
        self.changed.emit()
        return row

    def show_missing(self, names: list[str] | None) -> None:
        """The stored secrets the keyring lacks (`Service.missing_secrets`), said under
        their rows."""
        for row in self.rows:
            row.say_missing(row.stored_secret in (names or ()))

    def _chain_in(self, row: EnvRow) -> None:
        """Tab reaches the row where it shows: after the row before it, else first in the
        rows' box, so before "Add variable", Save and Cancel (it stayed after Cancel, and
        "Add variable", linked after it, was taken there: Tab went from the button up to the
        page list before Save; the page's first field and a wrong variable's cursor were the
        page's frame or the rows' box, which take no keys)."""
        before = self.rows[-2].remove if len(self.rows) > 1 else self.rows_box
        chain_after(before, [row.name, row.value, row.secret, row.remove])

    def _remove(self, row: EnvRow) -> None:
        self.rows.remove(row)
        row.setParent(None)
        row.deleteLater()
        self.changed.emit()

    def set_kind(self, kind: str) -> None:
        """The action is a command or a Python function: say what each sees."""
        self.note.setText(variables_note(kind))

    def load(self, data: dict[str, Any]) -> None:
        self.set_kind((data.get("action") or {}).get("kind") or "command")
        for row in list(self.rows):
            self._remove(row)
        for key, value in (data.get("env") or {}).items():
            self.add_row(key, value)
        for key, secret in (data.get("secret_env") or {}).items():
            self.add_row(key, secret=secret)

    def collect(self, data: dict[str, Any]) -> None:
        env: dict[str, str] = {}
        secret_env: dict[str, str] = {}
        for row in self.rows:
            key = row.name.text().strip()
            if not key and not row.value.text():
                continue
            if not key:
                raise ValidationError("env", "A variable has a value but no name: type its NAME")
            if key in env or key in secret_env:
                raise ValidationError("env", f"{key} is set twice")
            if row.secret.isChecked():
                if not self.secrets_allowed and row.value.text():
                    raise ValidationError("env", f"{key}: {NO_KEYRING}")
                if not row.value.text() and not row.stored_secret:
                    raise ValidationError("env", f"{key}: type the secret's value")
                secret_env[key] = (own_secret_name(data.get("name", ""), key)
                                   if row.value.text() else row.stored_secret or "")
            elif row.stored_secret and not row.value.text():  # never dropped unsaid
                raise ValidationError("env", f"{key}: type its new value, or tick Secret to "
                                      "keep the stored one")
            else:
                env[key] = row.value.text()
        data["env"] = env
        data["secret_env"] = secret_env

    def secrets_to_store(self, task_name: str) -> list[tuple[str, str]]:
        """(secret name, value) for each secret typed in this editor."""
        return [(own_secret_name(task_name, row.name.text().strip()), row.value.text())
                for row in self.rows if row.secret.isChecked() and row.value.text()]
