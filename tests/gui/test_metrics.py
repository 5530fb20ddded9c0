"""Live metrics: ring buffers, stored history, the Metrics view fed by a real engine while a
task runs, the selected run's CPU/memory plot in the Runs view, and axes that count runs in
whole runs."""

from __future__ import annotations

import json
import math
import random
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from app.gui.metrics.data import (
    SERIES,
    MetricHistory,
    Ring,
    build_history,
    read_history,
    read_newer,
)
from app.gui.qt import QApplication, QPoint, QPointF, Qt, QWheelEvent
from tests.gui.conftest import SCREENSHOTS, Gui, axis_labels, close_gui, command_task


def test_ring_keeps_the_newest_rows_contiguous() -> None:
    ring = Ring(5, width=1)
    for i in range(12):
        ring.append(float(i), [i * 10.0])
    t, v = ring.window()
    assert list(t) == [7.0, 8.0, 9.0, 10.0, 11.0]
    assert list(v[0]) == [70.0, 80.0, 90.0, 100.0, 110.0]
    assert t.base is ring.t  # a view, not a copy
    t, _ = ring.window(since=9.5)
    assert list(t) == [10.0, 11.0]


def test_history_aggregates_minutes_and_keeps_the_worst_lateness() -> None:
    history = MetricHistory()
    start = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    for s in range(180):
        values = {"cpu": 10.0 if s < 60 else 30.0, "lateness_p99_ms": 500.0 if s == 70 else 2.0,
                  "memory": None}
        assert history.add(start + timedelta(seconds=s), values)
    assert not history.add(start, {"cpu": 1.0})  # older than the last one: ignored
    t, v = history.coarse.window()
    assert len(t) == 2  # two whole minutes flushed, the third still filling
    cpu = v[SERIES.index("cpu")]
    assert list(cpu) == [10.0, 30.0]
    assert list(v[SERIES.index("lateness_p99_ms")]) == [2.0, 500.0]
    assert all(math.isnan(x) for x in v[SERIES.index("memory")])
    now = (start + timedelta(seconds=179)).timestamp()
    assert len(history.span(300, now)[0]) == 180
    assert len(history.span(86400, now)[0]) == 2


def test_a_minute_counts_whole_runs_started_and_in_flight() -> None:
    """The day's points count runs: the runs started in each minute (from the engine's count
    of starts, all of it after a restart) and the most in flight at once, not a minute's
    mean ("0.3 running"); the fine ring (5 min, 1 h) keeps each second as sampled."""
    history = MetricHistory()
    start = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    totals = [0] * 20 + [1] * 20 + [3] * 20  # 3 started in the first minute
    totals += [3] * 30 + [4] * 30  # 1 in the second
    totals += [1] * 60  # the engine began anew: 1 since
    totals += [1] * 5  # the fourth minute, still filling
    for s, total in enumerate(totals):
        history.add(start + timedelta(seconds=s), {
            "running": 1 if s % 10 == 0 else 0, "queued": 0, "started_total": total,
            "fires_per_min": min(total, 3), "cpu": 10.0})
    _t, v = history.coarse.window()
    assert list(v[SERIES.index("fires_per_min")]) == [3.0, 1.0, 1.0]  # no count before: peak
    assert list(v[SERIES.index("running")]) == [1.0, 1.0, 1.0]  # its mean was 0.1
    assert list(v[SERIES.index("cpu")]) == [10.0, 10.0, 10.0]  # a percentage keeps its mean
    _t, fine = history.fine.window()
    assert list(fine[SERIES.index("running")][:11]) == [1.0] + [0.0] * 9 + [1.0]


def test_the_day_read_from_the_store_counts_the_runs_of_each_minute(service: Any,
                                                                     store: Any) -> None:
    """Minutes read from the store and minutes gathered live follow one rule, and hand over
    to each other: the first live minute counts from the last stored one."""
    from app.store import ledger

    now = datetime(2026, 1, 1, 12, 0, 30, tzinfo=UTC)
    with store.write():
        for s in range(4000, 3600, -1):  # the minutes before the last hour: one start each
            at = now - timedelta(seconds=s)
            ledger.add_metric(at, "system", json.dumps({
                "running": 0 if s % 2 else 2, "started_total": int(at.timestamp() // 60) % 100,
                "fires_per_min": 5}), None)
    stored = read_history(service, now)
    # 10:53 … 10:59 as minutes; 11:00 whole as samples (the seam falls on a minute's start)
    assert len(stored.minutes) == 7 and len(stored.samples) == 30
    history = build_history(stored, [])
    last = stored.samples[-1][1]["started_total"]
    for k, total in enumerate((last + 2, last + 8, last + 9)):  # live, a minute apart
        history.add(now + timedelta(seconds=60 * k), {"started_total": total, "running": 1})
    _t, v = history.coarse.window()
    started = list(v[SERIES.index("fires_per_min")])
    # the first stored minute has no count before it: the peak of its rolling count; the
    # hour between the stored minutes and the live ones had no samples: a break (NaN)
    assert started[:8] == [5.0] + [1.0] * 7 and math.isnan(started[8]), started
    assert started[9:] == [2.0, 6.0]
    running = v[SERIES.index("running")]
    assert set(running[~np.isnan(running)]) == {2.0, 1.0}  # the most in flight, not 1.0 mean


def test_the_day_read_at_a_minute_start_keeps_the_seam_minute_whole(service: Any,
                                                                     store: Any) -> None:
    """Read at :00, the minute where the stored minutes end and the last hour's samples
    begin was kept as its first sample alone: a lone "0 running" and a minute of 1 start
    in a day of runs. Each minute, from the store or its samples, is whole."""
    from app.store import ledger

    sampled = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    now = sampled + timedelta(seconds=0.5)  # the view opens just after 12:00:00's sample
    with store.write():
        for s in range(2 * 3600, 0, -1):  # a run in flight but at each :00; 60 starts a minute
            at = sampled - timedelta(seconds=s)
            ledger.add_metric(at, "system", json.dumps({
                "running": 0 if at.second == 0 else 2, "started_total": 7200 - s}), None)
    history = build_history(read_history(service, now), [])
    history.add(now + timedelta(seconds=1), {"running": 2, "started_total": 7200})
    _t, v = history.coarse.window()
    running, started = v[SERIES.index("running")], v[SERIES.index("fires_per_min")]
    assert len(running) == 120 and set(running) == {2.0}, running
    assert set(started[1:]) == {60.0}, started


def _store_samples(store: Any, now: datetime, seconds: int) -> None:
    from app.store import ledger

    rnd = random.Random(5)
    with store.write():
        for i in range(seconds, 0, -1):
            busy = (i // 600) % 2 == 0
            values = {"cpu": 18 + 12 * math.sin(i / 400) + rnd.random() * 8 + 25 * busy,
                      "memory": 46 + 4 * math.sin(i / 1500), "disk": 61.3,
                      "running": rnd.choice((1, 2, 3, 4)) if busy else rnd.choice((0, 0, 1)),
                      "queued": rnd.choice((0, 0, 0, 1, 2)) if busy else 0,
                      "fires_per_min": 40 + rnd.randint(0, 8) if busy else 6,
                      "lateness_p99_ms": 4 + rnd.random() * 3 + (60 if i % 997 == 0 else 0)}
            ledger.add_metric(now - timedelta(seconds=i), "system", json.dumps(values), None)


def test_history_and_newer_samples_come_from_the_store(service: Any, store: Any) -> None:
    now = datetime.now(UTC)
    _store_samples(store, now, 2 * 3600)
    stored = read_history(service, now)
    assert 3600 <= len(stored.samples) <= 3660  # the last hour from its first minute's start
    assert 59 <= len(stored.minutes) <= 61
    newer = read_newer(service, now - timedelta(seconds=10))
    assert len(newer) == 9


@pytest.fixture
def metrics_gui(home: Path, qtbot: Any) -> Iterator[Gui]:
    """The window over a real engine that samples the system and running commands."""
    from app.engine.engine import Engine
    from app.gui.main_window import MainWindow
    from app.gui.session import Session
    from app.service import Service
    from app.store.database import Store

    store = Store.open(home, actor="gui")
    service = Service(store, "gui")
    engine = Engine(store, metrics=True, workers=2)
    session = Session(store, service, engine)
    window = MainWindow(session)
    qtbot.addWidget(window)
    window.show()
    session.start()
    gui = Gui(store, service, engine, session, window, qtbot)
    gui.wait_until(lambda: session.mode == "running", 30)
    yield gui
    close_gui(gui)


def test_metrics_view_and_run_plot_follow_a_running_task(metrics_gui: Gui) -> None:
    gui = metrics_gui
    window = gui.window
    window.resize(1280, 760)
    # about half a core and a growing heap until the test has seen it live (it ended after
    # 3.2 s: on a loaded machine its second sample came after its end): curves to see (the
    # CPU one in the screenshot), and room left for the rest of the suite (flat out, it took
    # a core and a ~600 MB heap)
    stop = gui.store.home / "crunch-enough"
    busy = (f"import os, time\nt = time.time()\nx = []\nwhile not os.path.exists({str(stop)!r})"
            " and time.time() - t < 60:\n"
            "    if len(x) < 60:\n        x.append(bytearray(100_000))\n"
            "    end = time.time() + 0.011\n"
            "    while time.time() < end:\n        pass\n    time.sleep(0.009)\n")
    gui.service.create_task(command_task("Crunch", [sys.executable, "-c", busy]))
    window.show_view(4)
    view = window.metrics_view
    gui.wait_until(lambda: view.loaded)
    run = gui.service.run_now("Crunch")
    window.show_view(3)
    gui.wait_until(lambda: window.runs_view.select_run(run.id))
    plot = window.runs_view.detail.resources
    gui.wait_until(lambda: plot.run_id == run.id and len(plot.samples) >= 2, timeout=8)
    assert plot.live and "Live" in plot.note.text()
    assert 0.0 <= plot.x_values()[0] < 2.0  # the run's time: from its start, not the sample's
    SCREENSHOTS.mkdir(exist_ok=True)
    for scheme in ("light", "dark"):
        window.set_scheme(scheme)
        gui.qtbot.wait(20)
        assert window.grab().save(str(SCREENSHOTS / f"runs-resources-{scheme}.png"))
    window.set_scheme("system")
    window.resize(1600, 1000)
    gui.settle()
    area = window.runs_view.detail.fields_area  # both plots in sight, no scrolling to them
    assert plot.canvas.height() <= area.viewport().height(), (plot.canvas.height(),
                                                             area.viewport().height())
    before = plot.cpu_plot.viewRange()
    gui.qtbot.wait(1)
    wheel = QWheelEvent(QPointF(plot.canvas.rect().center()), QPointF(), QPoint(0, 0),
                        QPoint(0, 240), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(plot.canvas.viewport(), wheel)
    assert plot.cpu_plot.viewRange()[1] == before[1]  # the wheel did not zoom the plot
    stop.touch()
    gui.wait_until(lambda: gui.service.get_run(run.id).status == "succeeded", timeout=10)
    gui.wait_until(lambda: not plot.live)
    # "… of a 4.2 s run", once the row read again has its end (its status comes first)
    gui.wait_until(lambda: " samples of a " in plot.note.text())

    window.show_view(4)
    gui.wait_until(lambda: view.history.fine.count >= 3)
    view.redraw()
    t, cpu = view.curves["cpu"].getData()
    assert t is not None and len(t) >= 3 and np.nanmax(cpu) >= 0
    _, running = view.curves["running"].getData()
    assert running is not None and np.nanmax(running) >= 1  # the run was in flight
    assert "CPU (whole machine) —" in view.plots[0].titleLabel.text
    view.set_span(3600)
    view.set_span(86400)
    view.set_span(300)


def test_redraws_follow_live_samples_over_an_hour_of_history(gui: Gui) -> None:
    """Also the screenshots: an hour of stored samples, then live ones. What a redraw costs
    is measured in `make bench` (benchmarks/views.py), never asserted here."""
    from app.engine.events import MetricsSampled

    now = datetime.now(UTC)
    _store_samples(gui.store, now, 3600)
    view = gui.window.metrics_view
    gui.window.show_view(4)
    gui.wait_until(lambda: view.loaded and view.history.fine.count >= 3590)
    for span in (300, 3600, 86400):
        view.set_span(span)
        for k in range(10):
            view.on_samples([MetricsSampled(now + timedelta(seconds=k + 1), "system",
                                            {"cpu": 5.0, "running": 1}, None)])
            view.redraw()
            view.canvas.viewport().repaint()
        t, cpu = view.curves["cpu"].getData()
        assert t is not None and len(t) > 0 and np.nanmax(cpu) >= 5.0
        now += timedelta(seconds=10)
    view.set_span(3600)
    SCREENSHOTS.mkdir(exist_ok=True)
    gui.window.resize(1280, 760)
    for scheme in ("light", "dark"):
        gui.window.set_scheme(scheme)
        view.redraw()
        gui.qtbot.wait(20)
        assert gui.window.grab().save(str(SCREENSHOTS / f"metrics-hour-{scheme}.png"))
    gui.window.set_scheme("system")


def test_count_axes_tick_whole_runs_while_other_axes_keep_fractions(gui: Gui) -> None:
    """One run in flight and 3 started a minute read "0.5 … 3.5 runs" on a tall plot (half
    runs); the start delay, a time, still ticks at 0.5 ms on the same range."""
    from app.engine.events import MetricsSampled

    view = gui.window.metrics_view
    gui.window.show_view(4)
    gui.wait_until(lambda: view.loaded and view.plots)
    now = datetime.now(UTC)
    for k in range(5):
        view.on_samples([MetricsSampled(now + timedelta(seconds=k), "system", {
            "cpu": 9.5, "memory": 15.1, "disk": 35.0, "running": 1, "queued": 0,
            "fires_per_min": 3, "lateness_p99_ms": 0.4}, None)])
    titles = [p.tickwork_title.split(" —")[0] for p in view.plots]
    in_flight, started, delay = (view.plots[titles.index(t)] for t in
                                 ("Runs in flight", "Runs started", "Start delay"))
    for size in ((800, 500), (1280, 760), (1600, 1000)):
        gui.window.resize(*size)
        gui.settle()
        view.redraw()
        for plot in (in_flight, started):
            labels = axis_labels(plot.getAxis("left"))
            assert labels and all(text.isdigit() for text in labels), (size, labels)
        if size == (1600, 1000):  # room for half steps: a time axis shows them
            assert "0.5" in axis_labels(delay.getAxis("left"))
            assert gui.window.grab().save(str(SCREENSHOTS / "metrics-count-axes.png"))


def test_the_day_plots_whole_runs_and_says_its_points_are_minutes(gui: Gui) -> None:
    """24 h: one in flight every other second read "0.5 running" as a minute's mean; the day
    plots the most at once (1) and the runs started in each minute, and says what a point is.
    The hour still plots each second as sampled."""
    from app.gui.qt import QToolButton
    from app.store import ledger

    now = datetime.now(UTC)
    with gui.store.write():
        for s in range(2 * 3600, 0, -1):
            at = now - timedelta(seconds=s)
            ledger.add_metric(at, "system", json.dumps({
                "cpu": 10.0, "running": s % 2, "queued": 0, "fires_per_min": 2,
                "started_total": int(at.timestamp() // 60) * 2}), None)  # 2 a minute
    gui.qtbot.keyClick(gui.window, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
    view = gui.window.metrics_view
    gui.wait_until(lambda: view.loaded and view.plots)  # (built one a turn)
    day = next(b for b in view.findChildren(QToolButton) if b.text() == "24 h")
    gui.qtbot.mouseClick(day, Qt.MouseButton.LeftButton)
    _x, running = view.curves["running"].getData()
    _x, started = view.curves["fires_per_min"].getData()
    running, started = running[1:], started[1:]  # the first minute shown has 1 sample
    assert len(running) > 100 and set(running[~np.isnan(running)]) == {1.0}
    assert set(started[~np.isnan(started)]) == {2.0}
    assert "One point a minute" in view.note.text() and view.note.isVisible()
    in_flight = next(p for p in view.plots if p.tickwork_title.startswith("Runs in flight"))
    assert in_flight.tickwork_title.startswith("Runs in flight, the most at once each minute")
    gui.window.grab().save(str(SCREENSHOTS / "metrics-day-whole-runs.png"))
    hour = next(b for b in view.findChildren(QToolButton) if b.text() == "1 h")
    gui.qtbot.mouseClick(hour, Qt.MouseButton.LeftButton)
    _x, running = view.curves["running"].getData()
    assert set(running[~np.isnan(running)]) == {0.0, 1.0}  # each second, as before
    assert not view.note.isVisible()


def _joined_across(curve: Any, longest: float) -> list[tuple[float, float]]:
    """The stretches of a curve's line longer than `longest` seconds: two sampled points drawn
    joined (both finite, side by side in its data) across a time with no samples."""
    x, y = curve.getData()
    return [(float(x[i]), float(x[i + 1])) for i in range(len(x) - 1)
            if np.isfinite(y[i]) and np.isfinite(y[i + 1]) and x[i + 1] - x[i] > longest]


def _curve_pixels(view: Any, plot: Any, colour: Any, start: float, end: float) -> int:
    """Pixels in a plot's line colour between two times, its whole height (what a person sees
    of the line there)."""
    from app.gui.qt import QPointF

    box = plot.vb
    image = view.canvas.grab().toImage()
    top = view.canvas.mapFromScene(box.sceneBoundingRect().topLeft()).y()
    bottom = view.canvas.mapFromScene(box.sceneBoundingRect().bottomLeft()).y()
    left, right = (view.canvas.mapFromScene(box.mapViewToScene(QPointF(t, 0))).x()
                   for t in (start, end))
    return sum(image.pixelColor(x, y) == colour for x in range(left + 2, right - 1)
               for y in range(top, bottom))


def test_a_time_without_samples_is_a_break_in_the_line_not_a_ramp(gui: Gui) -> None:
    """The app closed for half an hour, then a run going: "Runs in flight" drew a ramp from
    0 to 1 across the half hour nothing was sampled (and the day's plot one across hours).
    Now the line breaks where no samples came for longer than a few sampling intervals (an
    idle engine samples every 30 s: its samples stay joined), in the hour and in the day."""
    from app.gui.widgets import display
    from app.store import ledger

    now = datetime.now(UTC).replace(microsecond=0)
    stretches = (  # (seconds ago from, to, step, runs in flight): the app open, idle, busy
        (5 * 3600, 4 * 3600, 30, 0), (3600, 2700, 1, 0), (600, 0, 1, 1))
    with gui.store.write():
        for first, last, step, running in stretches:
            for s in range(first, last - 1, -step):
                ledger.add_metric(now - timedelta(seconds=s), "system", json.dumps({
                    "cpu": 10.0, "running": running, "queued": 0}), None)
    gui.window.resize(1280, 760)
    gui.qtbot.keyClick(gui.window, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
    view = gui.window.metrics_view
    gui.wait_until(lambda: view.loaded and view.plots)  # (built one a turn)
    in_flight = next(p for p in view.plots if p.tickwork_title.startswith("Runs in flight"))
    colour = display.status_colour("running")
    at = now.timestamp()
    for label, gaps in (("1 h", [(at - 2700, at - 600)]),
                        ("24 h", [(at - 4 * 3600 + 60, at - 3600), (at - 2700 + 60, at - 600)])):
        gui.qtbot.mouseClick(next(b for b in view.spans.buttons() if b.text() == label),
                             Qt.MouseButton.LeftButton)
        view.redraw(now=at)
        gui.settle()
        name = "metrics-gap-" + label.replace(" ", "")
        assert gui.window.grab().save(str(SCREENSHOTS / f"{name}.png"))
        for series in ("running", "cpu"):
            assert _joined_across(view.curves[series], 150) == [], (label, series)
        for start, end in gaps:  # nothing drawn across the time the app was closed
            assert _curve_pixels(view, in_flight, colour, start, end) == 0, (label, start)
        _x, running = view.curves["running"].getData()
        assert set(running[np.isfinite(running)]) == {0.0, 1.0}, label  # both sides drawn
        assert np.isnan(running).sum() == len(gaps), label  # the idle 30 s: one line


def test_samples_an_idle_engine_takes_stay_joined_and_a_longer_wait_breaks() -> None:
    """An idle engine samples every 30 s: one line. Nothing for longer than three of those:
    a row of NaN between, in the seconds and in the minutes."""
    history = MetricHistory()
    start = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    for s in [*range(0, 600, 30), *range(700, 800), 900]:  # 100 s, then 100 s again
        history.add(start + timedelta(seconds=s), {"running": 1})
    for s in range(2000, 2200):  # half an hour closed: minutes 15 to 32 empty
        history.add(start + timedelta(seconds=s), {"running": 1})
    t, v = history.fine.window()
    gaps = t[1:][np.isnan(v[SERIES.index("running")][1:])]
    assert [round(g - start.timestamp()) for g in gaps] == [635, 850, 1450]
    t, v = history.coarse.window()
    minutes = [int((x - start.timestamp()) // 60) for x in t]
    # one empty minute (10, 14) stays joined: a wait of 90 s may empty one; 16 to 32 break
    assert minutes == [*range(10), 11, 12, 13, 15, 24, 33, 34, 35]
    assert np.isnan(v[SERIES.index("running")]).tolist() == [False] * 14 + [True] + [False] * 3
