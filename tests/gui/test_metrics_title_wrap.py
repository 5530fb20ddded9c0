"""A Metrics title wrapped to its plot's width broke between a number and its unit: the
start delay over the last hour read “… started within 2” / “ms; 518 ms at worst …” and a
narrow “Runs started — 0” / “runs/min”. A number now keeps its unit on its line, at every
window width."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

from app.engine.events import MetricsSampled
from app.gui.qt import Qt
from tests.gui.conftest import SCREENSHOTS, Gui


def words(title: str) -> str:
    """A title as a person reads it: its no-break joins as plain spaces."""
    return title.replace("\u00a0", " ").replace("\u2060", "")


def wide_metrics(gui: Gui, qtbot: Any) -> Any:
    """The window at 1600×1000, Metrics shown (Ctrl+5) and loaded: its view."""
    gui.window.resize(1600, 1000)
    gui.wait_until(lambda: (gui.window.width(), gui.window.height()) == (1600, 1000))
    qtbot.keyClick(gui.window, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
    view = gui.window.metrics_view
    gui.wait_until(lambda: view.loaded and view.plots)
    return view


UNITS = ("ms", "%", "runs/min", "run/min", "running", "queued", "h", "min")


def _lines(plot: Any) -> list[str]:
    """The title's lines as wrapped on screen."""
    document = plot.titleLabel.item.document()
    lines = []
    block = document.begin()
    while block.isValid():
        layout = block.layout()
        for i in range(layout.lineCount()):
            line = layout.lineAt(i)
            lines.append(block.text()[line.textStart():line.textStart() + line.textLength()])
        block = block.next()
    return [line.strip() for line in lines]


def test_a_wrapped_title_keeps_each_number_with_its_unit(gui: Gui, qtbot: Any) -> None:
    qtbot.keyClick(gui.window, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
    view = gui.window.metrics_view
    gui.wait_until(lambda: view.loaded and view.plots)
    qtbot.mouseClick(view.spans.button(3600), Qt.MouseButton.LeftButton)
    now = datetime.now(UTC)
    for k, late in enumerate((518, 2, 2)):
        view.on_samples([MetricsSampled(now + timedelta(seconds=k), "system", {
            "cpu": 37.5, "memory": 4.5, "disk": 37.6, "running": 0, "queued": 0,
            "fires_per_min": 0, "lateness_p99_ms": late}, None)])
    view.redraw()
    broken = []
    for width in range(800, 1601, 40):
        gui.window.resize(width, 1000 if width > 1000 else 560)
        gui.wait_until(lambda w=width: gui.window.width() == w)
        gui.settle()
        for plot in view.plots:
            lines = _lines(plot)
            for before, after in pairwise(lines):
                if re.search(r"\d$", before) or after.split(" ")[0].rstrip(";,") in UNITS:
                    broken.append((width, before, after))
        if width == 1600:
            assert gui.window.grab().save(str(SCREENSHOTS / "metrics-title-wrap.png"))
    assert not broken, broken[:5]
