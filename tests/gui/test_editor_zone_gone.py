"""A task stored in a time zone this machine's zone data lacks (a store from a machine with
newer tzdata; the engine leaves it out: tests/engine/test_zone_gone.py) opens in the
editor, the zone named wrong inline, and a zone typed there mends it: Enter on it raised
ZoneInfoNotFoundError and no editor opened."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from typing import Any

from app.gui.qt import Qt
from tests.gui.conftest import Gui
from tests.gui.editing import go, open_selected, save


def test_a_task_in_a_zone_this_machine_lacks_opens_and_is_mended(gui: Gui, qtbot: Any) -> None:
    task = gui.service.create_task({
        "name": "gone", "timezone": "Europe/Berlin", "action": {"kind": "command",
                                                                 "argv": ["true"]},
        "schedule": {"kind": "cron", "expr": "0 9 * * *"}})
    with closing(sqlite3.connect(gui.store.home / "tickwork.db")) as con, con:
        con.execute("UPDATE task SET timezone = 'Atlantis/Capital' WHERE id = ?", (task.id,))
    editor = open_selected(gui, qtbot, task.id, Qt.Key.Key_Return)
    go(editor, qtbot, "Schedule")
    zone_box = editor.schedule.timezone
    assert zone_box.currentText() == "Atlantis/Capital"
    error = editor.schedule.errors["timezone"][0]
    gui.wait_until(lambda: error.isVisible() and "unknown time zone: 'Atlantis/Capital'"
                   in error.text())
    zone_box.lineEdit().selectAll()
    qtbot.keyClicks(zone_box.lineEdit(), "Europe/Berlin")
    save(gui, qtbot, editor)
    spec = gui.service.get_task("gone").spec
    assert spec.timezone == "Europe/Berlin" and spec.schedule.expr == "0 9 * * *"
