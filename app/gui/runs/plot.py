"""One run's CPU and memory over its life, in the Runs view's detail pane.

The engine samples a running run's process tree once a second (CPU %, resident MiB: a
command's tree, or the Python worker process a callable runs in and what it started)
and stores the samples with the run. Showing a run reads them off the GUI thread; while
the run is going, new samples arrive through the bridge and extend the curves (samples
that arrive before the stored ones are read are kept and merged by time).

CPU and memory side by side, in sight beside the run's fields: stacked, each was some 50 px
high with one tick label per axis, the second below the fold. The time axis is the run's
own, from its start to its end (to its newest sample while it goes), labelled in seconds or
minutes, so a 2 s run sampled at 0.4 s and 1.4 s shows where in it the samples fell; the
note says the run's length and how many samples, where it said "2 samples over 1.0 s" of
that run. A few samples are drawn as dots on their line. A short run may have no samples;
the plot says so instead of staying blank.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np

from app.core.run import Run, peaks_text
from app.core.task import FINISHED_STATUSES
from app.engine.events import MetricsSampled
from app.gui.background import Background
from app.gui.qt import QEvent, QLabel, QPalette, QSizePolicy, Qt, QVBoxLayout, QWidget
from app.gui.widgets import display, plots
from app.service import Service

Sample = tuple[datetime, float, float]
MIN_HEIGHT = 130  # px: a plot's title, three ticks up its side and its time labels
DOTS = 30  # samples drawn as dots too, up to this many
SAMPLED = ("Sampled once a second while the run goes: CPU % and resident memory of its whole "
           "process tree. The time axis is the run's, from its start.")


class RunPlot(QWidget):
    def __init__(self, service: Service, background: Background,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("RunPlot")
        self.service = service
        self.background = background
        self.run_id: int | None = None
        self.run: Run | None = None
        self.live = False
        self.samples: list[Sample] = []
        self._loading = False
        self._early: list[Sample] = []
        # the plots are built the first time there are samples to draw: most runs shown
        # have none (runs shorter than a second), and most windows show no run
        self.canvas: Any = None
        self.cpu_plot: Any = None
        self.mem_plot: Any = None
        self.cpu_curve: Any = None
        self.mem_curve: Any = None
        self.note = QLabel()
        self.note.setWordWrap(True)
        # at the top, beside the first fields: centred on a short pane it was cut in two
        self.note.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.note.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.column = QVBoxLayout(self)
        self.column.setContentsMargins(0, 0, 0, 0)
        self.column.addWidget(self.note)
        self._update_note()

    def _build_plots(self) -> None:
        """The canvas, its two plots side by side and their curves, once."""
        self.canvas = plots.GraphicsLayoutWidget()
        self.canvas.setAccessibleName("CPU and memory of the run")  # (its words: the note's)
        self.canvas.setMinimumHeight(MIN_HEIGHT)
        # as tall as the pane shows (the detail caps this widget at its fields' view)
        self.canvas.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.canvas.ci.setContentsMargins(2, 2, 10, 2)
        self.canvas.ci.setSpacing(6)
        self.cpu_plot = plots.new_plot(self.canvas, 0, 0, "CPU %", date_axis=False,
                                       title_size="9pt", seconds=True)
        self.mem_plot = plots.new_plot(self.canvas, 0, 1, "Memory MiB", date_axis=False,
                                       title_size="9pt", seconds=True)
        plots.SecondsAxis.together(self.cpu_plot.getAxis("bottom"),
                                   self.mem_plot.getAxis("bottom"))
        self.mem_plot.setXLink(self.cpu_plot)
        for plot in (self.cpu_plot, self.mem_plot):
            plot.enableAutoRange(x=False, y=False)
            # one run's whole life, always in view: the wheel scrolls the pane, never zooms
            plot.setMouseEnabled(x=False, y=False)
            plot.setMenuEnabled(False)
            plot.getAxis("bottom").setHeight(22)
            plot.getAxis("left").setWidth(34)
            plots.title_height(plot, plots.wrap_title(plot, -1))  # one line, not 30 px
        for column in (0, 1):  # alike wide, whatever their titles (a longer title's plot
            self.canvas.ci.layout.setColumnStretchFactor(column, 1)  # was wider, at the
        least = max(plot.minimumWidth() for plot in (self.cpu_plot, self.mem_plot))
        for plot in (self.cpu_plot, self.mem_plot):  # same stretch: what each asks for counts)
            plot.setMinimumWidth(least)
            plot.setPreferredWidth(least)
        self.cpu_curve = self.cpu_plot.plot()
        self.mem_curve = self.mem_plot.plot()
        self.column.addWidget(self.canvas, 1)  # under the note: it is read first
        self._restyle()

    def show_run(self, run: Run | None) -> None:
        """Show a run's samples (the same run again only updates whether it is live, and its
        end)."""
        if run is not None and run.id == self.run_id:
            self.run = run
            self.live = run.status not in FINISHED_STATUSES
            self._redraw()
            self._update_note()
            return
        self.run = run
        self.run_id = run.id if run is not None else None
        self.live = run is not None and run.status not in FINISHED_STATUSES
        self.samples = []
        self._early = []
        self._redraw()
        if run is None:
            self._update_note()
            return
        self._loading = True
        self._update_note()
        run_id = run.id
        service = self.service
        self.background.run(lambda: service.run_samples(run_id),
                            lambda rows: self._on_samples_read(run_id, rows),
                            self._on_read_failed, owner=self)

    def _on_samples_read(self, run_id: int, rows: list[Sample]) -> None:
        if run_id != self.run_id:
            return
        self._loading = False
        last = rows[-1][0] if rows else None
        self.samples = rows + [s for s in self._early if last is None or s[0] > last]
        self._early = []
        self._redraw()
        self._update_note()

    def _on_read_failed(self, error: BaseException) -> None:
        self._loading = False
        self.background.report("Cannot read the run's resource samples", error)

    def on_metrics(self, samples: list[MetricsSampled]) -> None:
        """Live samples from the engine (only this run's are used)."""
        if self.run_id is None:
            return
        mine = [(s.at, float(s.values.get("cpu") or 0.0), float(s.values.get("rss_mb") or 0.0))
                for s in samples if s.kind == "run" and s.run_id == self.run_id]
        if not mine:
            return
        if self._loading:
            self._early.extend(mine)
            return
        last = self.samples[-1][0] if self.samples else None
        self.samples.extend(s for s in mine if last is None or s[0] > last)
        self._redraw()
        self._update_note()

    def _redraw(self) -> None:
        if not self.samples:
            if self.canvas is not None:
                self.cpu_curve.setData([], [])
                self.mem_curve.setData([], [])
            return
        if self.canvas is None:
            self._build_plots()
        start = self._start()
        x = np.fromiter(((s[0] - start).total_seconds() for s in self.samples), float)
        cpu = np.fromiter((s[1] for s in self.samples), float)
        mem = np.fromiter((s[2] for s in self.samples), float)
        dots = len(self.samples) <= DOTS  # a few samples: each one seen, not only a line
        for curve, y in ((self.cpu_curve, cpu), (self.mem_curve, mem)):
            curve.setData(x, y, symbol="o" if dots else None, symbolSize=5)
        length = self._length()
        end = max(length if length is not None else 0.0, float(x[-1]), 1.0)
        self.cpu_plot.setXRange(0, end, padding=0.02)
        # from zero, so a flat line reads as a level and not as noise; two or three ticks,
        # so the labels of these short plots never crowd
        for plot, top in ((self.cpu_plot, max(100.0, float(cpu.max()) * 1.05)),
                          (self.mem_plot, max(1.0, float(mem.max()) * 1.15))):
            plot.setYRange(0, top, padding=0)
            step = _nice(top / 2.5)
            plot.getAxis("left").setTickSpacing(step, step / 2)

    def _start(self) -> datetime:
        """Where the time axis begins: the run's start (its first sample if none is known)."""
        started = self.run.started_at if self.run is not None else None
        first = self.samples[0][0]
        return started if started is not None and started <= first else first

    def _length(self) -> float | None:
        """The run's length in seconds, once it has ended."""
        run = self.run
        if run is None or run.started_at is None or run.finished_at is None or self.live:
            return None
        return (run.finished_at - run.started_at).total_seconds()

    def _update_note(self) -> None:
        if self.run_id is None:
            text = ""
        elif self._loading:
            text = "Reading resource samples…"
        elif not self.samples:
            text = ("Sampling once a second while it runs…" if self.live else
                    "No resource samples for this run (a run is sampled once a second while "
                    "it runs: a short one may have none).")
        else:
            count = len(self.samples)
            said = f"{count} sample{'' if count == 1 else 's'}"
            length = self._length()
            if self.live:
                said = f"Live · {said} so far"
            elif length is not None:
                said = f"{said} of a {display.duration(length)} run"
            text = f"{said} · {peaks_text(self.samples)}"
        self.note.setText(text)
        self.note.setToolTip(SAMPLED if self.samples else "")
        if self.canvas is not None:
            self.canvas.setVisible(bool(self.samples))
            self.canvas.setAccessibleDescription(text)

    def _restyle(self) -> None:
        if self.canvas is None:
            return
        palette = self.palette()
        dark = display.dark_mode()
        plots.style(self.canvas, [self.cpu_plot, self.mem_plot], palette)
        for curve, status in ((self.cpu_curve, "running"), (self.mem_curve, "queued")):
            shade = display.status_colour(status, dark)
            curve.setPen(plots.pen(shade))
            curve.setSymbolBrush(shade)
            curve.setSymbolPen(shade)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange and getattr(self, "canvas", None):
            self._restyle()
        super().changeEvent(event)

    def x_values(self) -> Any:
        """The plotted x data (tests)."""
        return self.cpu_curve.getData()[0] if self.cpu_curve is not None else np.array([])


def _nice(x: float) -> float:
    """The smallest of 1, 2, 5 × 10^k that is at least `x`."""
    import math

    power = 10.0 ** math.floor(math.log10(x))
    return float(next(m * power for m in (1, 2, 5, 10) if m * power >= x))
