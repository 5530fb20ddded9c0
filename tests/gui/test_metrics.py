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

from app.gui.metrics.data import SERIES, MetricHistory, Ring, read_history, read_newer
from app.gui.qt import QApplication, QPainter, QPixmap, QPoint, QPointF, Qt, QWheelEvent
from tests.gui.conftest import SCREENSHOTS, Gui, close_gui, command_task


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
    assert 3595 <= len(stored.samples) <= 3600
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
    # about half a core and a growing heap for 3.2 s: curves to see (the CPU one in the
    # screenshot), and room left for the rest of the suite (flat out, it took a core and a
    # ~600 MB heap)
    busy = ("import time\nt = time.time()\nx = []\nwhile time.time() - t < 3.2:\n"
            "    x.append(bytearray(100_000))\n    end = time.time() + 0.011\n"
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
    assert plot.x_values()[0] == 0.0
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
    gui.wait_until(lambda: gui.service.get_run(run.id).status == "succeeded", timeout=10)
    gui.wait_until(lambda: not plot.live)
    assert "samples over" in plot.note.text()

    window.show_view(4)
    gui.wait_until(lambda: view.history.fine.count >= 3)
    view.redraw()
    t, cpu = view.curves["cpu"].getData()
    assert t is not None and len(t) >= 3 and np.nanmax(cpu) >= 0
    _, running = view.curves["running"].getData()
    assert running is not None and np.nanmax(running) >= 1  # the run was in flight
    assert "CPU —" in view.plots[0].titleLabel.text
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


def _tick_labels(axis: Any) -> list[str]:
    """The tick labels the axis paints now (pyqtgraph's own draw specs)."""
    device = QPixmap(8, 8)
    painter = QPainter(device)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [text for _rect, _flags, text in specs[2]] if specs else []


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
            labels = _tick_labels(plot.getAxis("left"))
            assert labels and all(text.isdigit() for text in labels), (size, labels)
        if size == (1600, 1000):  # room for half steps: a time axis shows them
            assert "0.5" in _tick_labels(delay.getAxis("left"))
            assert gui.window.grab().save(str(SCREENSHOTS / "metrics-count-axes.png"))
