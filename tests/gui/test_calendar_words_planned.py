"""The calendar's words, as a person read them: the day header said “268 planned” and the
footer “268 predicted”, one thing in two words; a narrow week column's header read “8 ·
305”, with nothing to say what the numbers were; and the day list gave a planned run with
no history to go by a duration of “≈ —”. Now it is “planned” everywhere, the header's
tooltip says its counts whole, and such a duration says nothing. The clock is pinned (a
Thursday 11:20); local days are UTC days."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from app.gui.qt import QApplication, QEvent, QHelpEvent, QPoint, Qt, QToolTip
from tests.gui.conftest import SCREENSHOTS, command_task
from tests.gui.test_calendar_failure_first import NOW, _this_hour, utc_local_time
from tests.gui.test_calendar_forecast_shown import _open_calendar

__all__ = ["utc_local_time"]  # (a fixture)


def test_planned_is_one_word_and_the_narrow_counts_say_what_they_count(
        gui_factory: Any, utc_local_time: None) -> None:
    gui = gui_factory(engine=False)
    _this_hour(gui)  # “ping” every 4 minutes, with runs: its fires have a usual duration
    gui.service.create_task(command_task(  # a new task: no run yet to time its fires by
        "fresh", schedule={"kind": "interval", "seconds": 3600}), now=NOW - timedelta(hours=1))
    view = _open_calendar(gui, "week", NOW)
    gui.window.resize(800, 560)
    gui.settle()
    header = view.week.header
    assert "predicted" not in view.status.text() and " planned" in view.status.text(), (
        view.status.text())

    col = view.week.grid.column(view.week.grid.dates().index(NOW.date()))
    at = QPoint(int(col.center().x()), 30)
    QToolTip.hideText()
    QApplication.sendEvent(header, QHelpEvent(QEvent.Type.ToolTip, at, header.mapToGlobal(at)))
    gui.qtbot.wait(20)
    shot = SCREENSHOTS / "calendar-words-planned-header.png"
    assert gui.window.grab().save(str(shot))
    day = view.week.grid.data.day(NOW.date())
    said = f"Thu 3 Dec: 8 runs, {sum(day.future.values()):,} planned\n"
    assert QToolTip.text().startswith(said), (QToolTip.text(), shot)

    tomorrow = view.week.grid.column(view.week.grid.dates().index(NOW.date()) + 1)
    gui.qtbot.mouseClick(header, Qt.MouseButton.LeftButton,
                         pos=QPoint(int(tomorrow.center().x()), 30))
    gui.wait_until(lambda: view.day_list is not None)
    dialog = view.day_list
    gui.wait_until(lambda: dialog.heading.text() != "Reading the day…", timeout=30)
    assert dialog.model.rowCount() > 0, dialog.heading.text()
    rows = [(dialog.model.index(r, 1).data(), dialog.model.index(r, 3).data())
            for r in range(dialog.model.rowCount())]
    assert dialog.grab().save(str(SCREENSHOTS / "calendar-words-planned-day-list.png"))
    assert " planned" in dialog.heading.text() and "predicted" not in dialog.heading.text()
    fresh = {d for name, d in rows if name == "fresh"}
    assert fresh == {""}, fresh  # it read “≈ —”
    assert {d for name, d in rows if name == "ping"} == {"≈ 20 s"}, rows[:3]
    dialog.close()
