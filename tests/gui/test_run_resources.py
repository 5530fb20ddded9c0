"""A run's CPU and memory in the Runs view's details, read as a person reads them: a 2 s run
sampled twice said "2 samples over 1.0 s" under two plots some 50 px high, one tick label
up each side and none along the bottom of the first, the second below the fold. Now the plots
stand side by side in sight, their time axis the run's own (0 to its end, in seconds or
minutes), and the note says the run's length and how many samples."""

from __future__ import annotations

import itertools
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from app.gui.main_window import RUNS
from app.gui.qt import Qt
from tests.gui.conftest import SCREENSHOTS, Gui, axis_labels, click_row, command_task

START = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)


def _finished_run(gui: Gui, start: datetime, seconds: float, samples: int) -> int:
    """A run of `seconds` that ended, with a sample a second from 0.4 s into it."""
    from app.store import ledger
    from app.store.models import RunRow

    task = gui.service.get_task("crunch") if gui.service.list_tasks() else \
        gui.service.create_task(command_task("crunch"))
    with gui.store.write():
        run_id = int(RunRow.insert(task=task.id, scheduled_for=start, attempt=1,
                                   status="succeeded", trigger="manual", queued_at=start,
                                   started_at=start, finished_at=start + timedelta(
                                       seconds=seconds), exit_code=0).execute())
        for k in range(samples):
            ledger.add_metric(start + timedelta(seconds=0.4 + k), "run", json.dumps(
                {"cpu": 40.0 + 30 * (k % 2), "rss_mb": 12.5 + k}), run_id)
    return run_id


def _show(gui: Gui, run_id: int) -> Any:
    view = gui.window.runs_view
    gui.wait_until(lambda: view.model.row_of(run_id) >= 0)
    click_row(gui.qtbot, view.table, view.model.row_of(run_id))
    plot = view.detail.resources
    gui.wait_until(lambda: plot.run_id == run_id and plot.samples and not plot._loading)
    gui.settle()
    return plot


def test_a_short_run_s_plots_are_readable_and_say_the_run_s_length(gui_factory: Any) -> None:
    gui = gui_factory(engine=False)
    short = _finished_run(gui, START, 2.0, 2)
    long = _finished_run(gui, START + timedelta(minutes=5), 45.0, 44)
    ten = _finished_run(gui, START + timedelta(minutes=9), 10.0, 10)
    gui.window.resize(1180, 720)  # a new window's size
    gui.qtbot.keyClick(gui.window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    gui.wait_until(lambda: gui.window.current_view() == RUNS)

    plot = _show(gui, short)
    assert gui.window.grab().save(str(SCREENSHOTS / "runs-resources-2s-run.png"))
    note = plot.note.text()
    assert note.startswith("2 samples of a 2.0 s run"), note  # not "over 1.0 s"
    assert list(plot.x_values()) == [0.4, 1.4]  # where in the run each sample fell
    area = gui.window.runs_view.detail.fields_area
    for chart in (plot.cpu_plot, plot.mem_plot):
        low, high = chart.viewRange()[0]
        assert low <= 0 and high >= 2.0  # the run's whole length
        bottom = axis_labels(chart.getAxis("bottom"))
        assert len(bottom) >= 2 and all(t.endswith(" s") for t in bottom), bottom
        assert len(axis_labels(chart.getAxis("left"))) >= 2
        # the whole plot, its time labels too, in sight without scrolling
        box = plot.canvas.mapFromScene(chart.sceneBoundingRect()).boundingRect()
        top_left = plot.canvas.mapTo(area.viewport(), box.topLeft())
        bottom_right = plot.canvas.mapTo(area.viewport(), box.bottomRight())
        assert area.viewport().rect().contains(top_left) and \
            area.viewport().rect().contains(bottom_right), (top_left, bottom_right)

    plot = _show(gui, ten)  # (the run a person saw stepped 2, 4, 6, 8 s beside 5 s)
    labels = [axis_labels(chart.getAxis("bottom")) for chart in (plot.cpu_plot, plot.mem_plot)]
    assert labels[0] == labels[1] and len(labels[0]) >= 2, labels

    plot = _show(gui, long)
    assert gui.window.grab().save(str(SCREENSHOTS / "runs-resources-45s-run.png"))
    assert plot.note.text().startswith("44 samples of a 45 s run"), plot.note.text()
    bottom = axis_labels(plot.cpu_plot.getAxis("bottom"))
    assert len(bottom) >= 3 and all(t.endswith(" s") for t in bottom), bottom
    # the memory plot beside it stepped alike (a run's CPU said 2, 4, 6, 8 s and its
    # memory, a narrower plot for its longer title, 5 s: a person under X)
    assert axis_labels(plot.mem_plot.getAxis("bottom")) == bottom


def test_a_run_of_days_is_counted_in_days_at_an_even_step(gui_factory: Any) -> None:
    """A run of ten days was stepped a day at most, in hours: the labels ("24 h", "72 h",
    "216 h") crowded and pyqtgraph dropped every other one. Past two days it counts in days,
    at a step whose labels fit."""
    from app.store import ledger
    from app.store.models import RunRow

    gui = gui_factory(engine=False)
    task = gui.service.create_task(command_task("backup"))
    end = START + timedelta(days=10)
    with gui.store.write():
        run_id = int(RunRow.insert(task=task.id, scheduled_for=START, attempt=1,
                                   status="succeeded", trigger="manual", queued_at=START,
                                   started_at=START, finished_at=end, exit_code=0).execute())
        for hour in range(240):
            ledger.add_metric(START + timedelta(hours=hour, seconds=1), "run", json.dumps(
                {"cpu": 5.0 + hour % 7, "rss_mb": 80.0}), run_id)
    gui.window.resize(1400, 800)  # (room for more than one label a plot)
    gui.qtbot.keyClick(gui.window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    gui.wait_until(lambda: gui.window.current_view() == RUNS)
    plot = _show(gui, run_id)
    assert gui.window.grab().save(str(SCREENSHOTS / "runs-resources-10-day-run.png"))
    labels = [axis_labels(chart.getAxis("bottom")) for chart in (plot.cpu_plot, plot.mem_plot)]
    assert labels[0] == labels[1]  # the run's two plots alike (its memory's said only "5 d")
    bottom = labels[0]
    assert len(bottom) >= 3 and all(t.endswith(" d") for t in bottom), bottom
    days = [float(t.removesuffix(" d")) for t in bottom]
    steps = {b - a for a, b in itertools.pairwise(days)}
    assert len(steps) == 1, bottom  # none dropped for want of room


def test_a_runs_memory_is_said_in_the_unit_it_is_counted_in(gui_factory: Any) -> None:
    """The engine counts resident memory in MiB (2**20 bytes) and the details said "MB": a
    command that held 200 MiB read "memory 209.8 MB" — 220 MB as MB count. It says MiB, as
    the window's other sizes do ("larger than 256 MiB")."""
    import subprocess
    import sys

    from app.engine.metrics import RunTree
    from app.store import ledger

    gui = gui_factory(engine=False)
    hold = ("import sys, time\nb = bytearray(200 * 2**20)\n"
            "for i in range(0, len(b), 4096): b[i] = 1\nprint(flush=True)\ntime.sleep(30)\n")
    proc = subprocess.Popen([sys.executable, "-c", hold], stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None and proc.stdout.readline()  # it holds them now
        values = RunTree(proc.pid).sample(time.time())  # what the engine's sampler stores
    finally:
        proc.kill()
        proc.wait()
    assert values is not None
    run_id = _finished_run(gui, START, 2.0, 0)
    with gui.store.write():
        ledger.add_metric(START + timedelta(seconds=1), "run", json.dumps(values), run_id)
    gui.qtbot.keyClick(gui.window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    gui.wait_until(lambda: gui.window.current_view() == RUNS)
    plot = _show(gui, run_id)
    note = plot.note.text()
    assert note.endswith(" MiB"), note
    peak = float(note.rsplit("memory ", 1)[1].removesuffix(" MiB"))
    assert 200 <= peak <= 230, note  # the 200 MiB held, and the interpreter's own
    assert "MiB" in str(plot.mem_plot.titleLabel.text)
