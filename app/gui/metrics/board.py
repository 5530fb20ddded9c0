"""The Metrics view's six plots: what each shows (its title, unit, y range and curves) and
how one is made on the view's canvas, in its cell, hidden until the view has built them all
(one a turn of the event loop: app/gui/metrics/view.py)."""

from __future__ import annotations

from typing import Any

from app.gui.metrics.words import COUNTED
from app.gui.widgets import plots

# title, unit, y range, curves: (series, legend, status colour); the left axis says the unit
PLOTS: tuple[tuple[str, str, tuple[float, float] | None, tuple[tuple[str, str, str], ...]],
             ...] = (
    ("CPU (whole machine)", "%", (0, 100), (("cpu", "CPU", "running"),)),
    ("Memory (whole machine)", "%", (0, 100), (("memory", "memory", "queued"),)),
    ("Disk use", "%", (0, 100), (("disk", "disk", "interrupted"),)),
    ("Runs in flight", "runs", None, (("running", "running", "running"),
                                      ("queued", "queued", "queued"))),
    ("Runs started", "runs/min", None, (("fires_per_min", "started per minute", "succeeded"),)),
    ("Start delay", "ms", None, (("lateness_p99_ms", "99 % started within", "failed"),)),
)
AXES = ("%", "% used", "% full", "runs", "runs/min", "ms late")
AXIS_WIDTH = 60  # px: the left axis, its unit beside its ticks


def new_plot(canvas: Any, i: int, columns: int) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """Plot `i` of PLOTS, hidden, in its cell of a grid `columns` across; with its curves and
    their newest values' dots, by series."""
    title, unit, yrange, series_drawn = PLOTS[i]
    plot = plots.new_plot(canvas, i // columns, i % columns, title, counts=unit in COUNTED)
    plot.hide()  # (not drawn while the others are built, moving as each arrives)
    plot.setLabel("left", AXES[i])
    plot.getAxis("left").setWidth(AXIS_WIDTH)  # room for the unit beside the ticks
    if yrange is not None:
        plot.setYRange(*yrange, padding=0.02)
    # counts and delays: from 0 (its label shown), whole steps for few runs (the view sets
    # their range from what is in view)
    plot.enableAutoRange(y=False)
    curves, heads = {}, {}
    for series, _legend, _colour in series_drawn:
        curves[series] = plot.plot()
        # the newest value as a dot: a lone sample is visible, the eye finds "now"
        heads[series] = plot.plot(pen=None, symbol="o", symbolSize=6)
    return plot, curves, heads
