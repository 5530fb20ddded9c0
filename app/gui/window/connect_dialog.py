"""File → Connect to a shared store…: the PostgreSQL store this home uses, or its own file
again.

The URL is checked as the person types Connect (one inline line naming the field: its form,
a password that belongs in ~/.pgpass), then the server is reached once off the GUI thread
and what is there is said (a Tickwork store and its task count, or an empty database).
Only a store that answered is remembered (`app.store.location.save_store`) and the dialog
accepted; the window then closes and opens anew on it (`bootstrap`). "Use this machine's
store" forgets the shared one.
"""

from __future__ import annotations

import os

from app.gui.background import Background
from app.gui.qt import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from app.gui.widgets.error_label import ErrorLabel, wrapping_policy
from app.store import location
from app.store.database import Store


class ConnectDialog(QDialog):
    """Accepted with `chosen` set: a URL, or None for the home's own SQLite file."""

    def __init__(self, store: Store, background: Background,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ConnectDialog")
        self.setWindowTitle("Connect to a shared store")
        self.setMinimumWidth(520)
        self.store = store
        self.background = background
        self.chosen: str | None = None
        self.checking = False
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Keep this machine's tasks in a shared PostgreSQL database, so engines and the "
            "command line on other machines see the same tasks. Put the password in "
            "~/.pgpass (mode 0600), not in the URL.")
        intro.setWordWrap(True)
        intro.setSizePolicy(wrapping_policy())
        layout.addWidget(intro)
        form = QFormLayout()
        self.url = QLineEdit(store.url or "")
        self.url.setObjectName("StoreUrl")
        self.url.setPlaceholderText(location.FORM)
        self.url.setAccessibleName("Store URL")
        form.addRow("Store &URL", self.url)
        self.error = ErrorLabel(field=self.url)
        self.error.setObjectName("StoreUrlError")
        form.addRow(self.error)
        self.found = QLabel()
        self.found.setObjectName("StoreFound")
        self.found.setWordWrap(True)
        form.addRow(self.found)
        layout.addLayout(form)
        if os.environ.get(location.ENV):
            note = QLabel(f"${location.ENV} is set: it chooses the store when Tickwork starts, "
                          "whatever is remembered here.")
            note.setWordWrap(True)
            layout.addWidget(note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.connect_button = QPushButton("&Connect")
        buttons.addButton(self.connect_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.local_button = QPushButton("Use this &machine's store")
        self.local_button.setToolTip(f"The SQLite file under {store.home}")
        self.local_button.setEnabled(store.url is not None)
        buttons.addButton(self.local_button, QDialogButtonBox.ButtonRole.ResetRole)
        self.connect_button.clicked.connect(self.try_connect)
        self.local_button.clicked.connect(self.use_local)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        for button in buttons.buttons():  # Enter in the URL field connects, never cancels
            if isinstance(button, QPushButton):
                button.setAutoDefault(False)
        self.connect_button.setDefault(True)

    def try_connect(self) -> None:
        """Check the URL, reach the server off the GUI thread, then remember it."""
        if self.checking:
            return
        text = self.url.text().strip()
        try:
            url = location.check_url(text)
            if location.has_password(url):
                raise ValueError("keep the password in ~/.pgpass (mode 0600), not in the URL")
        except ValueError as exc:
            self.error.show_error(f"Store URL: {exc}")
            return
        self.error.clear_error()
        self.found.setText(f"Reaching {url}…")
        self.checking = True
        self.connect_button.setEnabled(False)
        self.background.run(lambda: location.reach(url), lambda what: self._reached(url, what),
                            self._unreachable, owner=self)

    def _reached(self, url: str, what: str) -> None:
        self.checking = False
        self.connect_button.setEnabled(True)
        self.found.setText(f"Found {what}.")
        try:
            location.save_store(self.store.home, url)
        except (OSError, ValueError) as exc:
            self.error.show_error(f"Store URL: cannot remember it: {exc}")
            return
        self.chosen = url
        self.accept()

    def _unreachable(self, exc: BaseException) -> None:
        self.checking = False
        self.connect_button.setEnabled(True)
        self.found.clear()
        self.error.show_error(f"Store URL: {exc}")

    def use_local(self) -> None:
        try:
            location.save_store(self.store.home, None)
        except OSError as exc:
            self.error.show_error(f"Cannot forget the shared store: {exc}")
            return
        self.chosen = None
        self.accept()
