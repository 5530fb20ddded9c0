"""The Metrics view's “Runs started” title with one run in the last minute said “1 runs/min”;
it says “1 run/min” (and “0 runs/min”, “3 runs/min” as before)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from app.engine.events import MetricsSampled
from tests.gui.conftest import SCREENSHOTS, Gui
from tests.gui.test_metrics_title_wrap import wide_metrics, words


def _started_title(gui: Gui, per_min: int, at: datetime) -> str:
    view = gui.window.metrics_view
    view.on_samples([MetricsSampled(at, "system", {
        "cpu": 50.0, "memory": 5.0, "disk": 38.0, "running": 1, "queued": 0,
        "fires_per_min": per_min, "lateness_p99_ms": 103}, None)])
    view.redraw()
    gui.settle()
    return words(str(view.plots[4].titleLabel.text))


def test_one_run_a_minute_reads_run_not_runs(gui: Gui, qtbot: Any) -> None:
    wide_metrics(gui, qtbot)
    now = datetime.now(UTC)
    assert _started_title(gui, 1, now) == "Runs started — 1 run/min"
    assert gui.window.grab().save(str(SCREENSHOTS / "metrics-one-run.png"))
    assert _started_title(gui, 3, now + timedelta(seconds=1)) == "Runs started — 3 runs/min"
    assert _started_title(gui, 0, now + timedelta(seconds=2)) == "Runs started — 0 runs/min"
