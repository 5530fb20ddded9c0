"""File → Back up now, Restore… and Connect to a shared store…: the store's care from the
window.

Back up now copies the store online (SQLite's backup API) off the GUI thread into
`backups/` under the home. Restore… verifies the chosen file off the GUI thread, asks, and
then quits the window: the engine must stop (a restore is refused while one holds the store)
and every connection close before the file is replaced, so the restore itself runs in
`bootstrap` once the window, the engine and the store are closed (`restore_file`), with the
same code as `tickwork restore`. A file of another user (root aside) is said in the question,
with the words `tickwork restore` refuses it in, and restored only if the person goes on (as
`--trust-owner`). On a shared PostgreSQL store the first two are disabled
(PostgreSQL's own tools back it up). Connect… (app/gui/window/connect_dialog.py) remembers
the chosen store and quits the window the same way; `bootstrap` opens it anew on that store
(`connect_to`).

Signals:
    message(str): one line for the status bar.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app.core.errors import others_words
from app.gui.qt import QAction, QFileDialog, QMessageBox, QObject, QWidget, Signal
from app.gui.session import Session
from app.gui.widgets import file_choice
from app.gui.window.connect_dialog import ConnectDialog
from app.gui.window.quitting import QUIT_GRACE
from app.gui.window.take_over import TakeOver
from app.platform.users import others_file
from app.store import backup

if TYPE_CHECKING:  # (the restore itself runs in bootstrap, once the window has closed)
    from app.restore import Restored


RESTORED = "The store is the backup's again: its tasks and their settings are back as the " \
    "backup has them."
NOTHING_CARRIED = "Nothing to carry over from the store it replaced: no run was made, and no " \
    "task added, deleted or rescheduled, since the backup."


def restored_words(restored: Restored) -> tuple[str, str]:
    """What the box after File → Restore… says (bootstrap): what happened, in words — with
    nothing done since the backup it said only the two paths, and a person could not tell
    whether anything had changed — and, below it, where the files are."""
    said = restored.sentences()  # (the command line's, in this order: the paths first)
    names_a_path = [str(restored.file), *([str(restored.kept)] if restored.kept else [])]
    paths = [line for line in said if any(path in line for path in names_a_path)]
    c = restored.carried
    carried = bool(c.added or c.updated or c.given_up or c.gone or c.unreadable
                   or restored.paused or restored.skipped or restored.stopped)
    lines = [RESTORED, *([] if carried else [NOTHING_CARRIED]),
             *(_sentence(line) for line in said if line not in paths)]
    return "\n".join(lines), "\n".join(_sentence(line) for line in paths)


def _sentence(line: str) -> str:
    return f"{line[:1].upper()}{line[1:]}."


@dataclass(frozen=True)
class Connection:
    """The store the window opens next: a PostgreSQL URL, or None for the home's file."""

    url: str | None


class StoreActions(QObject):
    message = Signal(str)

    def __init__(self, session: Session, window: QWidget, quit: Callable[[], None]) -> None:
        super().__init__(window)
        self.session = session
        self.window = window
        self._quit = quit
        self.restore_file: Path | None = None  # chosen and confirmed: restored after quitting
        self.restore_trusted = False  # the person went on with a file of another user
        self.file_dialog: QFileDialog | None = None  # Restore…'s choice, open
        self.back_up = QAction("&Back up now", self)
        self.back_up.setStatusTip("Copy the store into the backups folder now")
        self.back_up.triggered.connect(self.back_up_now)
        self.restore = QAction("&Restore…", self)
        self.restore.setStatusTip("Replace the store with a backup (Tickwork then quits)")
        self.restore.triggered.connect(self.choose_restore)
        self.connect_to: Connection | None = None  # chosen: the window reopens on it
        self.connect_store = QAction("Connect to a s&hared store…", self)
        self.connect_store.setStatusTip(
            "Use a shared PostgreSQL store, or this machine's file again")
        self.connect_store.triggered.connect(self.choose_store)
        self.take_over = TakeOver(session, window)  # (in the Engine menu)
        self.take_over.message.connect(self.message)
        if session.store.url is not None:
            for action in (self.back_up, self.restore):
                action.setEnabled(False)
                action.setStatusTip("A shared store is backed up with PostgreSQL's own tools "
                                    "(pg_dump, pg_restore)")

    def choose_store(self) -> None:
        dialog = ConnectDialog(self.session.store, self.session.background, self.window)
        if dialog.exec() and dialog.chosen != self.session.store.url:
            self.connect_to = Connection(dialog.chosen)
            self._quit()

    def back_up_now(self) -> None:
        home = self.session.store.home
        self.message.emit("Backing up…")
        self.session.background.run(
            lambda: backup.make(home, kind="manual"),
            lambda path: self.message.emit(f"Backed up to {path}."),
            owner=self, title="Cannot back up the store")

    def choose_restore(self) -> None:
        home = self.session.store.home
        start = backup.backups_dir(home)
        self.file_dialog = file_choice.choose(
            self.window, "Restore a backup", lambda path: self.verify(Path(path)),
            filters=["Tickwork store (*.db)", file_choice.ANY_FILE],
            folder=start if start.is_dir() else home)

    def verify(self, file: Path) -> None:
        """Check the file off the GUI thread (and whose it is), then ask."""
        def work() -> str | None:
            backup.verify(file)
            return others_file(file.stat())

        self.session.background.run(work, lambda owner: self._confirm(file, owner),
                                    owner=self, title="Cannot restore this file")

    def _confirm(self, file: Path, owner: str | None = None) -> None:
        """Ask; `owner`: the other user whose file it is (said first, the box a warning)."""
        warned = "" if owner is None else (f"{others_words(file, owner)}. Restore it only if "
                                           f"you trust {owner}.\n\n")
        box = QMessageBox(QMessageBox.Icon.Question if owner is None else
                          QMessageBox.Icon.Warning,
                          "Restore this backup?" if owner is None else
                          f"Restore {owner}'s file?",
                          f"{warned}Replace the store with {file}?\n\nTickwork stops its engine "
                          f"(running runs get {QUIT_GRACE:g} s to end), keeps the current store "
                          "in the backups folder, restores this one, says what changed and "
                          "opens again.\n\nTasks and settings come back as the backup has them; "
                          "runs made since it stay in the history and do not run again.",
                          parent=self.window)
        restore = box.addButton("&Restore", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        if box.clickedButton() is restore:
            self.accept_restore(file, trusted=owner is not None)

    def accept_restore(self, file: Path, *, trusted: bool = False) -> None:
        """Quit for the restore: the person chose it, so no quit question (handing over to
        a background engine would hold the store the restore needs). `trusted`: a file of
        another user, the person having gone on."""
        self.restore_file = file
        self.restore_trusted = trusted
        self._quit()
