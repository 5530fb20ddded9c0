"""The Metrics view at 800×500 (README's small window), the notifications panel open or not:
every plot is whole on screen, none cut off at the right."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from app.engine.events import MetricsSampled
from app.gui.main_window import METRICS
from app.gui.qt import Qt
from tests.gui.conftest import SCREENSHOTS, Gui


def _plots_inside(gui: Gui) -> list[tuple[int, int]]:
    """Each plot's left and right edge in the canvas, where any is past its right side."""
    view = gui.window.metrics_view
    canvas = view.canvas
    edges = []
    for plot in view.plots:
        rect = canvas.mapFromScene(plot.sceneBoundingRect()).boundingRect()
        edges.append((rect.left(), rect.right()))
    return [e for e in edges if e[0] < 0 or e[1] > canvas.viewport().width()]


def test_every_metrics_plot_is_whole_at_800_by_500(gui: Gui, qtbot: Any) -> None:
    gui.window.resize(800, 500)
    gui.wait_until(lambda: (gui.window.width(), gui.window.height()) == (800, 500))
    gui.window.show_view(METRICS)
    view = gui.window.metrics_view
    gui.wait_until(lambda: view.loaded and view.plots)
    now = datetime.now(UTC)  # values in every title, the start delay's the longest
    for k in range(5):
        view.on_samples([MetricsSampled(now + timedelta(seconds=k), "system", {
            "cpu": 99.5, "memory": 15.1, "disk": 35.0, "running": 1, "queued": 0,
            "fires_per_min": 3, "lateness_p99_ms": 4 + 20 * (k == 2)}, None)])
    view.redraw()
    assert "at worst in view" in view.plots[5].titleLabel.text
    for panel in (False, True):
        if panel:
            qtbot.mouseClick(gui.window.status.bell, Qt.MouseButton.LeftButton)
            gui.wait_until(lambda: gui.window.dock.isVisible())
        gui.settle()
        qtbot.wait(50)
        assert _plots_inside(gui) == [], panel
        name = "metrics-800x500" + ("-notifications" if panel else "")
        assert gui.window.grab().save(str(SCREENSHOTS / f"{name}.png"))
