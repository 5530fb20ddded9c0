"""The Runs view: run history filtered by task, status and date, beside one run's detail.

The task filter follows the typing once it pauses (`TYPING_QUIET_MS`, so a store of 100,000
runs is not read again on every key), or at once on Enter: the runs of every task whose name
contains the text, ignoring case, as the Tasks search and the Calendar's filter match.

Selecting a run shows it in `RunDetail`, whose output tails live; the selection follows the
run through updates (rows are updated in place, never reset by events).

Cancel in the detail cancels the run through the service (`Cancels`, app/gui/runs/cancels.py).

A click on the status bar's "failed today" lists today's failures and selects the newest,
its detail and output shown (`show_failures_today`): the person clicked to see the failure.

Signals:
    rerun_requested(int), open_task_requested(int): from the detail.
    message(str): something for the status bar (a cancel's outcome).
    selection_changed(): another run (or none) is selected; the task actions follow its task.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from app.core.run import Run
from app.core.task import RUN_STATUSES, Task
from app.gui.background import Background
from app.gui.qt import (
    QComboBox,
    QDate,
    QDateTimeEdit,
    QHBoxLayout,
    QLabel,
    QSettings,
    QSplitter,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from app.gui.runs import reads as run_reads
from app.gui.runs.cancels import Cancels
from app.gui.runs.detail import RunDetail
from app.gui.runs.model import RESULT, RUN_COLUMNS, RUN_PRIORITY, RunTableModel
from app.gui.runs.reads import PERIODS, RunQuery, period_bounds
from app.gui.session import Session
from app.gui.tasks import reads
from app.gui.widgets import display
from app.gui.widgets.columns import ColumnFitter
from app.gui.widgets.date_sections import typed_over
from app.gui.widgets.error_label import ErrorLabel
from app.gui.widgets.paging import ITEM_ROLE
from app.gui.widgets.tables import HeaderSort, KeptSelection, row_table
from app.gui.widgets.task_field import Lookup, TaskNameField
from app.gui.widgets.typing import TypingPause
from app.service import Change, Service
from app.store.runs import FINAL_FAILURE, RETRIED

TYPING_QUIET_MS = 250  # the task filter reads once the typing pauses this long

NO_RUNS = ("No runs yet: each run is listed here as it starts. Select a task in Tasks and "
           "press F5 to run it now.")


class RunsView(QWidget):
    rerun_requested = Signal(int)
    message = Signal(str)
    open_task_requested = Signal(int)
    selection_changed = Signal()

    def __init__(self, model: RunTableModel, service: Service, background: Background,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("RunsView")
        self.model = model
        self.service = service
        self.background = background
        self._task_id: int | None = None
        self._task_text = ""  # typed: runs of the tasks whose name contains it
        self._select_when_seen: int | None = None
        self._started: dict[int, int] = {}  # task id: the run of it this window started last
        self._rerun: int | None = None  # the task Re-run was pressed for: its new run selected

        self.task = TaskNameField("All tasks")
        self.task.setObjectName("RunTaskFilter")
        self.task.setClearButtonEnabled(True)
        self.status = QComboBox()
        self.status.setObjectName("RunStatusFilter")
        self.status.addItem("Any status", None)
        for status in RUN_STATUSES:  # as the list shows them: "failed" that was not retried
            self.status.addItem(status.replace("_", " "), status)
            if status == "timed_out":  # a failed attempt that was retried (as the calendar)
                self.status.addItem(RETRIED, RETRIED)
        self.status.addItem("failed, not retried", FINAL_FAILURE)  # the status bar's count
        self.period = QComboBox()
        self.period.setObjectName("RunPeriodFilter")
        for key, label in PERIODS:
            self.period.addItem(label, key)
        self.since = typed_over(QDateTimeEdit(QDate.currentDate().addDays(-7)))
        self.until = typed_over(QDateTimeEdit(QDate.currentDate()))
        for edit in (self.since, self.until):
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setCalendarPopup(True)
        self.count = QLabel()
        filters = QHBoxLayout()
        task = QLabel("Task")  # (no Alt key: Alt+T is the Task menu)
        task.setBuddy(self.task)
        filters.addWidget(task)
        filters.addWidget(self.task, 2)
        filters.addWidget(self.status, 1)
        filters.addWidget(self.period, 1)
        filters.addStretch(0)
        filters.addWidget(self.count)
        # the dates of a custom period on their own row: the filters fit a narrow window
        self.dates = QWidget()
        dates = QHBoxLayout(self.dates)
        dates.setContentsMargins(0, 0, 0, 0)
        for words, edit in (("&From", self.since), ("&until", self.until)):
            buddy = QLabel(words)
            buddy.setBuddy(edit)
            dates.addWidget(buddy)
            dates.addWidget(edit)
            edit.show()
        self.dates_error = ErrorLabel(field=self.until)  # "until" before "From", not 0 runs
        dates.addWidget(self.dates_error, 4)
        dates.addStretch(1)
        self.dates.hide()
        self.filter_error = ErrorLabel(field=self.task)

        self.table = row_table(model, "RunTable", newest_first=True)
        self.setFocusProxy(self.table)  # Ctrl+1 … puts the keyboard here
        # narrow windows shrink the columns, then hide the least important (columns.py)
        self.columns = ColumnFitter(self.table, RUN_COLUMNS, RUN_PRIORITY, stretch=RESULT)
        self.sorting = HeaderSort(self.table, model, "runs")  # sorts the whole history
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        self.table.selectionModel().selectionChanged.connect(self.selection_changed)
        self.detail = RunDetail(service, background)
        self._pick = self.detail.idle  # its title while no run is shown, when there are runs
        self.detail.elapsed.now = lambda: self.model.elapsed.now()  # one clock for both
        self.cancels = Cancels(service, background, self)
        self.cancels.message.connect(self.message)
        self.detail.cancel_requested.connect(self.cancels.request)
        self.detail.rerun_requested.connect(self._on_detail_rerun_requested)
        self.detail.open_task_requested.connect(self.open_task_requested)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.dates)
        layout.addWidget(self.filter_error)
        layout.addWidget(self.splitter, 1)

        self._typed = TypingPause(self.task, TYPING_QUIET_MS, self._on_typed_timeout,
                                  edited_only=True)  # `show_task` names a task itself
        self.status.currentIndexChanged.connect(self._apply_filters)
        self.period.currentIndexChanged.connect(self._on_period_changed)
        self.since.dateChanged.connect(self._apply_filters)
        self.until.dateChanged.connect(self._apply_filters)
        for signal in (model.loaded, model.total_changed, model.modelReset):
            signal.connect(self._update_count)
        # a filter keeps the selected run if it still lists it; the detail follows the list
        KeptSelection(self.table, model).changed.connect(self._on_kept_selection_changed)
        model.dataChanged.connect(self._on_model_data_changed)
        model.rowsInserted.connect(self._on_model_rows_inserted)
        model.loaded.connect(self._on_model_rows_inserted)

    def connect_bridge(self, session: Session) -> None:
        """Follow the engine and the store: rows by their runs' changes, the detail's output
        and resource samples live."""
        bridge = session.bridge
        bridge.service_changed.connect(self.model.on_service_change)
        bridge.service_changed.connect(self._on_service_change)
        bridge.runs_changed.connect(self.model.on_runs_changed)
        bridge.runs_changed.connect(self.cancels.on_runs_changed)
        bridge.run_output.connect(self.detail.on_output)
        bridge.metrics_sampled.connect(self.detail.on_metrics)
        session.outside_change.connect(self.model.on_store_changed)
        session.outside_change.connect(self.detail.on_store_changed)  # a viewer's output

    def _on_service_change(self, change: Change) -> None:
        """The task the list is narrowed to was deleted: every task's runs, said so (its
        name stayed in the filter over "0 runs"; a run-through under X)."""
        if self._task_id is not None and self._task_id in change.deleted_tasks:
            gone = self.task.text()
            self.show_task(None)
            self.filter_error.show_error(f"“{gone}” was deleted: showing every task's runs.")

    # -- filters ---------------------------------------------------------------------------

    def save_state(self, store: QSettings) -> None:
        """Keep how the table and the detail share the height, and the sorting."""
        store.setValue("runs/splitter", self.splitter.saveState())
        self.sorting.save(store)

    def restore_state(self, store: QSettings) -> None:
        state = store.value("runs/splitter")
        if state is not None:
            self.splitter.restoreState(state)
        self.sorting.restore(store)

    def set_current(self, current: bool) -> None:
        """The window shows this view (or another): follow events live only while shown."""
        self.model.set_active(current)
        if current:
            if not self.model.ever_loaded:
                self.model.reload()
            self.load_names()

    def show_failures_today(self) -> None:
        """Every task's runs that failed today (the status bar's failure count), the newest
        selected, its detail and output shown, whatever the list is sorted by."""
        self.show_task(None)
        self.status.setCurrentIndex(self.status.findData(FINAL_FAILURE))
        self.period.setCurrentIndex(self.period.findData("today"))
        asked = self.query()  # (its order is by id, newest first: the model keeps its own)
        service = self.service

        def found(runs: list[Run]) -> None:
            # (not if the person changed the filters meanwhile); its row may be still to come
            if runs and self.query() == asked and not self.select_run(runs[0].id, wait=True):
                self.detail.show_run(runs[0])

        self.background.run(lambda: run_reads.page(service, asked, 0, 1), found, owner=self,
                            title="Cannot read today's failures")

    def load_names(self) -> None:
        self.task.look_up(Lookup(self.background, self.service))

    def show_task(self, task_id: int | None, name: str = "") -> None:
        """Show only this task's runs (None: all tasks), the one this window started last
        selected (Run now, then Show runs: "Select a run…" over its one row)."""
        self._typed.cancel()
        self._task_id = task_id
        self._task_text = ""
        self.task.setText(name if task_id is not None else "")
        self.filter_error.clear_error()
        self._apply_filters()
        if task_id in self._started:
            self.select_run(self._started[task_id], wait=True)

    def _on_detail_rerun_requested(self, task_id: int) -> None:
        self._rerun = task_id
        self.rerun_requested.emit(task_id)

    def on_runs_started(self, runs: list[Run]) -> None:
        """Runs this window started: selected when their task's runs are shown, now if they
        are with none selected (Show runs came before the run was made); one Re-run made
        here is selected in place of the run it repeats, its output and Cancel run shown."""
        for run in runs:
            self._started[run.task_id] = run.id
            rerun = run.task_id == self._rerun
            if rerun or (run.task_id == self._task_id
                         and not self.table.selectionModel().hasSelection()):
                self._rerun = None if rerun else self._rerun
                self.select_run(run.id, wait=True)

    def _on_typed_timeout(self) -> None:
        """The typed text is the filter: runs of the tasks whose name contains it."""
        text = self.task.text().strip()
        self._task_id = None
        self._task_text = text
        self.filter_error.clear_error()
        self._apply_filters()
        if text:  # asked afresh (a task made since counts): one row, not every name

            def named(any_named: bool) -> None:
                if self._task_text == text and not any_named:
                    self.filter_error.show_error(f"No task's name contains “{text}”.")

            self.background.run(lambda: reads.any_name_containing(self.service, text), named,
                                owner=self, title="Cannot read task names")

    def _on_period_changed(self) -> None:
        between = self.period.currentData() == "between"
        self.dates.setVisible(between)
        self._apply_filters()

    def query(self, now: datetime | None = None) -> RunQuery:
        since, until = period_bounds(self.period.currentData(),
                                     (now or datetime.now(UTC)).astimezone(),
                                     self._day(self.since), self._day(self.until))
        return RunQuery(self._task_id, self.status.currentData(), since, until,
                        self._task_text)

    @staticmethod
    def _day(edit: QDateTimeEdit) -> date:
        d = edit.date()
        return date(d.year(), d.month(), d.day())

    def _apply_filters(self) -> None:
        if self.period.currentData() == "between" and self.since.date() > self.until.date():
            self.dates_error.show_error("until is before From: no run can be in between")
        else:
            self.dates_error.clear_error()
        self.model.set_query(self.query())

    def _update_count(self) -> None:
        total = self.model.total
        self.count.setText(display.plural(total, "run"))
        # no run at all: the pane says where runs come from, not "Select a run" in an empty list
        none = total == 0 and self.model.ever_loaded and self.query() == RunQuery()
        idle = NO_RUNS if none else self._pick
        if idle != self.detail.idle:
            self.detail.idle = idle
            if self.detail.run is None:
                self.detail.title.setText(idle)

    # -- selection and detail --------------------------------------------------------------

    def _run_at(self, row: int) -> Run | None:
        item = self.model.data(self.model.index(row, 0), ITEM_ROLE)
        return item if isinstance(item, Run) else None

    def _on_current_row_changed(self, current: object, _previous: object) -> None:
        row = self.table.currentIndex().row()
        self.detail.show_run(self._run_at(row) if row >= 0 else None)

    def _on_kept_selection_changed(self) -> None:
        """The list was read again: the detail shows its selected run, or none — unless it
        shows the run asked for by `show_run`, whose row is still to come."""
        row = self.table.currentIndex().row()
        run = self._run_at(row) if row >= 0 else None
        shown = self.detail.run
        if run is not None or shown is None or shown.id != self._select_when_seen:
            self.detail.show_run(run)
        self.selection_changed.emit()

    def picked_tasks(self) -> list[tuple[int, Task | None]]:
        """The selected run's task, for the task actions."""
        rows = self.table.selectionModel().selectedRows()
        runs = [self._run_at(index.row()) for index in rows]
        return [(run.task_id, None) for run in runs if run is not None]

    def _on_model_data_changed(self, top_left: object, bottom_right: object) -> None:
        self.cancels.on_rows_changed(lambda run_id: self._run_at(self.model.row_of(run_id)))
        run = self.detail.run
        if run is None:
            return
        row = self.model.row_of(run.id)
        if row >= 0:
            fresh = self._run_at(row)
            if fresh is not None and fresh != run:
                self.detail.show_run(fresh)

    def _on_model_rows_inserted(self) -> None:
        wanted = self._select_when_seen
        if wanted is not None and self.select_run(wanted):
            self._select_when_seen = None

    def show_run(self, run_id: int, among_all: bool = False) -> None:
        """Any run, even weeks old, its detail at once: among its task's runs (the calendar's)
        or every task's (a notification's Open log), selected once its row is read."""

        def found(run: Run) -> None:
            if among_all:
                self.show_task(None)
            else:
                self.show_task(run.task_id, run.task_name)
            if not self.select_run(run.id, wait=True):
                self.detail.show_run(run)

        service = self.service
        self.background.run(lambda: service.get_run(run_id), found, owner=self,
                            title="Cannot open the run")

    def select_run(self, run_id: int, wait: bool = False) -> bool:
        """Select a run if it is loaded; with `wait`, select it when it arrives."""
        row = self.model.row_of(run_id)
        if row < 0:
            if wait:
                self._select_when_seen = run_id
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))
        return True

