"""What the Metrics view's titles and axes say (a person's review: "Start delay — 99 % of
runs started within 5 ms now" beside runs in view that started 13–322 ms late, a CPU chart
that read as Tickwork's own, and no "0" on the lower charts' axes)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from app.engine.events import MetricsSampled
from tests.gui.conftest import SCREENSHOTS, Gui, axis_labels
from tests.gui.test_metrics_title_wrap import wide_metrics, words


def test_titles_say_over_what_and_the_lower_axes_start_at_0(gui: Gui, qtbot: Any) -> None:
    view = wide_metrics(gui, qtbot)
    now = datetime.now(UTC)
    for k, late in enumerate((13, 322, 322, 5, 5)):
        view.on_samples([MetricsSampled(now + timedelta(seconds=k), "system", {
            "cpu": 8.5, "memory": 3.8, "disk": 31.4, "running": k % 2, "queued": 0,
            "fires_per_min": 2, "lateness_p99_ms": late}, None)])
    view.redraw()
    gui.settle()
    qtbot.wait(50)
    assert gui.window.grab().save(str(SCREENSHOTS / "metrics-words.png"))
    titles = [words(plot.titleLabel.text) for plot in view.plots]
    assert titles[0].startswith("CPU (whole machine) — 8.5 %"), titles[0]
    assert titles[1].startswith("Memory (whole machine) — 3.8 %"), titles[1]
    assert titles[5] == ("Start delay — both runs in the last minute started within 5 ms; "
                         "322 ms at worst in the last 5 min"), titles[5]
    for plot in view.plots[3:]:
        assert "0" in axis_labels(plot.getAxis("left")), (plot.tickwork_title,
                                                          axis_labels(plot.getAxis("left")))
