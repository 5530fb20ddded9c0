"""The run history's model: runs newest first, filtered by task, status and date, or
sorted by a column (the store sorts the whole filtered history; a page is never sorted alone).

Run events update the runs they name at once (their new status) and then, batched every
`UPDATE_MS`, re-read those rows for the rest (start, end, exit code) and fetch the runs
newer than the newest shown, inserted at the top; the window the user scrolled to keeps
its length, older rows slide out of it (and can be fetched again). Newer runs are read as
many as the window keeps, and when that many came they are the window: the rows they push
out are not re-read. Sorted by another
column, rows are still updated in place at once, and the window is re-read at most every
`RESORT_MS` so new and changed runs take their places in the order. Failed and timed-out
rows are tinted red, interrupted ones amber, in shades for the light or dark palette.

A failed attempt that was retried reads "retried" (amber ↻), as the calendar says it
(`Run.shown_status`); its real end stays in the Result / note column ("exit code 3 ·
retried as run 5") and in its details.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from app.core.run import Run, result_note
from app.core.task import FINISHED_STATUSES
from app.engine.events import RunChanged
from app.gui.background import Background
from app.gui.qt import QFont, QObject, Qt
from app.gui.runs import reads
from app.gui.runs.elapsed import Elapsed, going
from app.gui.runs.reads import RunQuery
from app.gui.widgets import display
from app.gui.widgets.columns import Column
from app.gui.widgets.paging import PagedTableModel, Throttle
from app.gui.widgets.tables import sort_indicator, store_sort
from app.service import Change, Service
from app.store.runs import FAILURES

UPDATE_MS = 250

RUN, TASK, STATUS, SCHEDULED, STARTED, FINISHED, DURATION, LATENESS, ATTEMPT, TRIGGER, RESULT = (
    range(11))
# the Runs view's columns (column, minimum, preferred width), and the order they stay in as
# the window narrows, longest first
RUN_COLUMNS = [Column(RUN, 44, 60), Column(TASK, 110, 170), Column(STATUS, 100, 110),
               Column(SCHEDULED, 120, 130), Column(STARTED, 120, 130),
               Column(FINISHED, 120, 130), Column(DURATION, 70, 80),
               Column(LATENESS, 70, 80), Column(ATTEMPT, 60, 64), Column(TRIGGER, 70, 80),
               Column(RESULT, 120, 160)]
RUN_PRIORITY = [TASK, STATUS, STARTED, DURATION, RESULT, RUN, SCHEDULED, FINISHED, LATENESS,
                TRIGGER, ATTEMPT]
# the columns the store sorts by (the whole filtered history, not the loaded page); the
# first page of each on 200,000 runs is timed in docs/runs-sorting.md
SORT_KEYS = {RUN: "id", TASK: "task", STATUS: "status", SCHEDULED: "scheduled_for",
             STARTED: "started_at", FINISHED: "finished_at", DURATION: "duration",
             LATENESS: "lateness_ms"}
RESORT_MS = 2000  # a sorted list re-reads its window at most this often as runs change


class RunTableModel(PagedTableModel[Run, RunQuery]):
    COLUMNS = ("Run", "Task", "Status", "Scheduled for", "Started", "Finished", "Duration",
               "Lateness", "Attempt", "Trigger", "Result / note")

    def __init__(self, service: Service, background: Background, page_size: int = 200,
                 parent: QObject | None = None) -> None:
        super().__init__(background, page_size, parent)
        self.service = service
        self._query = RunQuery()
        self._changed: set[int] = set()
        self._look_newer = False
        self._updating = False
        self._update = Throttle(UPDATE_MS, self._on_update_due, self)
        self.elapsed = Elapsed(self._tick, self)  # a running run's Duration, its time so far
        self._resort = Throttle(RESORT_MS, self.refresh, self)

    def query(self) -> RunQuery:
        return self._query

    def set_query(self, query: RunQuery) -> None:
        """New filters; the order stays as the person chose it."""
        query = replace(query, sort=self._query.sort, descending=self._query.descending)
        if query != self._query:
            self._query = query
            self.reload()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        wanted = store_sort(SORT_KEYS, column, order)
        if wanted is not None and wanted != (self._query.sort, self._query.descending):
            self._query = replace(self._query, sort=wanted[0], descending=wanted[1])
            self.reload()

    def sort_column(self) -> tuple[int, Qt.SortOrder]:
        return sort_indicator(SORT_KEYS, self._query.sort, self._query.descending, RUN)

    def read_page(self, query: RunQuery, offset: int, limit: int) -> list[Run]:
        return reads.page(self.service, query, offset, limit)

    def read_count(self, query: RunQuery) -> int:
        return reads.count(self.service, query)

    def key(self, row: Run) -> int:
        return row.id

    def run(self, row: int) -> Run | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    # -- cells -----------------------------------------------------------------------------

    def cell(self, row: Run, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.DecorationRole and column == STATUS:
            return display.status_icon(row.shown_status)
        if role == Qt.ItemDataRole.ForegroundRole and column == STATUS:
            return display.status_colour(row.shown_status)
        if role == Qt.ItemDataRole.BackgroundRole:
            return display.row_tint(row.shown_status)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (RUN, DURATION, LATENESS,
                                                                    ATTEMPT):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and column == DURATION and going(row):
            font = QFont()
            font.setItalic(True)  # (so far: it moves on)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == DURATION and going(row):
                return "Running for this long so far"
            if column in (SCHEDULED, STARTED, FINISHED):
                return display.full_time((row.scheduled_for, row.started_at,
                                          row.finished_at)[column - SCHEDULED])
            if column == RESULT:
                return display.in_notes("\n".join(filter(None, (row.error, row.note)))) or None
        return None

    def _text(self, run: Run, column: int) -> str:
        if column == RUN:
            return str(run.id)
        if column == TASK:
            return run.task_name
        if column == STATUS:
            return display.status_words(run.shown_status)
        if column == SCHEDULED:
            return display.when(run.scheduled_for, seconds=True)
        if column == STARTED:
            return display.when(run.started_at, seconds=True)
        if column == FINISHED:
            return display.when(run.finished_at, seconds=True)
        if column == DURATION:
            if run.duration_s is not None:
                return display.duration(run.duration_s)
            return self.elapsed.text(run) or ""  # a running one's time so far
        if column == LATENESS:
            return display.lateness(run.lateness_ms) if run.lateness_ms is not None else ""
        if column == ATTEMPT:
            return str(run.attempt)
        if column == TRIGGER:
            return display.trigger_words(run.trigger)
        if column == RESULT:
            return display.in_notes(result_note(run.exit_code, run.error, run.note,
                                                run.status)) or ""
        return ""

    def _tick(self) -> None:
        """Running runs' time so far moves on; with none shown, the timer stops."""
        moving = [i for i, run in enumerate(self.rows) if going(run)]
        if not moving:
            self.elapsed.stop()
        for i in moving:
            self.dataChanged.emit(self.index(i, DURATION), self.index(i, DURATION))

    # -- events ----------------------------------------------------------------------------

    def on_runs_changed(self, events: list[RunChanged]) -> None:
        if not self.active:
            self.refresh()
            return
        where = {r.id: i for i, r in enumerate(self.rows)}
        changed: list[Run] = []
        last = {event.run_id: event for event in events}  # (a run's claim, start and end
        for event in last.values():  # come in one batch at 100,000 fires a minute)
            # re-read it even when it is not loaded yet: a load in flight may have read it
            # before this change, and would otherwise show the older status for good
            self._changed.add(event.run_id)
            i = where.get(event.run_id)
            if i is None:
                self._look_newer = True
                continue
            run = self.rows[i]
            # a failure waits for its re-read, which says whether it was retried (it read
            # "failed" in red for a moment, then "retried")
            if run.status != event.status and event.status not in FAILURES:
                changed.append(replace(run, status=event.status))
        self.update_rows(changed)
        self._update.poke()

    def on_service_change(self, change: Change) -> None:
        if change.deleted_tasks:
            self.refresh()
            return
        if change.runs:
            if not self.active:
                self.refresh()
                return
            self._changed |= set(change.runs) & self.keys()
            self._look_newer = True
            self._update.poke()

    def on_store_changed(self) -> None:
        """Another process committed: look for newer runs and re-read unfinished ones."""
        if not self.active:
            self.refresh()
            return
        self._look_newer = True
        self._changed |= {r.id for r in self.rows if r.status not in FINISHED_STATUSES}
        self._update.poke()

    def _on_update_due(self) -> None:
        if self._updating or not self.ever_loaded:
            self._update.poke()
            return
        changed, self._changed = self._changed, set()
        newer, self._look_newer = self._look_newer, False
        if not changed and not newer:
            return
        if not self._query.sorted_by_id:  # where a new or changed run now belongs is the
            self._resort.poke()  # store's ORDER BY: the window is re-read, at most so often
            newer = False
        if newer and (self._query.status or self._query.until):
            self.refresh()  # a status filter lets older runs enter; re-read the window
            newer = False
        self._updating = True
        query = self._query
        top = max((r.id for r in self.rows), default=0)
        # the runs newer than `top` are read whole below, as many as the window keeps:
        # reading them by id too, or more of them than it keeps, took the window's reads a
        # fifth of the engine's interpreter at 100,000 fires a minute
        limit = self.kept()
        if newer:
            changed = {run_id for run_id in changed if run_id <= top}

        def work() -> tuple[list[Run], set[int], list[Run] | None, int | None]:
            fresh = reads.runs_newer(self.service, query, top, limit) if newer else None
            total = self.read_count(query) if newer else None
            if fresh is not None and len(fresh) >= limit:
                return [], set(), fresh, total  # the window is newer runs: the rest go
            found, gone = reads.runs_by_id(self.service, query, changed)
            return found, gone, fresh, total

        generation = self._generation

        def done(result: tuple[list[Run], set[int], list[Run] | None, int | None]) -> None:
            self._updating = False
            if generation != self._generation:
                return
            found, gone, fresh, total = result
            self.update_rows(found)
            if gone:
                self.remove_keys(gone)
            if fresh is not None:
                if len(fresh) >= limit and self.kept() > limit:  # (more rows wanted since)
                    self.refresh()
                else:  # (as many as it keeps: they are the window, the older rows go)
                    self.insert_top(fresh, total)

        def failed(error: BaseException) -> None:
            self._updating = False
            self.background.report("Cannot read runs", error)

        self.background.run(work, done, failed, owner=self, title="Cannot read runs")
