"""Words a person reads (issue 10, point 9): counts carry their noun in the right number
(never "run(s)"), the status bar says what a toolbar click did, the audit trail reads in
sentences, the Verify count keeps up, the week view's lines, the bell, the metrics' units."""

from __future__ import annotations

import re
from pathlib import Path

import app.gui
from app.gui.audit.model import WHAT
from app.gui.main_window import AUDIT
from app.gui.qt import Qt
from app.gui.widgets.display import plural
from tests.gui.conftest import Gui, click_row, command_task
from tests.gui.test_metrics_title_wrap import words


def test_plural() -> None:
    assert plural(1, "run") == "1 run"
    assert plural(0, "run") == "0 runs"
    assert plural(12_000, "task") == "12,000 tasks"
    assert plural(1, "dependency") == "1 dependency"
    assert plural(2, "dependency") == "2 dependencies"
    assert plural(3, "scheduled task") == "3 scheduled tasks"
    assert plural(2, "run or prediction", "runs and predictions") == "2 runs and predictions"


def test_no_window_text_says_s_in_brackets() -> None:
    root = Path(app.gui.__file__).parent
    found = [f"{path.name}:{n}" for path in sorted(root.rglob("*.py"))
             for n, line in enumerate(path.read_text().splitlines(), 1)
             if re.search(r"[a-z]\(s\)[\s\"'.,:;!?)]", line)]
    assert found == []


def test_toolbar_run_now_says_one_run(gui: Gui) -> None:
    gui.service.create_task(command_task("Backup"))
    view, ops = gui.window.tasks_view, gui.window.task_ops
    gui.wait_until(lambda: view.model.rowCount() == 1)
    assert view.count.text() == "1 task"
    click_row(gui.qtbot, view.table, 0)
    button = gui.window.toolbar.widgetForAction(ops.run_now)
    shown: list[str] = []  # (as said: a quick run's end may take its place within ms)
    gui.window.status.messageChanged.connect(shown.append)
    gui.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: any(m.startswith("Queued") for m in shown))
    assert [m for m in shown if m.startswith("Queued")] == ["Queued 1 run: Backup"]


def test_audit_events_read_as_sentences_with_the_raw_data_one_click_away(gui: Gui) -> None:
    s = gui.service
    s.create_task(command_task("Slow ticker", ["sleep", "0"]))
    s.update_task("Slow ticker", {"schedule": {"kind": "interval", "seconds": 3600}})
    run = s.run_now("Slow ticker")
    gui.qtbot.keyClick(gui.window, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)
    assert gui.window.current_view() == AUDIT
    view = gui.window.audit_view
    gui.wait_until(lambda: view.model.rowCount() == 3)
    texts = [view.model.index(r, WHAT).data() for r in range(3)]
    assert texts[0] == f"Ran “Slow ticker” by hand (run {run.id})"
    assert texts[1].startswith("Changed the schedule of “Slow ticker” from “")
    assert texts[1].endswith("to “Every hour”")
    assert texts[2].startswith("Created task “Slow ticker”")
    assert not any("{" in t or "task." in t for t in texts)  # no JSON, no dotted names
    assert "task.run_now" in view.model.index(0, WHAT).data(Qt.ItemDataRole.ToolTipRole)
    click_row(gui.qtbot, view.table, 0)
    detail = view.detail.toPlainText()
    assert detail.startswith(texts[0])
    assert "task.run_now" in detail and f'"run_id": {run.id}' in detail


def test_the_verify_count_keeps_up_with_new_events(gui: Gui) -> None:
    gui.service.create_task(command_task("audited"))
    gui.window.show_view(AUDIT)
    view = gui.window.audit_view
    gui.wait_until(lambda: view.model.rowCount() == 1)
    gui.qtbot.mouseClick(view.verify_button, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: "intact: 1 event," in view.result.text())
    gui.service.set_enabled("audited", False)
    gui.service.set_enabled("audited", True)
    gui.wait_until(lambda: "intact: 3 events" in view.result.text())


def test_the_week_view_says_its_counts_plainly_and_opens_at_the_first_event(gui: Gui) -> None:
    from app.core.schedule import system_timezone_name
    from app.gui.calendar.hours import HOUR_PX
    from app.gui.main_window import CALENDAR

    for i in range(6):
        gui.service.create_task(command_task(f"Nightly {i}", timezone=system_timezone_name(),
                                             schedule={"kind": "cron", "expr": "0 2 * * *"}))
    gui.qtbot.keyClick(gui.window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    view = gui.window.calendar_view
    loads = view.loads
    gui.qtbot.mouseClick(view.bar.modes.button(1), Qt.MouseButton.LeftButton)  # Week
    gui.wait_until(lambda: view.loads > loads and view.data is not None and not view.busy
                   and view.data.period == view.period, timeout=20)
    if not any(d.entries for d in view.data.days.values()):  # Sunday after 02:00: next week
        loads = view.loads
        gui.qtbot.mouseClick(view.bar.next, Qt.MouseButton.LeftButton)
        gui.wait_until(lambda: view.loads > loads and not view.busy, timeout=20)
    gui.settle()
    assert gui.window.current_view() == CALENDAR and view.period.mode == "week"
    texts = [text for _rect, _hit, text in view.week.grid.aggregates]
    assert texts and all(text == "6 planned at 02:00" for text in texts), texts
    top = view.week.verticalScrollBar().value()
    height = view.week.viewport().height()
    assert top <= 2 * HOUR_PX and top + height >= 3 * HOUR_PX  # the 02:00 runs are in sight


def test_metrics_say_what_p99_means_and_every_axis_names_its_unit(gui: Gui) -> None:
    from datetime import UTC, datetime, timedelta

    from app.engine.events import MetricsSampled
    from app.gui.main_window import METRICS

    gui.qtbot.keyClick(gui.window, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
    assert gui.window.current_view() == METRICS
    view = gui.window.metrics_view
    gui.wait_until(lambda: view.loaded)
    now = datetime.now(UTC)
    view.on_samples([MetricsSampled(now - timedelta(seconds=s), "system",
                                    {"cpu": 12.0, "memory": 40.0, "disk": 55.0, "running": 1,
                                     "queued": 0, "fires_per_min": 30,
                                     "lateness_p99_ms": late}) for s, late in ((3, 283.0),
                                                                               (2, 4.0),
                                                                               (1, 4.0))])
    view.redraw()
    titles = [words(p.titleLabel.text) for p in view.plots]
    joined = " ".join(titles)
    # the newest value, and the worst in view: a late start a minute ago is not hidden
    assert ("all 30 runs in the last minute started within 4 ms; 283 ms at worst in the last 5 "
            "min") in joined
    assert "30 runs/min" in joined
    in_flight = view.plots[3]  # one run: the axis counts 0, 1, 2 …, never 0.2 or -1
    low, high = in_flight.viewRange()[1]
    ticks = in_flight.getAxis("left").tickValues(low, high, 200)[0][1]  # the labelled ones
    assert low > -1 and high - low >= 4 and all(float(v).is_integer() for v in ticks), ticks
    assert min(ticks) == 0, ticks  # 0 labelled, a hair above the edge; no tick below it
    assert "p99" not in joined and "fires" not in joined.lower()
    for plot in view.plots:
        assert plot.getAxis("left").labelText, plot.titleLabel.text
    assert any("ms" in p.getAxis("left").labelText for p in view.plots)


def test_the_bell_the_words_point_to_is_a_bell(gui: Gui) -> None:
    from app.gui.qt import QApplication, QStyle

    bell = gui.window.status.bell
    info = QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxInformation)
    assert bell.icon().pixmap(16).toImage() != info.pixmap(16).toImage()  # not an "i"
    assert "bell" in bell.toolTip()
    assert not gui.window.dock.isVisible()
    gui.qtbot.mouseClick(bell, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: gui.window.dock.isVisible())
