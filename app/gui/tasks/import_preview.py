"""File → Import crontab… / Import systemd timers…: read another scheduler's jobs, show
exactly what would be created (the table `tickwork import --dry-run` prints) and what does not
map, name a bad line inline, and create them all or nothing. Jobs whose tasks are here
already (an import done before) are named under the table and left as they are, as
`--skip-existing` leaves them: the preview refused the whole file and named that option,
which the window does not have.

The reading and the checks run off the GUI thread (`Background`); the import itself is the
service's bulk import, so it is checked and audited as any other.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app import transfer
from app.core.errors import ValidationError, curly
from app.core.import_plan import PREVIEW_HEADERS, ImportPlan
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
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)
from app.gui.tasks.secrets_needed import kept_words
from app.gui.widgets import file_choice
from app.gui.widgets.display import plural
from app.gui.widgets.error_label import ErrorLabel
from app.service import Service

CRONTAB = "crontab"
SYSTEMD = "systemd"


def read_plan(kind: str, source: str, service: Service, now: datetime) -> tuple[
        ImportPlan, list[TaskSpec], list[str]]:
    """The plan from a crontab file or a unit folder, checked as the import would check it
    (fields, names that exist, programs and folders) without creating anything; with the
    names of its tasks this home has already (left as they are)."""
    plan = (transfer.crontab_plan(Path(source).expanduser()) if kind == CRONTAB
            else transfer.systemd_plan(source))
    specs = plan.specs(now)
    transfer.verify_all(specs, plan.label)
    report = service.import_specs(specs, plan.source, now, plan.label, dry_run=True,
                                  skip_existing=True)
    return plan, specs, report.kept


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
        self.specs: list[TaskSpec] = []
        self.plan: ImportPlan | None = None
        self.here: list[str] = []  # of the plan's tasks, those this home has: left as they are
        self.reads = 0  # which preview is the newest: an older one's answer is dropped
        crontab = kind == CRONTAB
        self.setWindowTitle("Import a crontab" if crontab else "Import systemd timers")
        self.resize(900, 480)

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

        self.error = ErrorLabel()
        self.summary = QLabel("Choose a file to see what would be created."
                              if crontab else "Preview the timers in this folder.")
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, len(PREVIEW_HEADERS))
        self.table.setHorizontalHeaderLabels([h.capitalize() for h in PREVIEW_HEADERS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setAccessibleName("Tasks the import would create")
        self.notes = QLabel()
        self.notes.setWordWrap(True)
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
        self.reads += 1
        read = self.reads
        self.background.run(lambda: read_plan(kind, source, service, datetime.now(UTC)),
                            lambda result: self._on_plan_read(read, result),
                            lambda error: self._on_read_refused(read, error), owner=self)

    def _on_read_refused(self, read: int, error: BaseException) -> None:
        if read == self.reads:
            self._on_plan_refused(error)

    def _on_plan_read(self, read: int, result: tuple[ImportPlan, list[TaskSpec], list[str]]
                      ) -> None:
        if read != self.reads:
            return
        self.plan, self.specs, self.here = result
        self._show(self.plan)
        count = len(self.specs) - len(self.here)
        if count:
            self.summary.setText(f"Would create {plural(count, 'task')} from "
                                 f"{self.plan.source}.")
            self.create_button.setText(f"&Create {plural(count, 'task')}")
        elif self.here:
            self.summary.setText(f"Nothing to create from {self.plan.source}: "
                                 f"{'its task is' if len(self.here) == 1 else 'all its tasks are'}"
                                 " here already.")
        else:
            self.summary.setText(f"Nothing to create from {self.plan.source}.")
        self.create_button.setEnabled(count > 0)

    def _on_plan_refused(self, error: BaseException) -> None:
        self.plan, self.specs, self.here = None, [], []
        self.table.setRowCount(0)
        self.notes.hide()
        self.summary.setText("Nothing will be imported.")
        if not isinstance(error, ValidationError):
            raise error
        self.error.show_error(error.said(curly))

    def _show(self, plan: ImportPlan) -> None:
        here = set(self.here)  # (specs and rows in the plan's order)
        rows = [row for row, spec in zip(plan.preview_rows(), self.specs, strict=True)
                if spec.name not in here]
        self.table.setRowCount(len(rows))
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setToolTip(value)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        said = [f"Already here, left as {'it is' if len(here) == 1 else 'they are'}: "
                + some_of([curly(name) for name in self.here])] if here else []
        if plan.notes:
            said.append("Not mapped:\n" + "\n".join(f"• {n}" for n in plan.notes))
        self.notes.setText("\n".join(said))
        self.notes.setVisible(bool(said))

    # -- creating ------------------------------------------------------------------------

    def create_tasks(self) -> None:
        plan, specs = self.plan, self.specs
        if plan is None or not specs:
            return
        self.create_button.setEnabled(False)
        service = self.service

        def work() -> Any:
            return service.import_specs(specs, plan.source, datetime.now(UTC), plan.label,
                                        skip_existing=True)
        self.background.run(work, self._on_created, self._on_plan_refused, owner=self)

    def _on_created(self, report: Any) -> None:
        source = self.plan.source if self.plan is not None else ""
        self.imported.emit(f"Imported {plural(len(report.created), 'task')} from {source}."
                           + kept_words(report.kept))
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
