"""The Metrics view's first opening builds its six plots one a turn of the event loop, hidden
until the last is built, then shows them together: all six built at once kept the window
from drawing anything for 130–300 ms (2026-12-07). Counted, not timed: the plots built at
each turn; and what the view then shows and says is whole."""

from __future__ import annotations

import itertools
import time
from typing import Any

from app.gui.main_window import METRICS
from app.gui.metrics.view import PLOTS
from app.gui.qt import QApplication
from app.gui.widgets import plots
from tests.gui.conftest import Gui


def _made(view: Any) -> list[Any]:
    return [item for item in view.canvas.ci.items if isinstance(item, plots.PlotItem)]


def test_the_first_opening_builds_a_plot_a_turn_and_shows_them_together(gui: Gui) -> None:
    view = gui.window.metrics_view
    gui.window.resize(1280, 860)  # (the titles in their long words)
    gui.window.show_view(METRICS)
    made = [len(_made(view))]  # after each turn of the event loop
    shown: list[bool] = []
    deadline = time.monotonic() + 10
    while len(_made(view)) < len(PLOTS) and time.monotonic() < deadline:
        QApplication.processEvents()
        made.append(len(_made(view)))
        shown.extend(plot.isVisible() for plot in _made(view))
    assert made[0] <= 1 and made[-1] == len(PLOTS), made
    assert all(b - a <= 1 for a, b in itertools.pairwise(made)), made
    assert not any(shown)  # none drawn before the others are built

    gui.wait_until(lambda: view.loaded and len(view.plots) == len(PLOTS))
    gui.wait_until(lambda: all(plot.isVisible() for plot in view.plots))
    gui.settle()
    said = view.canvas.accessibleDescription()
    assert all(title in said for title, _unit, _range, _curves in PLOTS), said
    titles = [plot.tickwork_title for plot in view.plots]
    assert [t.split(" —")[0] for t in titles] == [title for title, *_rest in PLOTS]
    assert set(view.curves) == {series for *_rest, curves in PLOTS for series, *_ in curves}
