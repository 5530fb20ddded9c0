"""The Schedule page's "Not on" row, with no dates left out yet.

It read "Not on  2026-12-06  [Add date] [Import .ics…]": the date to add, tomorrow's on the
computer's own calendar, beside the label, as if the task already did not run that day.
The row says "None yet." while no date is listed, and the date offered to add is the
task's today, on its clock in its time zone (the dates it leaves out are in that zone).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from app.gui.qt import Qt
from tests.gui.conftest import SCREENSHOTS, Gui, command_task
from tests.gui.editing import click, go, open_selected, save


def test_not_on_says_none_and_offers_the_task_s_today(
        gui: Gui, qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.gui.editor.schedule_page import SchedulePage

    # 00:30 on Thursday 11 March in Auckland (UTC+13): still 10 March in UTC
    moment = datetime(2027, 3, 10, 11, 30, tzinfo=UTC)
    monkeypatch.setattr(SchedulePage, "clock", staticmethod(lambda: moment))
    task = gui.service.create_task(command_task(
        "nightly", timezone="Pacific/Auckland", schedule={"kind": "cron", "expr": "0 2 * * *"}))
    editor = open_selected(gui, qtbot, task.id, Qt.Key.Key_Return)
    go(editor, qtbot, "Schedule")
    exclusions = editor.schedule.exclusions
    assert exclusions.none.isVisible() and exclusions.none.text() == "None yet."
    assert not exclusions.view.isVisible()
    assert exclusions.date.date().toString("yyyy-MM-dd") == "2027-03-11"
    assert editor.grab().save(str(SCREENSHOTS / "editor-not-on-none.png"))
    click(qtbot, exclusions.add_button)
    assert exclusions.view.isVisible() and not exclusions.none.isVisible()
    assert [exclusions.view.item(i).text() for i in range(exclusions.view.count())] == [
        "11 Mar 2027"]
    gui.wait_until(lambda: "not on 11 Mar 2027" in editor.schedule.words.text())
    gui.settle()
    assert editor.grab().save(str(SCREENSHOTS / "editor-not-on-one.png"))
    save(gui, qtbot, editor)
    gui.wait_until(lambda: gui.service.get_task("nightly").spec.schedule.exclude.to_json()
                   == ["2027-03-11"])
