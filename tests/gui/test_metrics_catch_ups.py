"""Opened in the morning, the Metrics view said "all 3 runs in the last minute started within
287246 ms": the night's missed fires, caught up when the engine came up. The start delay is
of the runs the engine was due to start; it says how many catch-ups it leaves out, and "Runs
started" still counts them. Samples stored before catch-ups were counted read as none."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from app.engine.events import MetricsSampled
from app.gui.qt import Qt, QToolButton
from tests.gui.conftest import SCREENSHOTS, Gui
from tests.gui.test_metrics_title_wrap import wide_metrics, words


def _sample(runs: int, late: float | None, catch_ups: int | None) -> dict[str, Any]:
    values: dict[str, Any] = {"cpu": 20.0, "memory": 5.0, "disk": 38.0, "running": 0,
                              "queued": 0, "fires_per_min": runs, "lateness_p99_ms": late}
    if catch_ups is not None:  # (None: a sample from before they were counted)
        values["catch_ups_per_min"] = catch_ups
    return values


def _titles(gui: Gui, at: datetime, runs: int, late: float | None,
            catch_ups: int | None) -> tuple[str, str]:
    """(Runs started, Start delay) once a sample came."""
    view = gui.window.metrics_view
    view.on_samples([MetricsSampled(at, "system", _sample(runs, late, catch_ups), None)])
    view.redraw()
    gui.settle()
    return words(str(view.plots[4].titleLabel.text)), words(str(view.plots[5].titleLabel.text))


def test_the_start_delay_leaves_catch_ups_out_and_says_how_many(gui: Gui, qtbot: Any) -> None:
    wide_metrics(gui, qtbot)
    now = datetime.now(UTC)
    started, delay = _titles(gui, now, 15, 4, 12)
    assert started == "Runs started — 15 runs/min"  # every start, the catch-ups too
    assert delay == ("Start delay — all 3 runs in the last minute started within 4 ms "
                     "(12 catch-ups of missed runs not counted)")
    assert gui.window.grab().save(str(SCREENSHOTS / "metrics-catch-ups.png"))
    _started, delay = _titles(gui, now + timedelta(seconds=1), 1, None, 1)
    assert delay == ("Start delay — only 1 catch-up of a missed run in the last minute, not "
                     "counted; 4 ms at worst in the last 5 min")
    _started, delay = _titles(gui, now + timedelta(seconds=2), 2, 30, None)  # none counted
    assert delay == "Start delay — both runs in the last minute started within 30 ms"

    gui.window.resize(800, 500)  # in few words where narrow
    gui.wait_until(lambda: gui.window.width() == 800)
    _started, delay = _titles(gui, now + timedelta(seconds=3), 5, 4, 2)
    assert delay == "Start delay — all 3 within 4 ms (2 catch-ups aside), 30 ms at worst"
    _started, delay = _titles(gui, now + timedelta(seconds=4), 2, None, 2)
    assert delay == "Start delay — only 2 catch-ups, 30 ms at worst"


def test_stored_samples_old_and_new_show_their_catch_ups(gui: Gui) -> None:
    """Samples read from the store: those from before catch-ups were counted read as none
    (no "nan" in the words), a newer one's are said, in the hour and the day."""
    from app.store import ledger

    now = datetime.now(UTC)
    with gui.store.write():
        for s in range(2 * 3600, 1, -1):  # two hours of samples without the count
            ledger.add_metric(now - timedelta(seconds=s), "system",
                              json.dumps(_sample(3, 4, None)), None)
        ledger.add_metric(now - timedelta(seconds=1), "system",
                          json.dumps(_sample(9, 5, 6)), None)
    gui.window.resize(1600, 1000)
    gui.wait_until(lambda: (gui.window.width(), gui.window.height()) == (1600, 1000))
    gui.qtbot.keyClick(gui.window, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
    view = gui.window.metrics_view
    gui.wait_until(lambda: view.loaded and view.plots)
    delay = view.plots[5]
    assert words(str(delay.titleLabel.text)) == (
        "Start delay — all 3 runs in the last minute started within 5 ms (6 catch-ups of "
        "missed runs not counted)")
    day = next(b for b in view.findChildren(QToolButton) if b.text() == "24 h")
    gui.qtbot.mouseClick(day, Qt.MouseButton.LeftButton)
    said = words(str(delay.titleLabel.text))
    assert "nan" not in said and "catch-up" not in said, said  # (the last whole minute's)
    assert said.startswith("Start delay — all 3 runs in the last minute started within 4 ms")


def test_the_day_read_from_the_store_keeps_catch_ups_and_older_minutes_have_none(
        service: Any, store: Any) -> None:
    """Minutes read from the store: an older engine's samples have no count of catch-ups and
    read as none (NaN there was read as "no value", and the view said an earlier minute's)."""
    import numpy as np

    from app.gui.metrics.data import CATCH_UPS, SERIES, build_history, read_history
    from app.store import ledger

    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    with store.write():
        for s in range(3 * 3600, 2 * 3600, -1):  # the newer engine's minutes, then the older's
            ledger.add_metric(now - timedelta(seconds=s), "system", json.dumps(
                _sample(8, 4, 5 if s > 2 * 3600 + 1800 else None)), None)
    _t, v = build_history(read_history(service, now), []).coarse.window()
    caught = v[SERIES.index(CATCH_UPS)]
    assert not np.isnan(caught).any() and len(caught) == 60, caught
    assert list(caught) == [5.0] * 30 + [0.0] * 30
