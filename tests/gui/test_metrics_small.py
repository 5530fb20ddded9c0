"""The Metrics view at 800×500 (README's small window), the notifications panel open or not:
every plot is whole on screen, none cut off at the right."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from app.engine.events import MetricsSampled
from app.gui.main_window import METRICS
from app.gui.qt import Qt
from tests.gui.conftest import SCREENSHOTS, Gui, axis_labels
from tests.gui.test_metrics_title_wrap import words


def _plots_inside(gui: Gui) -> list[tuple[int, int]]:
    """Each plot's left and right edge in the canvas, where any is past its right side."""
    view = gui.window.metrics_view
    canvas = view.canvas
    edges = []
    for plot in view.plots:
        rect = canvas.mapFromScene(plot.sceneBoundingRect()).boundingRect()
        edges.append((rect.left(), rect.right()))
    return [e for e in edges if e[0] < 0 or e[1] > canvas.viewport().width()]


def _metrics_with_long_titles(gui: Gui) -> Any:
    gui.window.show_view(METRICS)
    view = gui.window.metrics_view
    gui.wait_until(lambda: view.loaded and view.plots)
    now = datetime.now(UTC)  # values in every title, the start delay's the longest
    for k in range(5):
        view.on_samples([MetricsSampled(now + timedelta(seconds=k), "system", {
            "cpu": 99.5, "memory": 15.1, "disk": 35.0, "running": 1, "queued": 0,
            "fires_per_min": 1250, "lateness_p99_ms": 4 + 20 * (k == 2)}, None)])
    view.redraw()
    assert "at worst" in view.plots[5].titleLabel.text  # in few words where narrow
    return view


def test_every_metrics_plot_is_whole_at_800_by_500(gui: Gui, qtbot: Any) -> None:
    gui.window.resize(800, 500)
    gui.wait_until(lambda: (gui.window.width(), gui.window.height()) == (800, 500))
    _metrics_with_long_titles(gui)
    for panel in (False, True):
        if panel:
            qtbot.mouseClick(gui.window.status.bell, Qt.MouseButton.LeftButton)
            gui.wait_until(lambda: gui.window.dock.isVisible())
        gui.settle()
        qtbot.wait(50)
        assert _plots_inside(gui) == [], panel
        name = "metrics-800x500" + ("-notifications" if panel else "")
        assert gui.window.grab().save(str(SCREENSHOTS / f"{name}.png"))


def test_a_window_shrunk_in_one_step_keeps_every_plot_whole(gui: Gui, qtbot: Any) -> None:
    """Under a real X server a maximised window shrunk to 800×500 kept its right-hand plots
    cut off: the titles wrapped for two columns reached the plots' layout only after the
    canvas had been laid out at their old, wider minimum."""
    gui.window.resize(1278, 774)
    view = _metrics_with_long_titles(gui)
    qtbot.mouseClick(gui.window.status.bell, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: gui.window.dock.isVisible())
    for size, columns in (((800, 500), 2), ((1278, 774), 3), ((800, 500), 2)):
        gui.window.resize(*size)
        gui.settle()
        assert (view.columns, _plots_inside(gui)) == (columns, []), size
    assert gui.window.grab().save(str(SCREENSHOTS / "metrics-shrunk-to-800x500.png"))


def test_a_narrow_plot_labels_its_time_whole_at_every_moment(gui: Gui, qtbot: Any) -> None:
    """At 800×500 with the notifications panel open, the plots of the last 5 minutes and of
    the last hour had one time label ("05:35") or none, depending on the moment: no way to
    read the scale. Now at no moment none, mostly two, never two alike or cut off; the
    window at 1600×1000 three or more. And the day's note beside the span buttons squeezed
    the plots to slivers."""
    gui.window.resize(800, 500)
    gui.wait_until(lambda: (gui.window.width(), gui.window.height()) == (800, 500))
    view = _metrics_with_long_titles(gui)
    qtbot.mouseClick(gui.window.status.bell, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: gui.window.dock.isVisible())
    base = 1_796_000_000.0  # moments chosen, not the clock: the labels move with the window
    for large in (False, True):
        if large:
            gui.window.resize(1600, 1000)
            gui.wait_until(lambda: gui.window.width() == 1600)
        for seconds in (300, 3600, 86400):
            qtbot.mouseClick(view.spans.button(seconds), Qt.MouseButton.LeftButton)
            gui.settle()
            counts = []
            for k in range(12):
                view.redraw(now=base + k * seconds / 12)
                labels = axis_labels(view.plots[0].getAxis("bottom"))
                assert len(set(labels)) == len(labels), (seconds, labels)
                counts.append(len(labels))
            if large:
                assert min(counts) >= 3, (seconds, counts)
                continue
            assert min(counts) >= 1 and sum(c >= 2 for c in counts) >= 6, (seconds, counts)
            # the day's note ("One point a minute: …") once squeezed the plots to slivers
            heights = [plot.sceneBoundingRect().height() for plot in view.plots]
            assert min(heights) >= 90, (seconds, heights)
            # titles of three lines at most (four ran over their plots), the lines of runs in
            # flight named in their colours instead of a legend box over half the plot
            view.redraw(now=base)
            tall = [p.tickwork_title for p in view.plots
                    if p.titleLabel.item.document().lineCount() > 3]
            assert tall == [] and all(p.legend is None for p in view.plots), (seconds, tall)
            assert '<span style="color:' in view.plots[3].tickwork_title
            assert gui.window.grab().save(
                str(SCREENSHOTS / f"metrics-{seconds}s-800x500-labels.png"))


def test_every_title_and_axis_reads_clear_of_its_plot_at_800_by_560(gui: Gui, qtbot: Any) -> None:
    """At 800×560 the start delay's title, wrapped to four lines in a row 30 px tall, ran down
    over its plot's top ticks (and the titles of two lines over theirs). Now each title's
    lines end above its plot, at that size and the default one, the plots of a row start
    level, and every axis has its labels."""
    for size in ((800, 560), (1180, 720)):
        gui.window.resize(*size)
        gui.wait_until(lambda s=size: (gui.window.width(), gui.window.height()) == s)
        qtbot.keyClick(gui.window, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
        view = _metrics_with_long_titles(gui)
        gui.settle()
        qtbot.wait(50)
        assert gui.window.grab().save(str(SCREENSHOTS / f"metrics-{size[0]}x{size[1]}-titles.png"))
        tops: dict[int, set[float]] = {}
        for plot in view.plots:
            title = plot.titleLabel.item.sceneBoundingRect()
            box = plot.vb.sceneBoundingRect()
            assert title.bottom() <= box.top() + 0.5, (size, plot.tickwork_title, title, box)
            assert plot.sceneBoundingRect().contains(title), (size, plot.tickwork_title)
            tops.setdefault(round(plot.sceneBoundingRect().top()), set()).add(round(box.top()))
            assert len(axis_labels(plot.getAxis("left"))) >= 2, (size, plot.tickwork_title)
            assert axis_labels(plot.getAxis("bottom")), (size, plot.tickwork_title)
        assert all(len(level) == 1 for level in tops.values()), (size, tops)


def test_titles_take_their_words_for_the_new_width_when_the_window_is_resized(
        gui: Gui, qtbot: Any) -> None:
    """A wide window's titles kept their long words when it was made narrow (and a narrow
    one's short words when made wide) until the next sample came: a review."""
    gui.window.resize(1600, 1000)
    gui.wait_until(lambda: (gui.window.width(), gui.window.height()) == (1600, 1000))
    view = _metrics_with_long_titles(gui)
    lateness = view.plots[5]
    assert "99 % of the 1,250 runs in the last minute started within" in words(
        lateness.titleLabel.text)
    gui.window.resize(800, 500)
    gui.settle()
    assert "99 % within" in words(lateness.titleLabel.text), lateness.titleLabel.text
    gui.window.resize(1600, 1000)
    gui.settle()
    assert "99 % of the 1,250 runs in the last minute started within" in words(
        lateness.titleLabel.text)
