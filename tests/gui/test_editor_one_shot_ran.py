"""A one-shot that has run, given a new zone in the editor, stays done: the editor refused a
zone an hour back ("at: is in the past"), and saved one five hours on, where the task ran a
second time at its wall time (app/core/edits.py). It keeps the instant it ran at, said in
the new zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from app.core.task import FINISHED_STATUSES
from app.gui.qt import Qt
from tests.gui.conftest import Gui, command_task
from tests.gui.editing import go, open_selected, save


def test_a_one_shot_that_ran_stays_done_in_any_zone(gui: Gui, qtbot: Any) -> None:
    at = (datetime.now(UTC) + timedelta(seconds=2)).replace(microsecond=0)
    task = gui.service.create_task(command_task(
        "once", schedule={"kind": "date", "at": at.isoformat()}))
    gui.wait_until(lambda: [r.status for r in gui.service.list_runs(task="once")
                            if r.status in FINISHED_STATUSES] == ["succeeded"], 15)
    for zone in ("Europe/Paris", "America/New_York"):  # an hour back, five hours on
        editor = open_selected(gui, qtbot, task.id, Qt.Key.Key_Return)
        go(editor, qtbot, "Schedule")
        zone_box = editor.schedule.timezone
        zone_box.lineEdit().selectAll()
        qtbot.keyClicks(zone_box.lineEdit(), zone)
        gui.settle()
        assert "in the past" not in editor.schedule.errors["at"][0].text()
        save(gui, qtbot, editor)
        stored = gui.service.get_task("once")
        assert stored.spec.timezone == zone
        assert stored.spec.schedule.at == at  # the instant it ran
        assert stored.next_run_at is None
    assert len(gui.service.list_runs(task="once")) == 1
