"""One run's CPU and memory over its life, in the Runs view's detail pane.

The engine samples a running run's process tree once a second (CPU %, resident MB: a
command's tree, or the Python worker process a callable runs in and what it started)
and stores the samples with the run. Showing a run reads them off the GUI thread; while
the run is going, new samples arrive through the bridge and extend the curves (samples
that arrive before the stored ones are read are kept and merged by time). The x axis is
seconds since the first sample. A short run may have no samples; the plot says so instead
of staying blank.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np

from app.core.run import Run
from app.core.task import FINISHED_STATUSES
from app.engine.events import MetricsSampled
from app.gui.background import Background
from app.gui.metrics.data import read_run_samples
from app.gui.qt import QEvent, QLabel, QPalette, QSizePolicy, Qt, QVBoxLayout, QWidget
from app.gui.widgets import display, plots
from app.service import Service

Sample = tuple[datetime, float, float]


class RunPlot(QWidget):
    def __init__(self, service: Service, background: Background,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("RunPlot")
        self.service = service
        self.background = background
        self.run_id: int | None = None
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
        """The canvas, its two plots and their curves, once."""
        self.canvas = plots.GraphicsLayoutWidget()
        self.canvas.setMinimumHeight(140)
        # as tall as the pane gives (both plots in sight), not as tall as pyqtgraph asks
        self.canvas.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
        self.canvas.ci.setContentsMargins(4, 2, 8, 2)
        self.canvas.ci.setSpacing(0)
        self.cpu_plot = plots.new_plot(self.canvas, 0, 0, "CPU %", date_axis=False,
                                       title_size="9pt")
        self.mem_plot = plots.new_plot(self.canvas, 1, 0, "Memory MB (resident)",
                                       date_axis=False, title_size="9pt")
        self.mem_plot.setXLink(self.cpu_plot)
        for plot in (self.cpu_plot, self.mem_plot):
            plot.enableAutoRange(x=True, y=False)
            # one run's whole life, always in view: the wheel scrolls the pane, never zooms
            plot.setMouseEnabled(x=False, y=False)
            plot.setMenuEnabled(False)
            plot.getAxis("bottom").setHeight(22)
        self.cpu_plot.getAxis("bottom").setStyle(showValues=False)
        self.cpu_curve = self.cpu_plot.plot()
        self.mem_curve = self.mem_plot.plot()
        self.column.insertWidget(0, self.canvas, 1)
        self._restyle()

    def show_run(self, run: Run | None) -> None:
        """Show a run's samples (the same run again only updates whether it is live)."""
        if run is not None and run.id == self.run_id:
            self.live = run.status not in FINISHED_STATUSES
            self._update_note()
            return
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
        self.background.run(lambda: read_run_samples(service, run_id),
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
        start = self.samples[0][0]
        x = np.fromiter(((s[0] - start).total_seconds() for s in self.samples), float)
        cpu = np.fromiter((s[1] for s in self.samples), float)
        mem = np.fromiter((s[2] for s in self.samples), float)
        self.cpu_curve.setData(x, cpu)
        self.mem_curve.setData(x, mem)
        # from zero, so a flat line reads as a level and not as noise; two or three ticks,
        # so the labels of these short plots never crowd
        for plot, top in ((self.cpu_plot, max(100.0, float(cpu.max()) * 1.05)),
                          (self.mem_plot, max(1.0, float(mem.max()) * 1.15))):
            plot.setYRange(0, top, padding=0)
            step = _nice(top / 2.5)
            plot.getAxis("left").setTickSpacing(step, step / 2)

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
            peak_cpu = max(s[1] for s in self.samples)
            peak_mem = max(s[2] for s in self.samples)
            span = (self.samples[-1][0] - self.samples[0][0]).total_seconds()
            text = (f"{'Live · ' if self.live else ''}{len(self.samples)} samples over "
                    f"{display.duration(span)} (x: seconds) · peak CPU {peak_cpu:.0f} % · "
                    f"peak memory {peak_mem:.1f} MB")
        self.note.setText(text)
        if self.canvas is not None:
            self.canvas.setVisible(bool(self.samples))

    def _restyle(self) -> None:
        if self.canvas is None:
            return
        palette = self.palette()
        dark = display.dark_mode()
        plots.style(self.canvas, [self.cpu_plot, self.mem_plot], palette)
        self.cpu_curve.setPen(plots.pen(display.status_colour("running", dark)))
        self.mem_curve.setPen(plots.pen(display.status_colour("queued", dark)))

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
