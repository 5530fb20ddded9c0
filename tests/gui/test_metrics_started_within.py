"""The Metrics view said “99 % of the last minute's runs started within 4 ms” when the last
minute had one run. It says it by count where the runs were few (the engine's 99th
percentile of fewer than 100 runs is the worst of them), as the percentile of so many from
100 on, and that there were none when there were none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from app.engine.events import MetricsSampled
from tests.gui.conftest import SCREENSHOTS, Gui
from tests.gui.test_metrics_title_wrap import wide_metrics, words


def _delay_title(gui: Gui, at: datetime, runs: int, late: float | None) -> str:
    view = gui.window.metrics_view
    view.on_samples([MetricsSampled(at, "system", {
        "cpu": 20.0, "memory": 5.0, "disk": 38.0, "running": 0, "queued": 0,
        "fires_per_min": runs, "lateness_p99_ms": late}, None)])
    view.redraw()
    gui.settle()
    return words(str(view.plots[5].titleLabel.text))


def test_the_start_delay_says_how_many_runs_it_is_of(gui: Gui, qtbot: Any) -> None:
    view = wide_metrics(gui, qtbot)
    now = datetime.now(UTC)
    assert _delay_title(gui, now, 1, 4) == (
        "Start delay — the one run in the last minute started within 4 ms")
    assert gui.window.grab().save(str(SCREENSHOTS / "metrics-started-within-one-run.png"))
    assert _delay_title(gui, now + timedelta(seconds=1), 2, 4) == (
        "Start delay — both runs in the last minute started within 4 ms")
    assert _delay_title(gui, now + timedelta(seconds=2), 3, 30) == (
        "Start delay — all 3 runs in the last minute started within 30 ms")
    assert _delay_title(gui, now + timedelta(seconds=3), 99, 5) == (
        "Start delay — all 99 runs in the last minute started within 5 ms; 30 ms at worst in "
        "the last 5 min")
    assert _delay_title(gui, now + timedelta(seconds=4), 1250, 6) == (
        "Start delay — 99 % of the 1,250 runs in the last minute started within 6 ms; 30 ms "
        "at worst in the last 5 min")
    # a minute with none: the delay in view is an older minute's, not the last one's
    assert _delay_title(gui, now + timedelta(seconds=5), 0, None) == (
        "Start delay — no runs in the last minute; 30 ms at worst in the last 5 min")
    assert "99 %" not in view.plots[5].tickwork_title.replace("\u00a0", " ")

    gui.window.resize(800, 500)  # in few words where narrow, still by count
    gui.wait_until(lambda: gui.window.width() == 800)
    assert _delay_title(gui, now + timedelta(seconds=6), 1, 4) == (
        "Start delay — 1 run, within 4 ms, 30 ms at worst")
    assert _delay_title(gui, now + timedelta(seconds=7), 3, 4) == (
        "Start delay — all 3 within 4 ms, 30 ms at worst")
    assert gui.window.grab().save(str(SCREENSHOTS / "metrics-started-within-narrow.png"))
