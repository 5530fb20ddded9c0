"""The calendar's footer, of one task every minute (waiting for another, so listed fire by
fire) up to its cut, read "“hello” until …; their later fires counted from their
schedules" (a run-through under X): one task, its fires and its schedule. The clock is
pinned; local days are UTC days."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.gui.conftest import command_task
from tests.gui.test_calendar_failure_first import NOW, utc_local_time
from tests.gui.test_calendar_forecast_shown import _open_calendar

__all__ = ["utc_local_time"]  # (a fixture)


def test_one_task_cut_is_said_in_the_singular(gui_factory: Any, utc_local_time: None) -> None:
    gui = gui_factory(engine=False)
    gui.service.create_task(command_task("prep", schedule={"kind": "manual"}))
    gui.service.create_task(command_task(  # waiting for prep: played fire by fire
        "hello", timezone="UTC", schedule={"kind": "cron", "expr": "* * * * *"},
        depends_on=["prep"]), now=NOW - timedelta(hours=1))
    view = _open_calendar(gui, "month", NOW)
    said = view.status.text()
    assert "“hello” until " in said, said
    assert "; its later fires counted from its schedule (pick a day" in said, said
    assert "their" not in said, said
