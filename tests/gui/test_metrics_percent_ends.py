"""At 800×500 (README's small window) the CPU, memory and disk plots' axes read 20–80 (at
one size 20-60): their 0 and 100 were dropped, as labels too close to the plot's edge, so a
line at the bottom could be 0 % or 10 %. Each percentage axis now labels its 0 and its 100
at every window size."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from app.engine.events import MetricsSampled
from app.gui.qt import Qt
from tests.gui.conftest import SCREENSHOTS, Gui, axis_labels


def test_every_percentage_axis_labels_0_and_100(gui: Gui, qtbot: Any) -> None:
    qtbot.keyClick(gui.window, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
    view = gui.window.metrics_view
    gui.wait_until(lambda: view.loaded and view.plots)
    now = datetime.now(UTC)
    for k in range(3):
        view.on_samples([MetricsSampled(now + timedelta(seconds=k), "system", {
            "cpu": 37.5, "memory": 4.5, "disk": 37.6, "running": 0, "queued": 0,
            "fires_per_min": 0, "lateness_p99_ms": 2}, None)])
    view.redraw()
    missing = []
    for size in ((800, 500), (800, 560), (1024, 640), (1280, 800), (1600, 1000)):
        gui.window.resize(*size)
        gui.wait_until(lambda s=size: (gui.window.width(), gui.window.height()) == s)
        gui.settle()
        qtbot.wait(20)
        if size == (800, 500):
            assert gui.window.grab().save(str(SCREENSHOTS / "metrics-percent-ends.png"))
        for plot in view.plots[:3]:
            labels = axis_labels(plot.getAxis("left"))
            if "0" not in labels or "100" not in labels:
                missing.append((size, plot.tickwork_title, labels))
    assert not missing, missing
