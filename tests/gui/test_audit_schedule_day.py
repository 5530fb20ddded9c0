"""The Audit view's sentence for a task on a calendar schedule left out its day: “Created
task “Rent”, which runs every month at 09:00 (UTC)” while the task list said “Every month
on day 15 at 09:00 (UTC)”. It says the schedule in the list's words, its day named from the
task's start, else its creation (which the event now records as its "anchor")."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from app.gui.audit.model import WHAT
from app.gui.qt import Qt
from tests.gui.conftest import Gui, command_task

MONTHLY = {"kind": "calendar", "years": 0, "months": 1, "weeks": 0, "days": 0, "hour": 9,
           "minute": 0, "second": 0}


def _sentences(gui: Gui, count: int) -> list[str]:
    view = gui.window.audit_view
    gui.wait_until(lambda: view.model.total == count)
    gui.quiet()
    return [view.model.index(row, WHAT).data() for row in range(count)]  # newest first


def test_a_calendar_schedule_is_said_with_its_day(gui: Gui, qtbot: Any) -> None:
    s = gui.service
    rent = s.create_task(command_task("Rent", schedule=MONTHLY))  # counts from its creation
    fees = s.create_task(command_task("Fees", schedule=MONTHLY,
                                      start_at=datetime(2027, 1, 15, 9, tzinfo=UTC).isoformat()))
    s.update_task("Rent", {"schedule": {**MONTHLY, "hour": 10}})
    rent_words = s.get_task(rent.id).schedule_text
    assert fees.schedule_text == "Every month on day 15 at 09:00 (UTC)"
    assert rent_words == f"Every month on day {rent.created_at.day} at 10:00 (UTC)"
    qtbot.keyClick(gui.window, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)
    changed, created_fees, created_rent = _sentences(gui, 3)
    assert created_rent == (f"Created task “Rent”, which runs every month on day "
                            f"{rent.created_at.day} at 09:00 (UTC)")
    assert created_fees == "Created task “Fees”, which runs every month on day 15 at 09:00 (UTC)"
    assert changed == (f"Changed the schedule of “Rent” from “{rent.schedule_text}” to "
                       f"“{rent_words}”")
