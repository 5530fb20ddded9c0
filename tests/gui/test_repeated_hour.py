"""The window's times in the hour the clocks show twice say which pass they are (by the
zone's name), as the CLI's tables give the offset: two runs at 01:30 on the night
daylight saving time ended in New York read `01:30 EDT` and `01:30 EST`, not `01:30` twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from app.gui.calendar.data import Entry
from app.gui.calendar.day_list import DayListModel
from app.gui.main_window import RUNS
from app.gui.runs.model import RunTableModel
from app.gui.widgets import display
from app.store.models import RunRow
from tests.conftest import local_zone
from tests.gui.conftest import Gui, command_task

FIRST = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT
SECOND = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)  # 01:30 EST, an hour later


@pytest.fixture
def new_york(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield from local_zone(monkeypatch, "America/New_York")


def test_a_time_shown_twice_says_its_zone_and_others_do_not(new_york: None) -> None:
    now = datetime(2026, 11, 1, 12, tzinfo=UTC)
    assert display.when(FIRST, now) == "today 01:30 EDT"
    assert display.when(SECOND, now) == "today 01:30 EST"
    assert display.when(datetime(2026, 11, 1, 5, 30, 15, tzinfo=UTC), now) == (
        "today 01:30:15 EDT")
    assert display.when(datetime(2026, 11, 1, 8, tzinfo=UTC), now) == "today 03:00"
    assert display.when(datetime(2026, 11, 1, 4, 59, tzinfo=UTC), now) == "today 00:59"
    # the hour skipped in spring is shown once: nothing to tell apart
    assert display.clock(datetime(2027, 3, 14, 7, 30, tzinfo=UTC)) == "03:30"
    assert display.when(FIRST, datetime(2026, 12, 4, tzinfo=UTC)) == "2026-11-01 01:30 EDT"


def test_the_runs_table_tells_the_two_passes_of_01_30_apart(new_york: None, gui: Gui) -> None:
    task = gui.service.create_task(command_task("hourly"))
    with gui.store.write():
        for at in (FIRST, SECOND):
            RunRow.create(task=task.id, scheduled_for=at, attempt=1, status="succeeded",
                          trigger="schedule", queued_at=at, started_at=at, finished_at=at,
                          exit_code=0)
    gui.window.show_view(RUNS)
    view = gui.window.runs_view
    gui.wait_until(lambda: view.model.rowCount() == 2)
    column = RunTableModel.COLUMNS.index("Scheduled for")
    shown = {view.model.index(row, column).data() for row in range(2)}
    # to the second, :00 too: a column of moments runs happened ("01:30" beside "01:29:42"
    # read as less precise; a run-through under X)
    assert shown == {"2026-11-01 01:30:00 EDT", "2026-11-01 01:30:00 EST"}


def test_the_calendar_s_day_list_tells_them_apart_too(new_york: None, qapp: Any) -> None:
    model = DayListModel()
    model.set_entries([Entry("fire", 1, "hourly", FIRST, None, "scheduled"),
                       Entry("fire", 1, "hourly", SECOND, None, "scheduled")])
    assert [model.index(row, 0).data() for row in range(2)] == ["01:30 EDT", "01:30 EST"]
