"""One run in detail: status, timings, lateness, attempt, exit code or error, its CPU and
memory over its life (`RunPlot`, beside the fields), its latest progress report ("40 % —
copying", from a Python action's `progress(...)`, kept in its output), and its output,
which tails live while the run is going.

The stored output is read off the GUI thread when a run is shown; chunks that arrive from
the engine meanwhile are kept and appended after it by sequence number, so nothing is shown
twice or lost. No engine of this window reports another engine's runs (a viewer): there a
running run's new output is read from the store each time another connection commits
(`on_store_changed`, the session's data_version poll), until the run ends. stderr and
Tickwork's own lines are marked in words and colour (`RunLog`).

Signals:
    cancel_requested(int): Cancel was clicked for this run.
    rerun_requested(int): Re-run was clicked (the run's task id).
    open_task_requested(int): Edit task was clicked (the task id).
"""

from __future__ import annotations

import json
from typing import Any

from app.core.run import (
    RETRY_FIRE,
    RETRY_LATE,
    Run,
    error_beyond,
    exit_code_text,
    note_beyond,
    progress_words,
)
from app.core.task import FINISHED_STATUSES
from app.engine.events import MetricsSampled, RunOutput
from app.gui.background import Background
from app.gui.qt import (
    QEvent,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QObject,
    QPushButton,
    QRect,
    QSizePolicy,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from app.gui.runs.elapsed import Elapsed
from app.gui.runs.output import RunLog
from app.gui.runs.plot import RunPlot
from app.gui.widgets import display
from app.gui.widgets.status_text import paint_status
from app.gui.widgets.whole_rows import WholeRowsArea
from app.gui.widgets.wrapping import WrappingText
from app.service import Service

# how it went first, its note (why it ran, waited, was skipped or retried) among them, then
# its times: the note was the second last row, below the fold of a window at its first size,
# and Finished, Duration and Lateness were at 1280x800 once a run ended with a long error
ROWS = ("Status", "Progress", "Note", "Exit code", "Error", "Scheduled for", "Started",
        "Finished", "Duration", "Lateness", "Trigger", "Attempt", "Checkpoint")
FREE_TEXT = frozenset({"Error", "Note", "Checkpoint"})


class RunDetail(QWidget):
    cancel_requested = Signal(int)
    rerun_requested = Signal(int)
    open_task_requested = Signal(int)

    def __init__(self, service: Service, background: Background,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("RunDetail")
        self.service = service
        self.background = background
        self.run: Run | None = None
        self.elapsed = Elapsed(self._say_duration, self)  # (its clock: the view's table's)
        self._last_seq = -1
        self._loading = False
        self._early: list[RunOutput] = []
        self._tailing = False  # a read of the shown run's newer output is in flight
        self._stale = False  # the store changed while a read was in flight: read again

        self.idle = "Select a run to see its details and output."  # the title with no run shown
        self.title = QLabel(self.idle)
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title.setFont(font)
        self.title.setWordWrap(True)
        self.fields: dict[str, QLabel | WrappingText] = {}
        self.form = form = QFormLayout()
        form.setHorizontalSpacing(16)
        for key in ROWS:
            if key in FREE_TEXT:  # a long word wraps too
                self.fields[key] = WrappingText("—")
            else:
                label = QLabel("—")
                label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                label.setWordWrap(True)
                self.fields[key] = label
            form.addRow(key, self.fields[key])
        form.setRowVisible(self.fields["Progress"], False)  # shown once a run reports some
        self.cancel_button = QPushButton("&Cancel run")
        self.rerun_button = QPushButton("&Re-run")
        self.open_button = QPushButton("Edit tas&k")  # Alt+T is the Task menu
        for button in (self.cancel_button, self.rerun_button, self.open_button):
            button.setEnabled(False)
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        self.rerun_button.clicked.connect(self._on_rerun_clicked)
        self.open_button.clicked.connect(self._on_open_clicked)
        buttons = QHBoxLayout()
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.rerun_button)
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        self.log = RunLog()  # stderr and Tickwork's lines marked in words (output.py)
        self.resources = RunPlot(service, background)
        # the fields and the plot scroll on a short screen, so the output keeps its room
        fields = QWidget()
        top = QHBoxLayout(fields)
        top.setContentsMargins(0, 0, 0, 0)
        top.addLayout(form, 1)
        # at the top, never taller than the pane shows (`eventFilter`): beside a form that
        # scrolls, the plots' time axis was below the fold
        top.addWidget(self.resources, 1, Qt.AlignmentFlag.AlignTop)
        self.resources.setSizePolicy(QSizePolicy.Policy.Preferred,
                                     QSizePolicy.Policy.Expanding)
        self.fields_area = WholeRowsArea(self._row_rects)  # no row cut through its words
        self.fields_area.setObjectName("RunFields")
        self.fields_area.setWidget(fields)
        self.fields_area.setWidgetResizable(True)
        self.fields_area.setFrameShape(QFrame.Shape.NoFrame)
        self.fields_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.fields_area.setMinimumHeight(80)
        self.fields_area.viewport().installEventFilter(self)
        self.fields_area.setSizePolicy(QSizePolicy.Policy.Preferred,
                                       QSizePolicy.Policy.MinimumExpanding)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.fields_area, 3)  # the fields and both plots before the output
        layout.addLayout(buttons)
        output = QLabel("Output")
        output.setBuddy(self.log)
        layout.addWidget(output)
        layout.addWidget(self.log, 2)
        self.log.setMinimumHeight(60)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and watched is self.fields_area.viewport():
            self.resources.setMaximumHeight(max(self.resources.minimumSizeHint().height(),
                                                self.fields_area.viewport().height()))
        return super().eventFilter(watched, event)

    def _row_rects(self) -> list[QRect]:
        """Each shown row (its name and its value), in the scrolled widget."""
        return [self.form.labelForField(f).geometry().united(f.geometry())
                for f in self.fields.values() if self.form.isRowVisible(f)]

    # -- showing a run ---------------------------------------------------------------------

    def show_run(self, run: Run | None) -> None:
        same = run is not None and self.run is not None and run.id == self.run.id
        # A run shown while it went may have missed a chunk sent before it was shown and
        # committed after the read; once it has ended, everything is stored: read it again.
        ended = (same and run is not None and self.run is not None
                 and self.run.status not in FINISHED_STATUSES
                 and run.status in FINISHED_STATUSES)
        self.run = run
        self._fill(run)
        if not same:  # another run starts at its Status, not where the last was scrolled
            self.fields_area.verticalScrollBar().setValue(0)
        self.resources.show_run(run)
        if run is None or not same or ended:
            self.log.clear()
            self._show_progress(None)  # until its output, read now, says otherwise
        if run is None or (same and not ended):
            return
        self._last_seq = -1
        self._early = []
        self._loading = True
        self._stale = False
        run_id = run.id
        self.background.run(lambda: self.service.run_output(run_id),
                            lambda chunks: self._on_output_loaded(run_id, chunks),
                            self._on_output_failed, owner=self, title="Cannot read the output")

    def _say_duration(self) -> None:
        """Its Duration, or its time so far while it runs (each second: `elapsed`)."""
        run = self.run
        so_far = self.elapsed.text(run) if run is not None else None
        if so_far is None:
            self.elapsed.stop()
        self.fields["Duration"].setText(f"{so_far} so far" if so_far is not None else
                                        display.duration(run.duration_s if run else None))

    def _fill(self, run: Run | None) -> None:
        name = self.form.labelForField(self.fields["Error"])  # a cancel's words are no "Error"
        if isinstance(name, QLabel):
            name.setText(run.error_label if run is not None else "Error")
        if run is None:
            self.title.setText(self.idle)
            for label in self.fields.values():
                label.setText("—")
            paint_status(self.fields["Status"], None)  # not the last run's colour
            for key in ("Error", "Exit code"):
                self.form.setRowVisible(self.fields[key], True)
            self.form.setRowVisible(self.fields["Note"], True)
            for button in (self.cancel_button, self.rerun_button, self.open_button):
                button.setEnabled(False)
            return
        self.title.setText(f"Run {run.id} of {run.task_name}")
        status = self.fields["Status"]
        status.setText(display.status_words(run.status)
                       + (" (cancel requested)" if run.cancel_requested
                          and run.status not in FINISHED_STATUSES else "")
                       + (f" — retried as run {run.retried_as}" if run.retried_as else ""))
        paint_status(status, run.shown_status)  # a retried failure amber, as in the list
        self.fields["Trigger"].setText(display.trigger_words(run.trigger))
        self.fields["Attempt"].setText(str(run.attempt))
        retry = run.trigger == "retry"  # its fire's time, and late from when it was due
        self.fields["Scheduled for"].setText(display.full_time(run.scheduled_for)
                                             + (RETRY_FIRE if retry else ""))
        self.fields["Started"].setText(display.full_time(run.started_at))
        self.fields["Finished"].setText(display.full_time(run.finished_at))
        self._say_duration()
        self.fields["Lateness"].setText(display.lateness(run.lateness_ms) + (
            RETRY_LATE if retry and run.lateness_ms is not None else ""))
        self.fields["Exit code"].setText(exit_code_text(run.exit_code) or "—")
        self.form.setRowVisible(self.fields["Exit code"],  # (none: a Python run's end)
                                run.exit_code is not None or run.status not in FINISHED_STATUSES)
        error = error_beyond(run.exit_code, run.error)  # not "exit code 3" under "3"
        self.fields["Error"].setText(display.in_notes(error) or "—")
        self.form.setRowVisible(self.fields["Error"], error is not None)
        note = note_beyond(run)  # why it ran, waited or was skipped
        self.fields["Note"].setText(display.in_notes(note) or "—")
        self.form.setRowVisible(self.fields["Note"], note is not None or not run.retried_as)
        self.fields["Checkpoint"].setText(checkpoint_text(run.checkpoint))
        self.fields["Checkpoint"].setToolTip(
            "The state its action saved last, which a retry of this fire starts from"
            if run.checkpoint is not None else "")
        self.cancel_button.setEnabled(run.status not in FINISHED_STATUSES)
        self.rerun_button.setEnabled(True)
        self.open_button.setEnabled(True)

    def _on_output_loaded(self, run_id: int, chunks: list[tuple[int, str, str]]) -> None:
        if self.run is None or self.run.id != run_id:
            return
        self._loading = False
        for seq, stream, text in chunks:
            self._append(seq, stream, text)
        early, self._early = self._early, []
        for chunk in sorted(early, key=lambda c: c.seq):
            self._append(chunk.seq, chunk.stream, chunk.text)
        if self.run.status in FINISHED_STATUSES:  # all of it read: nothing more to wait for
            self.log.end()
        if self._stale:
            self.on_store_changed()

    def _on_output_failed(self, error: BaseException) -> None:
        self._loading = False
        self.background.report("Cannot read the run's output", error)

    def on_store_changed(self) -> None:
        """Another connection committed and no engine here reports it: the shown running
        run's output stored since the last chunk shown is read and appended."""
        run = self.run
        if run is None or run.status in FINISHED_STATUSES or not self.isVisible():
            return
        if self._loading or self._tailing:
            self._stale = True
            return
        self._tailing, self._stale = True, False
        run_id, after = run.id, self._last_seq
        self.background.run(lambda: self.service.run_output(run_id, after),
                            lambda chunks: self._on_tail_read(run_id, chunks),
                            self._on_tail_failed, owner=self, title="Cannot read the output")

    def _on_tail_read(self, run_id: int, chunks: list[tuple[int, str, str]]) -> None:
        self._tailing = False
        if self.run is not None and self.run.id == run_id and not self._loading:
            for seq, stream, text in chunks:  # (another run shown meanwhile reads its own)
                self._append(seq, stream, text)
        if self._stale and not self._loading:
            self.on_store_changed()

    def _on_tail_failed(self, error: BaseException) -> None:
        self._tailing = False
        self.background.report("Cannot read the run's output", error)

    def on_output(self, chunks: list[RunOutput]) -> None:
        """Live output from the engine (any run; only this one's is shown)."""
        if self.run is None:
            return
        mine = [c for c in chunks if c.run_id == self.run.id]
        if not mine:
            return
        if self._loading:
            self._early.extend(mine)
            return
        for chunk in mine:
            self._append(chunk.seq, chunk.stream, chunk.text)

    def on_metrics(self, samples: list[MetricsSampled]) -> None:
        """Resource samples from the engine (the shown run's extend its plot)."""
        self.resources.on_metrics(samples)

    def _append(self, seq: int, stream: str, text: str) -> None:
        if seq <= self._last_seq:
            return
        self._last_seq = seq
        if stream == "tickwork":
            for line in text.splitlines():
                words = progress_words(line)
                if words is not None:
                    self._show_progress(words)
        self.log.add(stream, text)

    def _show_progress(self, words: str | None) -> None:
        self.fields["Progress"].setText(words or "—")
        self.form.setRowVisible(self.fields["Progress"], words is not None)

    def output_text(self) -> str:
        """The output shown, as printed (what Copy gives: no marks)."""
        return self.log.printed()

    # -- buttons ---------------------------------------------------------------------------

    def _on_cancel_clicked(self) -> None:
        if self.run is not None:
            self.cancel_requested.emit(self.run.id)

    def _on_rerun_clicked(self) -> None:
        if self.run is not None:
            self.rerun_requested.emit(self.run.task_id)

    def _on_open_clicked(self) -> None:
        if self.run is not None:
            self.open_task_requested.emit(self.run.task_id)


def checkpoint_text(value: Any, limit: int = 300) -> str:
    """A run's checkpoint as compact JSON, cut at `limit` characters ("—": none)."""
    if value is None:
        return "—"
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return text if len(text) <= limit else text[:limit - 1] + "…"
