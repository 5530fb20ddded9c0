"""The editor's list of schedules and exclusion dates, driven by clicks and typing: add and
remove schedules, add a date, import an .ics through the file dialog, see the combined
preview, save, reopen; and the calendar shows the combined fires."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.core.schedule import system_timezone_name
from app.gui.qt import QDateTime, Qt
from tests.gui.conftest import SCREENSHOTS, Gui, closed, command_task
from tests.gui.editing import choose, choose_schedule, click, fill_command, go, new_editor
from tests.gui.file_dialogs import choose_path, file_dialog
from tests.gui.test_calendar import show_calendar

ICS = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261225\r\n"
       "RRULE:FREQ=YEARLY\r\nSUMMARY:Christmas\r\n  Day\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\n"
       "DTSTART;VALUE=DATE:20271126\r\nRRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=4TH\r\n"
       "SUMMARY:Thanksgiving\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nDTSTART:20270330T090000Z\r\n"
       "SUMMARY:Meeting\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def _type_cron(qtbot: Any, editor: Any, text: str) -> None:
    editor.schedule.cron.clear()
    qtbot.keyClicks(editor.schedule.cron, text)


def test_two_schedules_a_date_and_an_ics_saved_and_reopened(gui: Gui, qtbot: Any,
                                                            tmp_path: Path) -> None:
    ics = tmp_path / "holidays.ics"
    ics.write_text(ICS)
    editor = new_editor(gui)
    qtbot.keyClicks(editor.general.name, "Standup")
    go(editor, qtbot, "Action")
    qtbot.keyClicks(editor.action.command, "true")
    go(editor, qtbot, "Schedule")
    page = editor.schedule
    editor.schedule.timezone.setCurrentText("UTC")
    choose(qtbot, page.kind, "cron")
    _type_cron(qtbot, editor, "0 9 * * 1-5")
    assert not page.schedule_list.view.isVisible()  # one schedule: the page as it always was
    click(qtbot, page.schedule_list.add_button)
    assert page.kind.currentIndex() == -1 and not page.chosen()  # the new one: not chosen yet
    assert page.schedule_list.view.count() == 2 and page.schedule_list.view.isVisible()
    choose(qtbot, page.kind, "cron")
    _type_cron(qtbot, editor, "0 12 * * 6")
    click(qtbot, page.schedule_list.add_button)  # a third one, then removed again
    choose(qtbot, page.kind, "interval")
    assert page.schedule_list.view.count() == 3
    click(qtbot, page.schedule_list.remove_button)
    assert page.schedule_list.view.count() == 2

    page.exclusions.date.setDateTime(QDateTime.fromString("2027-12-24", "yyyy-MM-dd"))
    click(qtbot, page.exclusions.add_button)
    click(qtbot, page.exclusions.import_button)
    choose_path(gui, file_dialog(gui, page.exclusions), ics)
    gui.wait_until(lambda: "R/2026-12-25/P1Y" in page.exclusions.entries())
    assert page.exclusions.entries() == ["2027-12-24", "R/2026-12-25/P1Y"]
    assert "Read 1 all-day event from holidays.ics" in page.exclusions.note.text()
    assert "Thanksgiving" in page.exclusions.note.text()  # what was not read is said
    assert "Passed over 1 timed event (at a time of day: not a day off)." in \
        page.exclusions.note.text()  # and the events that are no day off, counted

    gui.wait_until(editor.save_button.isEnabled)
    assert page.words.text() == ("At 09:00, Monday through Friday; at 12:00, only on Saturday "
                                 "(UTC); not on 24 Dec 2027 and 25 Dec every year from 2026")
    shown = page.next_times.text().splitlines()
    assert len(shown) == 5 and not any("Sun" in line for line in shown)

    # the first schedule is still there to edit: select it in the list
    view = page.schedule_list.view
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     pos=view.visualItemRect(view.item(0)).center())
    gui.wait_until(lambda: page.cron.text() == "0 9 * * 1-5")
    gui.wait_until(editor.save_button.isEnabled)  # the form is checked again after a change
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: closed(editor))
    task = gui.service.get_task("Standup")
    assert task.spec.schedule.to_json() == {
        "kind": "any", "schedules": [{"kind": "cron", "expr": "0 9 * * 1-5"},
                                     {"kind": "cron", "expr": "0 12 * * 6"}],
        "exclude": ["2027-12-24", "R/2026-12-25/P1Y"]}

    gui.window.task_ops.edit_task_id(task.id)  # reopened: both schedules, both exclusions
    gui.wait_until(lambda: gui.window.task_ops.editor is not None
                   and gui.window.task_ops.editor is not editor
                   and gui.window.task_ops.editor.isVisible())
    again = gui.window.task_ops.editor
    assert again.schedule.schedule_list.view.count() == 2
    assert again.schedule.cron.text() == "0 9 * * 1-5"
    assert again.schedule.exclusions.view.count() == 2
    click(qtbot, again.schedule.exclusions.view.viewport())  # nothing selected there yet
    again.schedule.exclusions.view.setCurrentRow(0)
    click(qtbot, again.schedule.exclusions.remove_button)
    assert again.schedule.exclusions.entries() == ["R/2026-12-25/P1Y"]
    again.discard()


def test_a_bad_ics_shows_its_error_under_the_list(gui: Gui, qtbot: Any, tmp_path: Path) -> None:
    bad = tmp_path / "meetings.ics"
    bad.write_text("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20270101T100000Z\nEND:VEVENT\n"
                   "END:VCALENDAR\n")
    editor = new_editor(gui)
    go(editor, qtbot, "Schedule")
    page = editor.schedule
    assert not page.exclusions.isVisible()  # no schedule yet: no dates to skip
    choose(qtbot, page.kind, "after")
    assert not page.exclusions.isVisible()  # nor for a task run after others
    choose(qtbot, page.kind, "cron")
    assert page.exclusions.isVisible()
    click(qtbot, page.exclusions.import_button)
    choose_path(gui, file_dialog(gui, page.exclusions), bad)
    gui.wait_until(lambda: page.exclusions.error.has_error)
    assert page.exclusions.error.text().endswith(
        "meetings.ics has no all-day events: passed over 1 timed event (at a time of day: "
        "not a day off)")
    assert page.exclusions.entries() == []
    editor.discard()


def test_the_calendar_shows_the_combined_fires_without_the_excluded_day(gui: Gui) -> None:
    today = datetime.now().astimezone().date()
    day_after = today + timedelta(days=2)
    task = gui.service.create_task(command_task(
        "Twice", timezone=system_timezone_name(),
        schedule={"kind": "any", "schedules": [{"kind": "cron", "expr": "0 9 * * *"},
                                               {"kind": "cron", "expr": "0 18 * * *"}],
                  "exclude": [day_after.isoformat()]}))
    view = show_calendar(gui, "month", day_after)
    shown = view.data.period.dates
    checked = 0
    for offset, hours in ((1, [9, 18]), (2, []), (3, [9, 18])):
        day: date = today + timedelta(days=offset)
        if day in shown:
            entries = [e for e in view.data.day(day).entries if e.task_id == task.id]
            assert sorted(e.start.hour for e in entries) == hours, day
            checked += 1
    assert day_after in shown and checked >= 2


def test_a_one_off_date_offers_no_dates_to_leave_out(gui: Gui, qtbot: Any) -> None:
    """"Once, at a date and time" takes no exclusion dates: "Not on" is not offered. Dates
    it held stay listed, to remove (Save says why it waits), and count again with a
    schedule that takes them."""
    editor = new_editor(gui)
    fill_command(editor, qtbot, "One-off")
    page = editor.schedule
    choose_schedule(editor, qtbot, "date")
    gui.wait_until(editor.save_button.isEnabled)
    assert not page.exclusions.isVisible()  # no Add date, no Import .ics…
    choose(qtbot, page.kind, "cron")
    _type_cron(qtbot, editor, "@reboot")
    assert not page.exclusions.isVisible()  # nor at engine start
    _type_cron(qtbot, editor, "0 9 * * *")
    assert page.exclusions.isVisible() and page.exclusions.add_button.isEnabled()
    page.exclusions.date.setDateTime(QDateTime.fromString("2027-12-24", "yyyy-MM-dd"))
    click(qtbot, page.exclusions.add_button)
    assert page.exclusions.entries() == ["2027-12-24"]

    choose(qtbot, page.kind, "date")  # what it holds stays, to remove; nothing more is offered
    error = page.errors["exclude"][0]  # under the list
    gui.wait_until(error.isVisible)
    assert page.exclusions.isVisible() and page.exclusions.view.count() == 1
    assert not any(w.isEnabled() for w in (page.exclusions.date, page.exclusions.add_button,
                                           page.exclusions.import_button))
    assert error.text().endswith("a one-off date takes no exclusion dates")
    assert not editor.save_button.isEnabled()
    assert editor.grab().save(str(SCREENSHOTS / "editor-one-off-holds-dates.png"))

    choose(qtbot, page.kind, "cron")  # back: the date it held is in force again
    gui.wait_until(editor.save_button.isEnabled)
    assert page.exclusions.entries() == ["2027-12-24"] and page.exclusions.add_button.isEnabled()
    assert not error.isVisible()

    choose(qtbot, page.kind, "date")
    gui.wait_until(lambda: not editor.save_button.isEnabled())
    view = page.exclusions.view
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     pos=view.visualItemRect(view.item(0)).center())
    click(qtbot, page.exclusions.remove_button)
    assert not page.exclusions.isVisible()  # none left: the row goes
    gui.wait_until(editor.save_button.isEnabled)
    click(qtbot, editor.save_button)
    gui.wait_until(lambda: closed(editor))
    schedule = gui.service.get_task("One-off").spec.schedule.to_json()
    assert schedule["kind"] == "date" and "exclude" not in schedule


@pytest.mark.parametrize("first", [
    {"kind": "cron", "expr": "0 2 * * *"}, {"kind": "interval", "seconds": 600},
    {"kind": "date", "at": "2031-01-01T10:00:00+00:00"}], ids=["cron", "every", "once"])
def test_looking_at_another_of_several_schedules_changes_nothing(
        gui: Gui, qtbot: Any, first: dict[str, Any]) -> None:
    """Picking the second of two schedules in the list and pressing Escape asked "Discard
    changes?", and saving recorded "Saved task … without changes" (a second run-through):
    the schedule shown was written back in the widgets' own form."""
    from app.gui.qt import QApplication
    from tests.gui.editing import open_selected

    task = gui.service.create_task(command_task("two-ways", schedule={
        "kind": "any", "schedules": [first, {"kind": "calendar", "months": 1, "hour": 3,
                                             "minute": 15}]}))
    editor = open_selected(gui, qtbot, task.id, Qt.Key.Key_Return)
    go(editor, qtbot, "Schedule")
    view = editor.schedule.schedule_list.view
    for row in (1, 0, 1):
        rect = view.visualItemRect(view.item(row))
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        gui.wait_until(lambda r=row: view.currentRow() == r)  # type: ignore[misc]
    assert not editor.has_changes()
    qtbot.keyClick(QApplication.focusWidget() or editor, Qt.Key.Key_Escape)
    gui.wait_until(lambda: closed(editor))  # no question asked
