"""The task table's model: every task in the store, a page at a time, updated by row.

Columns: name, schedule in words, next run, last run (status icon and time), priority,
enabled. Sorting and searching run in the store (a new query: the one legitimate reset);
events update only the rows they name. Run events change a task's last run and next run,
so the tasks they name are re-read (batched, at most every `UPDATE_MS`); tasks created or
deleted elsewhere bring a refresh of the loaded window, applied as row inserts/removals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.core.next_due import Retry, next_due
from app.core.run import result_note
from app.core.task import Task
from app.engine.events import RunChanged
from app.gui.background import Background
from app.gui.qt import QApplication, QFont, QObject, QPalette, Qt, Signal
from app.gui.tasks import reads
from app.gui.tasks.chain import after_words
from app.gui.widgets import display
from app.gui.widgets.paging import Index, PagedTableModel, Throttle
from app.gui.widgets.tables import sort_indicator, store_sort
from app.service import Change, Service

UPDATE_MS = 300
REFRESH_MS = 1000

NAME, SCHEDULE, NEXT_RUN, LAST_RUN, PRIORITY, ENABLED = range(6)
SORT_KEYS = {NAME: "name", SCHEDULE: "schedule", NEXT_RUN: "next_run_at",
             PRIORITY: "priority", ENABLED: "enabled"}


@dataclass(frozen=True)
class TaskQuery:
    search: str = ""
    sort: str = "name"
    descending: bool = False


@dataclass(frozen=True)
class TaskItem:
    """A task with the words it shows, computed on the pool thread."""

    task: Task
    schedule_text: str
    retry: Retry | None  # its retry waiting out its delay that falls due first, of any run

    @property
    def id(self) -> int:
        return self.task.id

    @property
    def retry_due(self) -> datetime | None:
        return self.retry.due if self.retry is not None else None


def task_items(service: Service, tasks: list[Task]) -> list[TaskItem]:
    """The tasks' rows (on the pool thread): their retries read in one query."""
    retries = service.first_retries([t.id for t in tasks]) if tasks else {}
    return [TaskItem(t, t.schedule_text, retries.get(t.id)) for t in tasks]


class TaskTableModel(PagedTableModel[TaskItem, TaskQuery]):
    """Signals:
        enable_requested(int, bool): the user ticked or cleared a task's Enabled box.
    """

    COLUMNS = ("Name", "Schedule", "Next run", "Last run", "Priority", "Enabled")
    enable_requested = Signal(int, bool)

    def __init__(self, service: Service, background: Background, page_size: int = 200,
                 parent: QObject | None = None) -> None:
        super().__init__(background, page_size, parent)
        self.service = service
        self._query = TaskQuery()
        self._pending: set[int] = set()
        self._updating = False
        self._update = Throttle(UPDATE_MS, self._on_update_due, self)
        self._refresh = Throttle(REFRESH_MS, self.refresh, self)

    # -- the query -------------------------------------------------------------------------

    def query(self) -> TaskQuery:
        return self._query

    def set_search(self, text: str) -> None:
        if text.strip() != self._query.search:
            self._query = TaskQuery(text.strip(), self._query.sort, self._query.descending)
            self.reload()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        wanted = store_sort(SORT_KEYS, column, order)
        if wanted is not None and wanted != (self._query.sort, self._query.descending):
            self._query = TaskQuery(self._query.search, *wanted)
            self.reload()

    def sort_column(self) -> tuple[int, Qt.SortOrder]:
        return sort_indicator(SORT_KEYS, self._query.sort, self._query.descending, NAME)

    def read_page(self, query: TaskQuery, offset: int, limit: int) -> list[TaskItem]:
        tasks = self.service.list_tasks(offset, limit, search=query.search or None,
                                        sort=query.sort, descending=query.descending)
        return task_items(self.service, tasks)

    def read_count(self, query: TaskQuery) -> int:
        return self.service.count_tasks(search=query.search or None)

    def key(self, row: TaskItem) -> int:
        return row.id

    # -- cells -----------------------------------------------------------------------------

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and index.column() == ENABLED:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or index.column() != ENABLED:
            return False
        if role != Qt.ItemDataRole.CheckStateRole:
            return False
        checked = Qt.CheckState(value) == Qt.CheckState.Checked
        self.enable_requested.emit(self.rows[index.row()].id, checked)
        return False  # the row changes when the service says so

    def cell(self, row: TaskItem, column: int, role: int) -> Any:
        spec = row.task.spec
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        if role == Qt.ItemDataRole.DecorationRole and column == LAST_RUN and row.task.last_run:
            return display.status_icon(row.task.last_run.status)
        if role == Qt.ItemDataRole.CheckStateRole and column == ENABLED:
            return Qt.CheckState.Checked if spec.enabled else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.TextAlignmentRole and column == PRIORITY:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and not spec.enabled:
            # quieter than an enabled row's, yet read as text (the palette's disabled text,
            # #bebebe on white in Fusion, was 1.9:1: a paused task's name hard to read)
            palette = QApplication.palette()
            return display.blend(palette.color(QPalette.ColorRole.Text),
                                 palette.color(QPalette.ColorRole.Base), 0.4)
        if role == Qt.ItemDataRole.FontRole and column == NAME and not spec.enabled:
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self._tooltip(row, column) or self._text(row, column)
        return None

    def _text(self, row: TaskItem, column: int) -> str:
        task = row.task
        if column == NAME:
            return task.name
        if column == SCHEDULE:
            return row.schedule_text
        if column == NEXT_RUN:
            if not task.spec.enabled:  # (a retry waiting keeps its policy: it runs)
                due = row.retry_due
                return "paused" if due is None else f"paused; retry {display.when(due)}"
            when, retry = next_due(task.next_run_at, row.retry_due)
            if retry:
                return f"{display.when(when)} (retry)"
            if task.next_run_at is None:
                schedule = task.spec.schedule
                if schedule.kind == "after":
                    return after_words(schedule.after)
                return "on demand" if schedule.kind == "manual" else "—"
            return display.when(task.next_run_at)
        if column == LAST_RUN:
            run = task.last_run
            if run is None:
                return "never"
            at = run.finished_at or run.started_at or run.scheduled_for
            return f"{display.status_words(run.status)} · {display.when(at)}"
        if column == PRIORITY:
            return str(task.spec.priority)
        if column == ENABLED:
            return "enabled" if task.spec.enabled else "paused"
        return ""

    def _tooltip(self, row: TaskItem, column: int) -> str:
        task = row.task
        if column == NAME:
            lines = [task.name]
            if task.spec.description:
                lines.append(task.spec.description)
            lines.append(f"Action: {task.spec.action.summary()}")
            if task.spec.tags:
                lines.append("Tags: " + ", ".join(task.spec.tags))
            return "\n".join(lines)
        if column == NEXT_RUN:  # (paused: its schedule fires nothing, a retry still runs)
            scheduled = task.next_run_at if task.spec.enabled else None
            when, retry = next_due(scheduled, row.retry_due)
            if when is None:
                return ""
            said = f"{display.full_time(when)}\n{display.relative(when)}"
            if retry and row.retry is not None:
                said += f"\nA retry (run {row.retry.run_id}, attempt {row.retry.attempt})"
                if scheduled is not None:
                    said += f"; then as scheduled, {display.full_time(task.next_run_at)}"
            return said
        if column == LAST_RUN and task.last_run is not None:
            run = task.last_run
            parts = [f"Run {run.id}: {display.status_words(run.status)}",
                     f"Started {display.full_time(run.started_at)}",
                     f"Took {display.duration(run.duration_s)}"]
            # how it ended in the Runs view's words: it said "Exit code 3" then "exit code 3",
            # or a Python action's error whole (4,000 characters); its details have it all
            result = display.in_notes(result_note(run.exit_code, run.error, run.note,
                                                  run.status))
            if result:
                parts.append(result)
            return "\n".join(parts)
        return ""

    # -- events ----------------------------------------------------------------------------

    def on_runs_changed(self, events: list[RunChanged]) -> None:
        self._want({e.task_id for e in events})
        if self._query.sort == "next_run_at":
            self._refresh.poke()

    def on_tasks_changed(self, ids: frozenset[int]) -> None:
        self._want(set(ids), structural=True)

    def on_service_change(self, change: Change) -> None:
        """This process's own edits: shown at once (new tasks by a window refresh)."""
        if change.deleted_tasks:
            self.remove_keys(change.deleted_tasks)
        if change.tasks:
            if change.tasks - self.keys():
                self.refresh()
            self._want(set(change.tasks))

    def on_store_changed(self) -> None:
        self._refresh.poke()

    def _want(self, ids: set[int], structural: bool = False) -> None:
        """Re-read loaded tasks among `ids`; unknown ones may be new: refresh the window."""
        if not self.active:
            self.refresh()  # only marks the model stale
            return
        loaded = ids & self.keys()
        if structural and ids - loaded:
            self._refresh.poke()
        if loaded:
            self._pending |= loaded
            self._update.poke()

    def _on_update_due(self) -> None:
        if self._updating:
            self._update.poke()
            return
        ids, self._pending = self._pending, set()
        if not ids:
            return
        self._updating = True

        def work() -> tuple[list[TaskItem], set[int]]:
            found, gone = reads.tasks_by_id(self.service, ids)
            return task_items(self.service, found), gone

        self.background.run(work, self._on_updated, self._on_update_failed, owner=self,
                            title="Cannot read tasks")

    def _on_updated(self, result: tuple[list[TaskItem], set[int]]) -> None:
        self._updating = False
        items, gone = result
        self.update_rows(items)
        if gone:
            self.remove_keys(gone)

    def _on_update_failed(self, error: BaseException) -> None:
        self._updating = False
        self.background.report("Cannot read tasks", error)
