"""File → Import crontab… / Import systemd timers…: read another scheduler's jobs, show
exactly what would be created (the table `tickwork import --dry-run` prints) and what does not
map, name a bad line inline, and create them all or nothing. Jobs whose tasks are here
already (an import done before) are named under the table and left as they are, as
`--skip-existing` leaves them: the preview refused the whole file and named that option,
which the window does not have.

A job whose program, module or folder is not on this machine is shown with the others, its
row marked and its Notes saying why ("Would be refused: line 7: command: …", the words of
`import --dry-run`); Create makes the others and leaves it out, Cancel makes nothing. The
window has no `--no-verify`, and the first missing program refused the whole preview. The
status line names what was made, as the command line's line does.

The reading and the checks run off the GUI thread (`Background`); the import itself is the
service's bulk import, so it is checked and audited as any other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app import transfer
from app.core.errors import OthersFile, ValidationError, curly, others_words
from app.core.import_plan import ImportPlan
from app.core.nouns import some_of
from app.core.task import TaskSpec
from app.gui.background import Background
from app.gui.qt import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
    Signal,
    resize_within_screen,
)
from app.gui.tasks.import_rows import PreviewRows
from app.gui.tasks.secrets_needed import kept_words, left_out_words, others_trusted
from app.gui.widgets import file_choice
from app.gui.widgets.display import plural
from app.gui.widgets.error_label import ErrorLabel, WrappedLabel
from app.service import Service
from app.transfer import ImportReport

CRONTAB = "crontab"
SYSTEMD = "systemd"
FITTED_ROWS = 100  # the columns fit the first rows' text
LISTED = 10  # refused tasks listed under the table (all are marked in it)


def refused_words(problem: ValidationError) -> str:
    """A refused task's Notes cell: the words `import --dry-run` prints under its table."""
    return f"Would be refused: {problem.said(curly)}"


def imported_words(report: ImportReport, source: str, left_out: list[str]) -> str:
    """The status line after Create: what was made, named as `tickwork import --crontab`
    names it ("Imported 2 tasks from crontab ct: “a”, “b”."), what was here already, and
    what was left out because it would be refused."""
    names = some_of([curly(name) for name in report.created])
    said = f"Imported {plural(len(report.created), 'task')} from {source}" + (
        f": {names}." if names else ".") + kept_words(report.kept)
    return said + left_out_words(left_out)


@dataclass(frozen=True)
class Preview:
    """A crontab or unit folder as this home would import it."""

    plan: ImportPlan
    specs: list[TaskSpec]  # one per planned task, in the plan's order
    rows: list[tuple[str, ...]]  # their preview rows, worded off the GUI thread (0.2 s a 10k)
    here: list[str] = field(default_factory=list)  # names this home has: left as they are
    # by the plan's index: the tasks whose program, module or folder is not on this machine
    refused: dict[int, ValidationError] = field(default_factory=dict)

    def to_create(self) -> list[int]:
        """The plan's indexes of the tasks Create makes."""
        here = set(self.here)
        return [i for i, spec in enumerate(self.specs)
                if i not in self.refused and spec.name not in here]


def read_plan(kind: str, source: str, service: Service, now: datetime,
              trust_owner: bool = False) -> Preview:
    """The plan from a crontab file or a unit folder, checked as the import would check it
    (fields, names that exist) without creating anything; with the names of its tasks this
    home has already (left as they are) and those whose program, module or folder is not
    here (each named, as `import --dry-run` names them). Another user's file: OthersFile,
    unless `trust_owner` (the person said so)."""
    plan = (transfer.crontab_plan(Path(source).expanduser(), trust_owner=trust_owner)
            if kind == CRONTAB else transfer.systemd_plan(source, trust_owner=trust_owner))
    specs = plan.specs(now)
    problems = list(transfer.unverified_at(specs, plan.label, service.engine_path()))
    report = service.import_specs(specs, plan.source, now, plan.label, dry_run=True,
                                  skip_existing=True)
    here = set(report.kept)  # (left as they are: not refused)
    return Preview(plan, specs, plan.preview_rows(), report.kept,
                   {i: problem for i, problem in problems if specs[i].name not in here})


class ImportPreview(QDialog):
    """Choose a crontab file (or a systemd unit folder), see the tasks it would create, create
    them. Signals: `imported(str)` with a sentence for the status bar."""

    imported = Signal(str)

    def __init__(self, kind: str, service: Service, background: Background,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.service = service
        self.background = background
        self.read: Preview | None = None  # the source as last read (None: none, or refused)
        self.reads = 0  # which preview is the newest: an older one's answer is dropped
        self.trusted: str | None = None  # a source of another user's the person went on with
        crontab = kind == CRONTAB
        self.setWindowTitle("Import a crontab" if crontab else "Import systemd timers")
        resize_within_screen(self, 900, 480)

        self.path = QLineEdit()
        self.path.setAccessibleName("Crontab file" if crontab else "Folder of timer units")
        self.path.setPlaceholderText("A crontab file (e.g. saved with crontab -l > file)"
                                     if crontab else str(transfer.systemd_folder()))
        if not crontab:
            self.path.setText(str(transfer.systemd_folder()))
        self.browse = QPushButton("&Browse…")
        self.file_dialog: QFileDialog | None = None  # Browse…'s choice, open
        self.read_button = QPushButton("&Preview")
        label = QLabel("&File:" if crontab else "&Folder:")
        label.setBuddy(self.path)
        row = QHBoxLayout()
        row.addWidget(label)
        row.addWidget(self.path, 1)
        row.addWidget(self.browse)
        row.addWidget(self.read_button)

        self.error = ErrorLabel(field=self.path)
        # wrapped at their own height: two lines of summary were cut to one over a long list
        self.summary = WrappedLabel("Choose a file to see what would be created."
                                    if crontab else "Preview the timers in this folder.")
        self.rows = PreviewRows(self)
        self.table = QTableView()
        self.table.setModel(self.rows)
        # the columns fit the first rows' text: Qt's 1,000 rows took 0.5 s of a 10k preview
        self.table.horizontalHeader().setResizeContentsPrecision(FITTED_ROWS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setAccessibleName("Tasks the import would create")
        self.notes = WrappedLabel()
        self.notes.hide()

        self.buttons = QDialogButtonBox()
        self.create_button = self.buttons.addButton(
            "&Create tasks", QDialogButtonBox.ButtonRole.AcceptRole)
        self.create_button.setEnabled(False)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)

        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.error)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.notes)
        layout.addWidget(self.buttons)

        self.browse.clicked.connect(self._on_browse_clicked)
        self.read_button.clicked.connect(self.preview)
        # Enter in the path is the default button's click (Preview): one read, not two
        self.path.textEdited.connect(self._on_path_edited)
        self.create_button.clicked.connect(self.create_tasks)
        self.buttons.rejected.connect(self.reject)
        self.read_button.setDefault(True)

    # -- reading -------------------------------------------------------------------------

    def preview(self) -> None:
        """Read and check the source off the GUI thread; show the plan or what is wrong."""
        source = self.path.text().strip()
        if not source and self.kind == CRONTAB:
            self.error.show_error("File: choose a crontab file")
            return
        self.create_button.setEnabled(False)
        self.error.clear_error()
        self.summary.setText("Reading…")
        service, kind = self.service, self.kind
        trusted = source == self.trusted  # (another user's, and the person went on)
        self.reads += 1
        read = self.reads
        self.background.run(lambda: read_plan(kind, source, service, datetime.now(UTC),
                                              trusted),
                            lambda result: self._on_plan_read(read, result),
                            lambda error: self._on_read_refused(read, error), owner=self)

    def _on_read_refused(self, read: int, error: BaseException) -> None:
        if read == self.reads:
            self._on_plan_refused(error)

    def _on_plan_read(self, read: int, result: Preview) -> None:
        if read != self.reads:
            return
        self.read = result
        self._show(result)
        source, count = result.plan.source, len(result.to_create())
        refused = len(result.refused)
        if count:
            said = f"Would create {plural(count, 'task')} from {source}."
            if refused:
                said += (f" {plural(refused, 'task')} would be refused (marked): what "
                         f"{'it runs' if refused == 1 else 'they run'} is not on this machine.")
            self.summary.setText(said)
            self.create_button.setText(f"&Create {plural(count, 'task')}" + (
                f", leave out {refused}" if refused else ""))
        elif refused:
            self.summary.setText(f"Nothing to create from {source}: "
                                 f"{plural(refused, 'task')} would be refused (marked)"
                                 + (", the others are here already." if result.here else "."))
        elif result.here:
            one = len(result.here) == 1
            self.summary.setText(f"Nothing to create from {source}: "
                                 f"{'its task is' if one else 'all its tasks are'}"
                                 " here already.")
        else:
            self.summary.setText(f"Nothing to create from {source}.")
        self.create_button.setEnabled(count > 0)

    def _on_plan_refused(self, error: BaseException) -> None:
        self.read = None
        self.rows.show([], [])
        self.notes.hide()
        self.summary.setText("Nothing will be imported.")
        if not isinstance(error, ValidationError):
            raise error
        if isinstance(error, OthersFile):  # asked as File → Import tasks… asks
            if others_trusted(self, Path(str(error.path)), error.owner):
                self.trusted = self.path.text().strip()
                self.preview()
                return
            self.error.show_error(f"{others_words(error.path, error.owner)}: nothing will be "
                                  "imported")
            return
        self.error.show_error(error.said(curly))

    def _show(self, read: Preview) -> None:
        """Every task not here already, those that would be refused marked (`PreviewRows`)."""
        here = set(read.here)  # (specs and rows in the plan's order)
        shown = [i for i, spec in enumerate(read.specs) if spec.name not in here]
        self.rows.show([read.rows[i] for i in shown],
                       [refused_words(read.refused[i]) if i in read.refused else None
                        for i in shown])
        self.table.resizeColumnsToContents()
        said = [f"Already here, left as {'it is' if len(here) == 1 else 'they are'}: "
                + some_of([curly(name) for name in read.here])] if here else []
        if read.plan.notes:
            said.append("Not mapped:\n" + "\n".join(f"• {n}" for n in read.plan.notes))
        if read.refused:
            problems = list(read.refused.values())
            said.append("Would be refused (not created):\n" + "\n".join(
                f"• {p.said(curly)}" for p in problems[:LISTED])
                + (f"\n• and {len(problems) - LISTED:,} more" if len(problems) > LISTED else ""))
        self.notes.setText("\n".join(said))
        self.notes.setVisible(bool(said))

    # -- creating ------------------------------------------------------------------------

    def create_tasks(self) -> None:
        """Create the tasks not here already and not refused, all or nothing."""
        read = self.read
        if read is None or not read.to_create():
            return
        self.create_button.setEnabled(False)
        # those here already go too: the import leaves them as they are and names them
        service, plan = self.service, read.plan
        made = [i for i in range(len(read.specs)) if i not in read.refused]
        specs = [read.specs[i] for i in made]

        def label(index: int, field_name: str) -> str:  # an error names the plan's line
            return plan.label(made[index], field_name)

        def work() -> Any:
            return service.import_specs(specs, plan.source, datetime.now(UTC), label,
                                        skip_existing=True, trusted=plan.trusted)
        self.background.run(work, self._on_created, self._on_plan_refused, owner=self)

    def _on_created(self, report: ImportReport) -> None:
        read = self.read
        source = read.plan.source if read is not None else ""
        left_out = [read.specs[i].name for i in read.refused] if read is not None else []
        self.imported.emit(imported_words(report, source, left_out))
        self.accept()

    # -- the source ----------------------------------------------------------------------

    def _on_path_edited(self, _text: str) -> None:
        self.create_button.setEnabled(False)

    def _on_browse_clicked(self) -> None:
        if self.kind == CRONTAB:
            typed = self.path.text().strip()  # a file typed already: start beside it
            self.file_dialog = file_choice.choose(
                self, "Choose a crontab", self._on_chosen, purpose="crontabs",
                folder=Path(typed).expanduser().parent if typed else None)
        else:
            self.file_dialog = file_choice.choose(self, "Choose a folder of timer units",
                                                  self._on_chosen, mode="folder",
                                                  folder=self.path.text())

    def _on_chosen(self, path: str) -> None:
        self.path.setText(path)
        self.preview()
