"""The one place the GUI imports pyqtgraph, and how its plots follow the app's palette.

pyqtgraph picks the Qt binding already imported, so `app.gui.qt` is imported first. Plots
draw on the palette's base colour with the palette's text colour for axes and titles, and
curves in the status colours (`display`), which are chosen to be readable on light and
dark bases alike; `style` is called again when the palette changes. A plot of things
counted (runs) has a `CountAxis`: whole-number ticks only; a run's own time, a
`SecondsAxis`.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import numpy as np
import pyqtgraph as pg

from app.gui import qt  # noqa: F401  (the binding pyqtgraph must use)
from app.gui.qt import QColor, QFontMetrics, QGraphicsItem, QPalette, QWidget

pg.setConfigOptions(antialias=False, useOpenGL=False, exitCleanup=False)

TITLE_MIN = 20  # px: a title row of one line (pyqtgraph's own is 30)

PlotItem = pg.PlotItem
PlotDataItem = pg.PlotDataItem
GraphicsLayoutWidget = pg.GraphicsLayoutWidget


class ClockAxis(pg.DateAxisItem):  # type: ignore[misc]  # pyqtgraph is untyped
    """A time axis whose clock labels ("05:38") are as many as fit whole, within the axis and
    apart. pyqtgraph steps minutes by 1, 5 or 15 and sizes them by "MMM 00", so a narrow plot
    of the last 5 minutes or hour had one label; sized by what they print, its labels came
    too close for its own fill limit and a narrow plot could have none. Spans of up to two
    days are stepped here, on the local clock; longer ones as pyqtgraph does."""

    STEPS = (60, 120, 300, 600, 900, 1200, 1800, 3600, 7200, 10800, 21600, 28800, 43200)  # s
    GAP = 8  # pixels between two labels

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(orientation="bottom", **kwargs)
        self.setStyle(textFillLimits=[(0, 0.95)])  # spaced here: no level is dropped
        self._clock = False

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list[Any]:
        span = maxVal - minVal
        self._clock = 0 < span <= 2 * 86400 and size > 0 and self.fontMetrics is not None
        if not self._clock:
            return super().tickValues(minVal, maxVal, size)  # type: ignore[no-any-return]
        label = self.fontMetrics.horizontalAdvance("00:00")
        per_px = span / size
        inside = (label / 2 + 2) * per_px  # a label centred on its tick stays on the axis
        offset = datetime.fromtimestamp(minVal).astimezone().utcoffset()
        shift = offset.total_seconds() if offset is not None else 0.0
        step = next((s for s in self.STEPS if s / per_px >= label + self.GAP), self.STEPS[-1])
        first = math.ceil((minVal + inside + shift) / step) * step - shift
        ticks = list(np.arange(first, maxVal - inside, step))
        if not ticks:  # too narrow for one on the grid: the middle, to the minute
            ticks = [round((minVal + maxVal) / 2 / 60) * 60]
        return [(step, ticks)]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        if not self._clock:
            return super().tickStrings(values, scale, spacing)  # type: ignore[no-any-return]
        return [datetime.fromtimestamp(v).strftime("%H:%M") for v in values]


class SecondsAxis(pg.AxisItem):  # type: ignore[misc]  # pyqtgraph is untyped
    """Time since something began, stepped as a person counts it (1, 2, 5, 10, 15, 30 s, 1, 2,
    5 min …) and labelled with its unit ("30 s", "2 min"), as many as fit apart. pyqtgraph's
    own steps of a 2 s run were bare numbers, and a minute came out as "200, 400"."""

    STEPS = (0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800,
             21600, 43200, 86400, 172800, 432000, 604800, 1209600, 2592000)  # seconds
    GAP = 14  # pixels between two labels

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(orientation="bottom", **kwargs)
        self.fellows: list[SecondsAxis] = []  # the axes of plots of the same span beside it

    @staticmethod
    def together(*axes: SecondsAxis) -> None:
        """Plots of one span side by side step alike: each as the narrowest (a run's CPU
        was labelled 2, 4, 6, 8 s and its memory, narrower, 5 s)."""
        for axis in axes:
            axis.fellows = [other for other in axes if other is not axis]

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, float]]:
        span = maxVal - minVal
        widths = [w for w in (fellow.geometry().width() for fellow in self.fellows) if w > 0]
        size = min([size, *widths])
        if span <= 0 or size <= 0:
            return [(1.0, 0.0)]
        metrics = QFontMetrics(self.style["tickFont"] or self.font())
        per_px = span / size
        step = self.STEPS[0]
        while True:  # the first whose labels (the last one the widest) fit apart
            last = seconds_label(maxVal // step * step, step)
            if step / per_px >= metrics.horizontalAdvance(last) + self.GAP:
                return [(float(step), 0.0)]
            step = next((s for s in self.STEPS if s > step), step * 2)  # (then months on)

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [seconds_label(v, spacing) for v in values]


def seconds_label(value: float, step: float) -> str:
    """A tick of a `SecondsAxis`: in seconds below steps of a minute, else minutes, hours
    or, from steps of a day, days."""
    if step < 60:
        return f"{value:g} s"
    if step < 3600:
        return f"{value / 60:g} min"
    if step < 86400:
        return f"{value / 3600:g} h"
    return f"{value / 86400:g} d"


class CountAxis(pg.AxisItem):  # type: ignore[misc]  # pyqtgraph is untyped
    """An axis of things counted: ticks at whole numbers only. pyqtgraph's own spacing
    labels a range of a few runs in steps of 0.5 or 0.2 (“1.5 runs”); here any level finer
    than 1 is dropped, and a step of 1 stands in when none is left."""

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, float]]:
        levels = [(spacing, offset) for spacing, offset in
                  super().tickSpacing(minVal, maxVal, size) if spacing >= 1]
        return levels or [(1.0, 0.0)]


def pen(colour: QColor, width: float = 1.6) -> Any:
    return pg.mkPen(colour, width=width)


def style(widget: Any, plots: list[Any], palette: QPalette) -> None:
    """Colour a plot widget and its plots from a palette."""
    base = palette.color(QPalette.ColorRole.Base)
    text = palette.color(QPalette.ColorRole.Text)
    muted = palette.color(QPalette.ColorRole.PlaceholderText)
    widget.setBackground(base)
    for plot in plots:
        for name in ("left", "bottom", "right"):
            axis = plot.getAxis(name)
            axis.setPen(pg.mkPen(muted))
            axis.setTextPen(pg.mkPen(text))
        plot.showGrid(x=True, y=True, alpha=0.18)
        title = getattr(plot, "tickwork_title", None)
        if title is not None:
            set_title(plot, title, palette)


def new_plot(layout: Any, row: int, col: int, title: str, date_axis: bool = True,
             title_size: str = "10pt", counts: bool = False, seconds: bool = False) -> Any:
    """A plot in a GraphicsLayout: no mouse zoom or menu (the view sets the range); its time
    axis the clock (`date_axis`) or `seconds` since a start; `counts`: its left axis counts
    things, in whole numbers."""
    axes: dict[str, Any] = {}
    if date_axis:
        axes["bottom"] = ClockAxis()
    elif seconds:
        axes["bottom"] = SecondsAxis()
    if counts:
        axes["left"] = CountAxis(orientation="left")
    plot = layout.addPlot(row=row, col=col, axisItems=axes or None)
    plot.tickwork_title = title
    plot.tickwork_size = title_size
    plot.setTitle(title)
    plot.setMouseEnabled(x=False, y=False)
    plot.setMenuEnabled(False)
    plot.hideButtons()
    plot.setDownsampling(auto=True, mode="peak")
    plot.setClipToView(True)
    plot.getAxis("left").setWidth(48)
    for name in ("left", "bottom"):
        # an axis paints its grid across the whole plot: re-rendering it on every new
        # sample cost ~30 ms a tick; cached, it re-renders only when its range moves
        plot.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    return plot


def set_title(plot: Any, title: str, palette: QPalette) -> None:
    plot.tickwork_title = title
    text = palette.color(QPalette.ColorRole.Text)
    plot.setTitle(title, color=text.name(), size=getattr(plot, "tickwork_size", "10pt"))
    room = getattr(plot, "tickwork_title_height", None)
    if room is not None:  # pyqtgraph's setTitle sets the row back to 30 px
        title_height(plot, room)


def wrap_title(plot: Any, width: int) -> float:
    """Wrap the plot's title at `width` pixels (a title sets its plot's minimum width: a long
    one pushed the plots beside it out of a narrow window); -1: not wrapped. Returns the
    height its lines take."""
    label = plot.titleLabel
    label.item.setTextWidth(-1)
    if label.item.boundingRect().width() > width > 0:
        label.item.setTextWidth(width)
    label.updateMin()
    label.resizeEvent(None)
    return float(label.item.boundingRect().height())


def title_height(plot: Any, height: float) -> None:
    """Give the plot's title a row `height` pixels tall. pyqtgraph keeps it at 30 px, one
    line: a title wrapped to two or three lines ran down over the plot's top ticks."""
    room = max(TITLE_MIN, math.ceil(height))
    plot.tickwork_title_height = room
    plot.titleLabel.setMaximumHeight(room)
    plot.layout.setRowFixedHeight(0, room)


__all__ = ["ClockAxis", "CountAxis", "GraphicsLayoutWidget", "PlotDataItem", "PlotItem",
           "QWidget", "SecondsAxis", "new_plot", "pen", "seconds_label", "set_title", "style",
           "title_height", "wrap_title"]
