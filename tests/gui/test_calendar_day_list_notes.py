"""The Calendar's list of a busy day (clicking a day's count) opened 720 px wide with 130 px
for its Note column: “after Fetch succeeded” wrapped onto two cramped lines in a row's
height while “after Build succeeded” fitted on one. It now opens wide enough for such a note
on one line (a longer one ends in “…”, its tooltip says it whole). The clock is pinned."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from app.gui.qt import QPoint, Qt
from tests.gui.conftest import SCREENSHOTS, command_task
from tests.gui.test_calendar_failure_first import NOW, utc_local_time
from tests.gui.test_calendar_forecast_shown import _open_calendar

__all__ = ["utc_local_time"]  # (a fixture)


def fetch_build_report(service: Any, fetch_made: datetime, chain_made: datetime) -> None:
    """Fetch every 2 minutes, Build after it, Report after Build (made at those times)."""
    service.create_task(command_task("Fetch", schedule={"kind": "interval", "seconds": 120}),
                        now=fetch_made)
    for name, after in (("Build", "Fetch"), ("Report", "Build")):
        service.create_task(command_task(name, schedule={"kind": "after", "tasks": [after]}),
                            now=chain_made)


def test_a_chain_s_notes_fit_their_column(gui_factory: Any, utc_local_time: None) -> None:
    gui = gui_factory(engine=False)
    fetch_build_report(gui.service, NOW - timedelta(hours=1), NOW - timedelta(hours=1))
    view = _open_calendar(gui, "week", NOW)
    header = view.week.header
    tomorrow = view.week.grid.column(view.week.grid.dates().index(NOW.date()) + 1)
    gui.qtbot.mouseClick(header, Qt.MouseButton.LeftButton,
                         pos=QPoint(int(tomorrow.center().x()), 30))
    gui.wait_until(lambda: view.day_list is not None)
    dialog = view.day_list
    gui.wait_until(lambda: dialog.model.rowCount() > 0)
    gui.settle()
    gui.qtbot.wait(20)
    assert dialog.grab().save(str(SCREENSHOTS / "calendar-day-list-notes.png"))
    table = dialog.table
    notes = {str(dialog.model.index(r, 4).data()) for r in range(dialog.model.rowCount())}
    assert "after Fetch succeeded" in notes, notes
    room = table.columnWidth(4) - 2 * (table.style().pixelMetric(
        table.style().PixelMetric.PM_FocusFrameHMargin, None, table) + 1)
    for note in notes:
        assert table.fontMetrics().horizontalAdvance(note) <= room, (note, room)
    assert not table.wordWrap()
    gui.qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    gui.wait_until(lambda: not dialog.isVisible())
