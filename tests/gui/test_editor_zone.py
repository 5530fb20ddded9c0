"""A task given a new zone in the editor keeps its wall times, as `task update --tz` does
(tests/cli/test_dst_words.py): the fields hold wall times, read in the zone saved."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.gui.qt import Qt
from tests.gui.conftest import Gui
from tests.gui.editing import go, open_selected, save


def test_a_new_zone_keeps_a_one_shots_wall_time(gui: Gui, qtbot: Any) -> None:
    task = gui.service.create_task({
        "name": "once9", "timezone": "Europe/Berlin", "action": {"kind": "command",
                                                                 "argv": ["true"]},
        "schedule": {"kind": "date", "at": "2027-01-10T09:00:00+01:00"},
        "start_at": "2027-01-01T08:00:00+01:00"})
    editor = open_selected(gui, qtbot, task.id, Qt.Key.Key_Return)
    go(editor, qtbot, "Schedule")
    zone_box = editor.schedule.timezone
    zone_box.lineEdit().selectAll()
    qtbot.keyClicks(zone_box.lineEdit(), "America/New_York")
    assert editor.schedule.at.edit.text() == "2027-01-10 09:00:00"
    save(gui, qtbot, editor)
    spec = gui.service.get_task("once9").spec
    assert spec.timezone == "America/New_York"
    assert spec.schedule.at == datetime.fromisoformat("2027-01-10T09:00:00-05:00")
    assert spec.start_at == datetime.fromisoformat("2027-01-01T08:00:00-05:00")
