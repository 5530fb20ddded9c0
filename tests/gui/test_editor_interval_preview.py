"""The Schedule page's "Next runs" for an interval lists the fires the engine will make.

An interval counts from the task's start, else from its creation. Reopened in the editor,
a task made at 06:37:43 to run every minute listed 06:39:01, 06:40:01, … — counted from
the moment the editor opened — while the engine fired it at 06:38:43, 06:39:43, …; and a new
task's list was counted from the moment the page was drawn, not from when it is saved.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from app.gui.qt import Qt
from tests.gui.conftest import SCREENSHOTS, Gui, click_row, command_task
from tests.gui.editing import choose_schedule, go, new_editor
from tests.gui.test_task_table_keyboard import _editor_of

EVERY = 7 * 60  # seconds: a step the opening second never lands on by chance


def _shown(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%a %Y-%m-%d %H:%M:%S %Z")


def test_a_reopened_interval_task_previews_the_engines_fires(gui: Gui, qtbot: Any) -> None:
    made = datetime.now(UTC) - timedelta(seconds=100)  # the task is 100 s old when opened
    gui.service.create_task(command_task("tick", timezone="UTC",
                                         schedule={"kind": "interval", "seconds": EVERY}),
                            now=made)
    task = gui.service.get_task("tick")
    assert task.created_at == made
    window = gui.window
    gui.wait_until(lambda: window.tasks_model.total == 1)
    click_row(qtbot, window.tasks_view.table, 0)
    qtbot.keyClick(window.tasks_view.table, Qt.Key.Key_Return)  # Enter opens it
    editor = _editor_of(gui)
    go(editor, qtbot, "Schedule")
    page = editor.schedule
    assert page.every.number.text() == "7"  # a whole number, not "7.0"

    lines = page.next_times.text().splitlines()
    steps = int((datetime.now(UTC) - task.created_at).total_seconds() // EVERY) + 1
    expected = [_shown(task.created_at + timedelta(seconds=EVERY * (steps + k)))
                for k in range(5)]
    assert lines == expected  # created_at + 7 min, + 14 min, …
    gui.wait_until(lambda: gui.service.get_task("tick").next_run_at is not None)
    assert _shown(gui.service.get_task("tick").next_run_at) in lines[:2]  # the engine's own
    assert page.counting.isVisible()
    assert page.counting.text().startswith(
        f"Counted from the task's creation, {_shown(task.created_at)}")
    page.grab().save(str(SCREENSHOTS / "editor-interval-counted-from-creation.png"))

    page.start.enabled_box.setFocus()  # a start of its own: counted from there, no note
    qtbot.keyClick(page.start.enabled_box, Qt.Key.Key_Space)
    gui.wait_until(lambda: not page.counting.isVisible())
    editor.discard()


def test_a_new_interval_task_says_it_counts_from_its_saving(gui: Gui, qtbot: Any) -> None:
    editor = new_editor(gui)
    qtbot.keyClicks(editor.general.name, "fresh")
    choose_schedule(editor, qtbot, "interval")
    page = editor.schedule
    assert page.every.number.text() == "15"
    gui.wait_until(page.counting.isVisible)
    assert page.counting.text() == "Counted from the moment the task is saved"
    page.every.number.selectAll()
    qtbot.keyClicks(page.every.number, "1.5")
    gui.wait_until(lambda: page.every.number.value() == 1.5)
    assert page.every.number.text() == "1.5"  # tenths still shown

    choose_schedule(editor, qtbot, "cron")  # a cron counts from no one's moment
    gui.wait_until(lambda: not page.counting.isVisible())
    editor.discard()


def test_a_calendar_step_names_its_day_as_the_task_table_does(gui: Gui, qtbot: Any) -> None:
    """The editor said "Every month at 02:00" where the table said "Every month on day 4 at
    02:00" (found by a window run-through): it names the day it counts from too."""
    editor = new_editor(gui)
    qtbot.keyClicks(editor.general.name, "monthly")
    choose_schedule(editor, qtbot, "calendar")
    page = editor.schedule
    page.cal_unit.setFocus()
    while page.cal_unit.currentData() != "months":  # ("month": one of them)
        qtbot.keyClick(page.cal_unit, Qt.Key.Key_Down)
    today = datetime.now(page.zone()).day
    gui.wait_until(lambda: f"on day {today} at" in page.words.text())
    editor.discard()
