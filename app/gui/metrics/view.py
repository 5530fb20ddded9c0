"""The Metrics view (Ctrl+5): live plots of the machine and the engine.

The whole machine's CPU % and memory % (said so: not Tickwork's own), disk use, runs in
flight (running and queued), runs started per minute and the start delay of the last minute's
runs, by count where they were few (“all 3 runs in the last minute started within 4 ms;
322 ms at worst in the last 5 min”, `metrics.words`; catch-ups of missed runs are left out of
the delay, and said), over the last 5 minutes, hour or day;
every axis names its unit, and the counts' and delays' axes start at a labelled 0. The day is
one point a minute, and says so: runs stay whole there (the runs started in the minute, the
most in flight at once), where a minute's mean read "0.3 running".

Samples arrive once a second from the
engine through the bridge and go into ring buffers (`metrics.data`) whether or not the view
is shown; a 1 s timer redraws only while it is shown and only if something changed. Each
curve is created once and given numpy views of the rings (`setData`, no copies), with
peak downsampling and clip-to-view, so a redraw costs about the same at any span. The day
span plots one-minute aggregates. The plots are built at the first opening, one a turn of
the event loop (`metrics.board`), and shown together once all six are.

A window that is only a viewer of another process's engine gets no live events: while
shown it reads the samples that engine stores, every few seconds.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import numpy as np

from app.engine.events import MetricsSampled
from app.gui.background import Background
from app.gui.metrics.board import AXIS_WIDTH, PLOTS, new_plot
from app.gui.metrics.data import (
    CATCH_UPS,
    CAUGHT,
    FINE_SECONDS,
    SERIES,
    MetricHistory,
    build_history,
    read_history,
    read_newer,
)
from app.gui.metrics.words import NBSP, plain, plot_title, plots_words
from app.gui.qt import (
    QButtonGroup,
    QCoreApplication,
    QEvent,
    QHBoxLayout,
    QLabel,
    QPalette,
    QResizeEvent,
    QShowEvent,
    QTimer,
    QVBoxLayout,
    QWidget,
)
from app.gui.session import Session
from app.gui.widgets import display, plots
from app.gui.widgets.choice import ChoiceButton
from app.service import Service

SPANS = (("5 min", 300), ("1 h", 3600), ("24 h", 86400))
COLUMNS = 3  # three plots across, two down: room for each on a short screen
NARROW_COLUMNS = 2  # where three cannot fit (800 px with the notifications panel open)
PLOT_MIN_WIDTH = 175  # a plot's axis, ticks and a few minutes of curve
WIDE_TITLE = 260  # px across a title for its longer words (in less, the start delay's took
# four lines)
POLL_S = 3.0
MINUTES = ("One point a minute: the runs started in it, the most in flight at once and the "
           "worst delay; CPU, memory and disk its mean.")


class MetricsView(QWidget):
    def __init__(self, service: Service, background: Background,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MetricsView")
        self.service = service
        self.background = background
        self.history = MetricHistory()
        self.span = SPANS[0][1]
        self.loaded = False
        self._loading = False
        self._polling = False
        self._early: list[tuple[datetime, dict[str, Any]]] = []
        self._dirty = True
        self.ticks = 0  # redraws done (tests and the benchmark read it)

        self.spans = QButtonGroup(self)
        bar = QHBoxLayout()
        show = QLabel("Show the last")  # said with each span: “Show the last 5 min”
        bar.addWidget(show)
        for i, (label, seconds) in enumerate(SPANS):
            button = ChoiceButton(label)
            button.setAccessibleName(f"{show.text()} {label}")
            button.setChecked(i == 0)
            button.setMinimumWidth(56)
            self.spans.addButton(button, seconds)
            bar.addWidget(button)
        show.setBuddy(self.spans.buttons()[0])
        bar.addStretch(1)
        self.status = QLabel()
        self.status.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.status.setWordWrap(True)  # a narrow window wraps it rather than growing
        bar.addWidget(self.status, 1)
        # the day's note on a row of its own: beside the buttons, at 800 px, it wrapped into
        # a column nine lines tall and squeezed the plots below to slivers
        self.note = QLabel(MINUTES)
        self.note.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.note.setWordWrap(True)
        self.note.hide()
        self.canvas = plots.GraphicsLayoutWidget()
        self.canvas.setObjectName("MetricsPlots")
        self.plots: list[Any] = []  # built when first shown (most windows never show them),
        self._built: list[Any] = []  # one a turn of the event loop (`_build_plots`)
        self.columns = COLUMNS  # plots across: fewer in a narrow window (`_fit`)
        self.curves: dict[str, Any] = {}
        self.heads: dict[str, Any] = {}
        self._current: dict[str, float] = {}  # newest value of each series in the span
        self._worst: dict[str, float] = {}  # and its highest
        self._narrow = False  # the titles are in their words for a narrow view
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.note)
        layout.addWidget(self.canvas, 1)

        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self._on_timer_timeout)
        self.timer.start()
        self.spans.idClicked.connect(self._on_spans_id_clicked)

    # -- data in ---------------------------------------------------------------------------

    def connect_bridge(self, session: Session) -> None:
        """Follow the engine's resource samples (kept whether or not the view is shown)."""
        session.bridge.metrics_sampled.connect(self.on_samples)

    def on_samples(self, samples: list[MetricsSampled]) -> None:
        """Engine samples (any kind; the system ones are plotted here)."""
        for s in samples:
            if s.kind != "system":
                continue
            if self._loading:
                self._early.append((s.at, s.values))
            self._dirty |= self.history.add(s.at, s.values)

    def load(self) -> None:
        """Read the stored history (first show) off the GUI thread."""
        if self._loading:
            return
        self._loading = True
        self._early = []
        service = self.service
        self.background.run(lambda: build_history(read_history(service), []),
                            self._on_history_read, self._on_read_failed, owner=self)

    def _on_history_read(self, history: MetricHistory) -> None:
        self._loading = False
        self.loaded = True
        for at, values in self._early:  # live samples that arrived during the read
            history.add(at, values)
        self.history = history
        self._early = []
        self._dirty = True
        self._refresh()

    def _on_read_failed(self, error: BaseException) -> None:
        self._loading = self._polling = False
        self.background.report("Cannot read the metric samples", error)

    def _poll_store(self) -> None:
        """No live samples lately (another process's engine): read what it stored."""
        if self._polling or self._loading or not self.loaded or self.background.away:
            return  # (a store gone away: the session tries it, not a read a second)
        self._polling = True
        last = self.history.latest_at
        after = datetime.fromtimestamp(last if last is not None else time.time() - 3600, UTC)
        service = self.service

        def done(rows: list[tuple[datetime, dict[str, Any]]]) -> None:
            self._polling = False
            for at, values in rows:
                self._dirty |= self.history.add(at, values)

        self.background.run(lambda: read_newer(service, after), done, self._on_read_failed,
                            owner=self)

    # -- drawing ---------------------------------------------------------------------------

    def _on_spans_id_clicked(self, seconds: int) -> None:
        self.span = seconds
        self._dirty = True
        self._refresh()

    def set_span(self, seconds: int) -> None:
        self.spans.button(seconds).setChecked(True)
        self._on_spans_id_clicked(seconds)

    def _on_timer_timeout(self) -> None:
        if not self.isVisible():
            return
        now = time.time()
        latest = self.history.latest_at
        if self.loaded and (latest is None or now - latest > POLL_S):
            self._poll_store()
        self._refresh(now)

    def _refresh(self, now: float | None = None) -> None:
        """Redraw once the plots are built (their last step redraws)."""
        if self.plots:
            self.redraw(now)

    def _build_plots(self) -> None:
        """Build the six plots, one a turn of the event loop, then show them together: all
        six at once kept the first opening from drawing anything for 130–300 ms."""
        if not self._built:
            self._build_plot()
            QTimer.singleShot(0, self, self._build_next)

    def _build_next(self) -> None:
        if self.plots:  # (finished at once meanwhile: `redraw`)
            return
        if len(self._built) < len(PLOTS):
            self._build_plot()
            QTimer.singleShot(0, self, self._build_next)
        else:  # a turn of its own: titles, ranges and the first paint of all six
            self._plots_built()
            self.redraw()

    def _build_plot(self) -> None:
        """The next plot and its curves, hidden until all are built (`_plots_built`)."""
        plot, curves, heads = new_plot(self.canvas, len(self._built), self.columns)
        self.curves.update(curves)
        self.heads.update(heads)
        if self._built:
            plot.setXLink(self._built[0])
        self._built.append(plot)

    def _plots_built(self) -> None:
        self.plots = self._built
        self._restyle()
        for plot in self.plots:
            plot.show()

    def redraw(self, now: float | None = None) -> None:
        """Move the time window to now; give the curves new data if any arrived (the plots
        not built yet are built first, at once)."""
        if not self.plots:
            while len(self._built) < len(PLOTS):
                self._build_plot()
            self._plots_built()
        now = now if now is not None else time.time()
        if self._dirty:
            self._dirty = False
            t, values = self.history.span(self.span, now)
            self._current, self._worst = {}, {}
            for series, curve in self.curves.items():
                y = values[SERIES.index(series)]
                finite = np.flatnonzero(~np.isnan(y))
                if not len(finite):
                    curve.setData([], [])
                    self.heads[series].setData([], [])
                else:
                    curve.setData(t, y, connect="finite")
                    last = finite[-1]
                    self.heads[series].setData([t[last]], [y[last]])
                    self._current[series] = float(y[last])
                    self._worst[series] = float(np.nanmax(y))
            if len(caught := np.flatnonzero(~np.isnan(values[CAUGHT]))):  # said, not drawn
                self._current[CATCH_UPS] = float(values[CAUGHT][caught[-1]])
            self._titles()
            self._y_ranges()
        self.plots[0].setXRange(now - self.span, now, padding=0)
        self.ticks += 1

    def _span_words(self) -> str:
        return next(words for words, seconds in SPANS if seconds == self.span)

    def _y_ranges(self) -> None:
        """Counts and delays from 0 to the most in view (at least 4), percentages 0–100: 0
        above the bottom edge and 100 below the top, so their labels show (`_edge_room`)."""
        for plot, (_title, _unit, yrange, curves) in zip(self.plots, PLOTS, strict=True):
            if yrange is None:
                top = max((self._worst.get(series, 0.0) for series, _l, _c in curves),
                          default=0.0)
                plot.setYRange(0, max(4.0, top), padding=max(0.03, self._edge_room(plot)))
            else:
                plot.setYRange(*yrange, padding=self._edge_room(plot))

    def _titles(self) -> None:
        latest = self._current  # the newest value of each series in the span shown
        palette = self.palette()
        dark = display.dark_mode()
        self._narrow = narrow_view = self._title_room() < WIDE_TITLE
        said = []  # the titles in plain words, for a screen reader
        span = self._span_words().replace(" ", NBSP)

        def shade(status: str) -> str:
            return str(display.status_colour(status, dark).name())

        for plot, (title, unit, _yrange, curves) in zip(self.plots, PLOTS, strict=True):
            text = plot_title(title, unit, curves, latest, self._worst, span,
                              self.span > FINE_SECONDS, narrow_view, shade)
            plots.set_title(plot, text, palette)
            said.append(plain(text))
        self._fit()
        at = self.history.latest_at
        if at is None:
            self.status.setText("No samples yet: the engine samples the system once a second "
                                "while it runs.")
        else:
            moment = datetime.fromtimestamp(at, UTC)
            self.status.setText(f"Last sample {display.when(moment)}")
        self.canvas.setAccessibleDescription(plots_words(self._span_words(), said,
                                                         self.status.text()))
        self.note.setVisible(self.span > FINE_SECONDS)

    def _restyle(self) -> None:
        palette = self.palette()
        dark = display.dark_mode()
        plots.style(self.canvas, self.plots, palette)
        for _title, _unit, _yrange, curves in PLOTS:
            for series, _legend, colour in curves:
                shade = display.status_colour(colour, dark)
                self.curves[series].setPen(plots.pen(shade))
                self.heads[series].setSymbolBrush(shade)
                self.heads[series].setSymbolPen(shade)
        self._titles()  # the lines named in the titles, in their new shades

    def _fit(self) -> None:
        """Two plots across where three do not fit, and titles wrapped to a plot's width: in
        a narrow window the third column was cut off, with no way to scroll to it."""
        width = self.canvas.viewport().width()
        columns = COLUMNS if width >= COLUMNS * PLOT_MIN_WIDTH else NARROW_COLUMNS
        built = self._built  # (the plots, while they are built too)
        if columns != self.columns and built:
            layout = self.canvas.ci
            for plot in built:
                layout.removeItem(plot)
            for i, plot in enumerate(built):
                layout.addItem(plot, row=i // columns, col=i % columns)
        for column in range(columns):  # alike wide: a column grew with its longest title
            self.canvas.ci.layout.setColumnPreferredWidth(column, width // columns)
        room = self._title_room(columns)
        heights = [plots.wrap_title(plot, room) for plot in built]
        for i, plot in enumerate(built):  # a row's titles alike tall: its plots line up
            row = i - i % columns
            plots.title_height(plot, max(heights[row:row + columns]))
        # A title's new width reaches the plots' layout by a posted event: taken now, or the
        # canvas would be laid out at the old, wider minimum and never again (under X a
        # window shrunk in one step kept its right-hand plots cut off).
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        self.canvas.resizeEvent(None)  # laid out again at the canvas's width: it fits now
        self.columns = columns

    def _edge_room(self, plot: Any) -> float:
        """The padding that leaves half a label's height below 0 and above the top: at
        800×500 the percentages read 20–80, their 0 and 100 dropped as past the edge."""
        half = self.fontMetrics().height() / 2 + 1
        return half / max(1.0, float(plot.getViewBox().height()) - 2 * half)

    def _title_room(self, columns: int | None = None) -> int:
        """Pixels across a plot's title: its column beside the left axis."""
        width: int = self.canvas.viewport().width()
        return width // (columns or self.columns) - 16 - AXIS_WIDTH

    # -- life ------------------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()
        if self.plots:  # the room for the axes' end labels, at the plots' new height
            self._y_ranges()
        if self.plots and (self._title_room() < WIDE_TITLE) != self._narrow:
            self._titles()  # in the words for the new width, not at the next sample

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self.loaded:
            self.load()
        self._dirty = True
        self._build_plots()
        self._refresh()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange and getattr(self, "plots", None):
            self._restyle()
        super().changeEvent(event)

