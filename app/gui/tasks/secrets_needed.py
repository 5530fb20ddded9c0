"""Importing an export from the window. Where some of its tasks are here already (a task
deleted, its export imported again to bring it back), the window asks whether to import the
others and leave those as they are (the whole file was refused). Where the tasks to import
use secrets this home lacks, it asks for their values, which the import stores in the
keyring only if it is made (`Service.import_tasks`'s `secrets`) — where it refused the
whole file and named a command (`tickwork secret set`) the window's user had no reason to
know (a run-through under X). The values are typed as passwords and never shown; Cancel
imports nothing and stores nothing.

Where some of its tasks run a program, module or folder this machine lacks, the window names
each and why and asks whether to import the others, before any secret is asked for: it asked
for the secrets, then refused the whole file (the window has no `--no-verify`). The status
line names what was made, as `tickwork import` does.

A file of another user (root aside) is said first, in the words `tickwork import` refuses it
in, and read only if the person goes on (as `--trust-owner`); Cancel is the default.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from app import transfer
from app.core.errors import OthersFile, curly, others_words
from app.core.nouns import plural, some_of
from app.core.references import already_here
from app.gui.qt import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QObject,
    QVBoxLayout,
    QWidget,
)
from app.gui.session import Session
from app.gui.tasks import reads
from app.gui.widgets.error_label import ErrorLabel, wrapping_policy
from app.service import Service
from app.service_secrets import own_secret_name
from app.transfer import ImportReport

LISTED = 10  # tasks that would be refused named in the question (and how many more)


def import_export(session: Session, window: QWidget, path: Path, owner: QObject,
                  done: Callable[[ImportReport, list[str]], None]) -> None:
    """Import the export at `path` off the GUI thread. Where some of its tasks are here
    already, the window asks whether to import the others, leaving those as they are (the
    whole file was refused, and a deleted task could come back only with its siblings
    deleted first: a run-through); then for the values of the secrets the tasks to import
    use that this home lacks (Cancel: nothing imported, nothing stored). `done` has the
    report and the names left out (they would be refused)."""
    service = session.service
    trusted = False  # a file of another user: the person went on

    def asked(look: Look) -> None:
        nonlocal trusted
        if look.owner is not None:
            if others_trusted(window, path, look.owner):
                trusted = True
                session.background.run(lambda: look_at(service, path, trust_owner=True),
                                       asked, owner=owner, title="Cannot import the tasks")
            return
        if look.here and len(look.here) == look.total:  # nothing to bring: said, not asked
            done(ImportReport(kept=look.here), [])
            return
        if look.here and not others_wanted(window, look):
            return
        # all of them refused: the import says why, as ever (nothing to ask)
        leave_out = [name for name, _ in look.refused]
        if len(leave_out) == look.total - len(look.here):
            leave_out = []
        elif leave_out and not refused_left_out(window, look):
            return
        values: dict[str, str] = {}
        if look.missing:
            ask = SecretsNeeded(look.missing, window, look.users)
            if ask.exec() != QDialog.DialogCode.Accepted:
                return
            values = ask.values()

        def work() -> ImportReport:  # the values are stored only if the tasks are imported
            return service.import_tasks(path, skip_existing=bool(look.here), secrets=values,
                                        leave_out=leave_out, trust_owner=trusted)
        session.background.run(work, lambda report: done(report, leave_out), owner=owner,
                               title="Cannot import the tasks")

    session.background.run(lambda: look_at(service, path), asked, owner=owner,
                           title="Cannot import the tasks")


def import_words(report: ImportReport, left_out: list[str] | None = None) -> str:
    """What the status bar says of an import: what came, named as `tickwork import` names
    it ("Imported 2 tasks: “a”, “b”."), how many were left as they are, what was left out
    as it would be refused, and the notes (a group that keeps this home's limit)."""
    kept, one = len(report.kept), len(report.kept) == 1
    names = some_of([curly(name) for name in report.created])
    said = f"Imported {plural(len(report.created), 'task')}" + (
        f": {names}." if names else ".")
    if kept and not report.created:
        said = ("Nothing imported: the task in the file is already here." if one else
                f"Nothing imported: all {kept} tasks in the file are already here.")
    elif kept:
        said += kept_words(report.kept)
    said += left_out_words(left_out or [])
    return " ".join([said, *(note[:1].upper() + note[1:] for note in report.notes)])


def kept_words(kept: list[str]) -> str:
    """What an import left as it was, after what it made: " 2 tasks already here were left
    as they are." ("" for none)."""
    one = len(kept) == 1
    return (f" {plural(len(kept), 'task')} already here {'was' if one else 'were'} left as "
            f"{'it is' if one else 'they are'}.") if kept else ""


def left_out_words(names: list[str]) -> str:
    """What an import left out because it would be refused: " 1 task was left out (would be
    refused): “sync”." ("" for none)."""
    one = len(names) == 1
    return (f" {plural(len(names), 'task')} {'was' if one else 'were'} left out (would be "
            f"refused): {some_of([curly(n) for n in names])}.") if names else ""


@dataclass(frozen=True)
class Look:
    """An export file as this home sees it before importing it."""

    total: int = 0  # tasks in the file
    here: list[str] = field(default_factory=list)  # of them, those this home has (by name)
    missing: list[str] = field(default_factory=list)  # secrets the others use, not stored
    # each secret's users: (task, variable) pairs of the tasks to import
    users: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    # of the others, those whose program, module or folder is not here: (name, why)
    refused: list[tuple[str, str]] = field(default_factory=list)
    owner: str | None = None  # the other user whose file it is (not read: asked first)


def look_at(service: Service, path: Path, trust_owner: bool = False) -> Look:
    """Which of the export's tasks are here, and the secrets the others use that this home
    has not stored (nothing when the file cannot be read: the import says why); only whose
    it is for a file of another user, unless `trust_owner`."""
    try:
        specs = transfer.read_specs(path, verify=False, trust_owner=trust_owner)
    except OthersFile as exc:
        return Look(owner=exc.owner)
    except Exception:  # (the import itself refuses it, in its words)
        return Look()
    here = already_here(specs, reads.task_names(service))
    skipped = set(here)
    refused = [(specs[i].name, problem.said(curly))
               for i, problem in transfer.unverified_at(specs, engine=service.engine_path())
               if specs[i].name not in skipped]
    if len(refused) < len(specs) - len(here):  # (all refused: none is imported, none asked)
        skipped |= {name for name, _ in refused}
    users: dict[str, list[tuple[str, str]]] = {}
    for spec in specs:
        if spec.name not in skipped:
            for variable, name in spec.secret_env.items():
                users.setdefault(name, []).append((spec.name, variable))
    return Look(len(specs), here, sorted(set(users) - set(service.list_secrets())), users,
                refused)


def secret_words(name: str, users: list[tuple[str, str]]) -> str:
    """A secret as the person knows it: a task's own (named as the editor stores it,
    `<task>.<VARIABLE>`: "B.TOKEN", never typed nor seen) by its variable and task, “TOKEN
    of “B””; another by its name, with what uses it: “db.pass (DB of “nightly”)”."""
    if len(users) == 1 and own_secret_name(*users[0]) == name:
        task, variable = users[0]
        return f"{variable} of “{task}”"
    used = ", ".join(f"{variable} of “{task}”" for task, variable in users[:3])
    more = f" and {len(users) - 3} more" if len(users) > 3 else ""
    return f"{name} ({used}{more})" if users else name


def others_wanted(window: QWidget, look: Look) -> bool:
    """Import the tasks that are not here, leaving those that are as they are?"""
    others = look.total - len(look.here)
    shown = ", ".join(f"“{name}”" for name in look.here[:6]) + (
        f" and {len(look.here) - 6} more" if len(look.here) > 6 else "")
    one = len(look.here) == 1
    verb, leave = ("is", "it as it is") if one else ("are", "these as they are")
    return _the_others_asked(window, others, f"{len(look.here)} of the {look.total} tasks in "
                             f"this file {verb} already here: {shown}.\n\nImport the other "
                             f"{plural(others, 'task')} and leave {leave} here?")


def refused_left_out(window: QWidget, look: Look) -> bool:
    """Import the others, leaving out those that would be refused (each named, and why)?"""
    refused = look.refused
    others = look.total - len(look.here) - len(refused)
    lines = "\n".join(f"• “{name}”: {why}" for name, why in refused[:LISTED]) + (
        f"\n• and {len(refused) - LISTED:,} more" if len(refused) > LISTED else "")
    one = len(refused) == 1
    return _the_others_asked(window, others, f"{plural(len(refused), 'task')} in this file "
                             f"would be refused: what {'it runs' if one else 'they run'} is not "
                             f"on this machine.\n\n{lines}\n\nImport the other "
                             f"{plural(others, 'task')} and leave {'it' if one else 'these'} out?")


def others_trusted(window: QWidget, path: Path, owner: str) -> bool:
    """Import this file of another user all the same (`--trust-owner`)? Cancel is the
    default."""
    box = QMessageBox(QMessageBox.Icon.Warning, f"Import {owner}'s file?",
                      f"{others_words(path, owner)}. Import it only if you trust {owner}.",
                      parent=window)
    go = box.addButton("&Import anyway", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is go


def _the_others_asked(window: QWidget, others: int, text: str) -> bool:
    """The question an import asks when some of its tasks stay out: whether to import the
    `others` (its default) or nothing (Cancel)."""
    box = QMessageBox(QMessageBox.Icon.Question, "Import tasks", text, parent=window)
    go = box.addButton(f"&Import the other {others}", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(go)
    box.exec()
    return box.clickedButton() is go


class SecretsNeeded(QDialog):
    """One password field per secret (`users`: the tasks and variables that use each, for
    its words); `values()` once accepted, by the secrets' names."""

    def __init__(self, names: list[str], parent: QWidget | None = None,
                 users: dict[str, list[tuple[str, str]]] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SecretsNeeded")
        self.setWindowTitle("Secrets for the imported tasks")
        self.setMinimumWidth(440)
        layout = QVBoxLayout(self)
        note = QLabel("The tasks in this file use secrets this data folder does not have "
                      "yet. Type their values: they go to the keyring, then the tasks are "
                      "imported.")
        note.setWordWrap(True)
        note.setSizePolicy(wrapping_policy())
        layout.addWidget(note)
        form = QFormLayout()
        self.fields: dict[str, QLineEdit] = {}
        self.words: dict[str, str] = {}
        for name in names:
            words = self.words[name] = secret_words(name, (users or {}).get(name, []))
            field = QLineEdit()
            field.setEchoMode(QLineEdit.EchoMode.Password)
            field.setAccessibleName(f"Value of {words}")
            label = QLabel(words)
            label.setBuddy(field)
            form.addRow(label, field)
            self.fields[name] = field
        layout.addLayout(form)
        self.error = ErrorLabel()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.store_button = buttons.addButton("&Store and import",
                                              QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self._on_store)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        # once in the dialog: made default before, it was not the dialog's, which then made
        # Cancel its default as it opened, and Enter after the last value imported nothing
        self.store_button.setDefault(True)

    def _on_store(self) -> None:
        empty = [name for name, field in self.fields.items() if not field.text()]
        if empty:
            self.error.show_error(f"Type the value of {self.words[empty[0]]}")
            self.fields[empty[0]].setFocus()
            return
        self.accept()

    def values(self) -> dict[str, str]:
        return {name: field.text() for name, field in self.fields.items()}
