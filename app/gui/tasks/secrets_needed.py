"""Importing an export whose tasks use secrets this home lacks: the window asks for their
values, stores them in the keyring, then imports — where it refused the whole file and
named a command (`tickwork secret set`) the window's user had no reason to know (a
run-through under X). The values are typed as passwords and never shown; Cancel imports
nothing and stores nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

from app import transfer
from app.gui.qt import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QObject,
    QVBoxLayout,
    QWidget,
)
from app.gui.session import Session
from app.gui.widgets.error_label import ErrorLabel, wrapping_policy
from app.service import ImportReport, Service


def import_export(session: Session, window: QWidget, path: Path, owner: QObject,
                  done: Callable[[ImportReport], None]) -> None:
    """Import the export at `path` off the GUI thread, asking first for the values of the
    secrets its tasks use that this home lacks (Cancel: nothing imported, nothing stored)."""
    service = session.service

    def asked(missing: list[str]) -> None:
        values: dict[str, str] = {}
        if missing:
            ask = SecretsNeeded(missing, window)
            if ask.exec() != QDialog.DialogCode.Accepted:
                return
            values = ask.values()

        def work() -> ImportReport:
            for name, value in values.items():
                service.set_secret(name, value)
            try:
                return service.import_tasks(path)
            except BaseException:  # nothing imported: the secrets stored for it go again
                for name in values:
                    with contextlib.suppress(Exception):
                        service.delete_secret(name)
                raise
        session.background.run(work, done, owner=owner, title="Cannot import the tasks")

    session.background.run(lambda: missing_secrets(service, path), asked, owner=owner,
                           title="Cannot import the tasks")


def missing_secrets(service: Service, path: Path) -> list[str]:
    """The secrets the export's tasks use that this home has not stored (none when the file
    cannot be read: the import says why)."""
    try:
        specs = transfer.read_specs(path, verify=False)
    except Exception:  # (the import itself refuses it, in its words)
        return []
    used = {name for spec in specs for name in spec.secret_env.values()}
    return sorted(used - set(service.list_secrets()))


class SecretsNeeded(QDialog):
    """One password field per secret; `values()` once accepted."""

    def __init__(self, names: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SecretsNeeded")
        self.setWindowTitle("Secrets for the imported tasks")
        self.setMinimumWidth(440)
        layout = QVBoxLayout(self)
        note = QLabel("The tasks in this file use secrets this home does not have yet. Type "
                      "their values: they go to the keyring, then the tasks are imported.")
        note.setWordWrap(True)
        note.setSizePolicy(wrapping_policy())
        layout.addWidget(note)
        form = QFormLayout()
        self.fields: dict[str, QLineEdit] = {}
        for name in names:
            field = QLineEdit()
            field.setEchoMode(QLineEdit.EchoMode.Password)
            field.setAccessibleName(f"Value of the secret {name}")
            form.addRow(QLabel(name), field)
            self.fields[name] = field
        layout.addLayout(form)
        self.error = ErrorLabel()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.store_button = buttons.addButton("&Store and import",
                                              QDialogButtonBox.ButtonRole.AcceptRole)
        self.store_button.setDefault(True)
        buttons.accepted.connect(self._on_store)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _on_store(self) -> None:
        empty = [name for name, field in self.fields.items() if not field.text()]
        if empty:
            self.error.show_error(f"Type the value of {empty[0]}")
            self.fields[empty[0]].setFocus()
            return
        self.accept()

    def values(self) -> dict[str, str]:
        return {name: field.text() for name, field in self.fields.items()}
