"""The moments in a run's note or error ("replaced by the fire at …") are said in the user's
zone in the window, as every other time there is — the Runs view's Result / note column and
its tooltip, the run's details — where they read "… 07:04:37 UTC" beside local times. The
engine still writes them in UTC, said so (the note is read anywhere); the command line says
them in local time too (tests/engine/test_dependency_note_times.py). The window's own
engine replaces a run (overlap "replace"); the zone is injected (TZ)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from app.gui.main_window import RUNS
from app.gui.qt import Qt
from app.gui.runs.model import RESULT
from tests.conftest import local_zone
from tests.gui.conftest import SCREENSHOTS, Gui, click_row, command_task

ZONE = "Asia/Tokyo"  # (+09:00 all year)


@pytest.fixture
def tokyo_local_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield from local_zone(monkeypatch, ZONE)


def test_a_notes_moment_is_said_in_the_users_zone(gui: Gui, qtbot: object,
                                                  tokyo_local_time: None) -> None:
    s = gui.service
    s.create_task(command_task("Sync", action={"kind": "command", "argv": ["sleep", "30"]},
                               schedule={"kind": "interval", "seconds": 1},
                               overlap="replace"))
    gui.wait_until(lambda: [r for r in s.list_runs(task="Sync") if r.status == "cancelled"],
                   20)
    s.set_enabled("Sync", False)
    replaced = next(r for r in s.list_runs(task="Sync") if r.status == "cancelled")
    stored = " ".join(filter(None, (replaced.error, replaced.note)))
    found = re.search(r"replaced by the fire at (\S+ \S+) UTC", stored)
    assert found is not None, stored
    here = datetime.strptime(found[1], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC).astimezone(
        ZoneInfo(ZONE)).strftime("%Y-%m-%d %H:%M:%S")

    window = gui.window
    window.resize(1300, 700)
    window.view_actions.actions()[RUNS].trigger()
    runs = window.runs_view
    model = runs.model
    gui.wait_until(lambda: model.row_of(replaced.id) >= 0, 15)
    row = model.row_of(replaced.id)
    cell = model.index(row, RESULT)
    assert f"replaced by the fire at {here}" in cell.data(), cell.data()
    assert " UTC" not in cell.data()
    tip = cell.data(Qt.ItemDataRole.ToolTipRole)
    assert f"replaced by the fire at {here}" in tip and " UTC" not in tip, tip
    click_row(qtbot, runs.table, row)
    gui.wait_until(lambda: any(f"replaced by the fire at {here}" in runs.detail.fields[n].text()
                               for n in ("Error", "Note")))
    shown = {name: runs.detail.fields[name].text() for name in ("Error", "Note")}
    assert not any(" UTC" in text for text in shown.values()), shown
    window.grab().save(str(SCREENSHOTS / "runs-note-local-time.png"))


@pytest.fixture
def new_york_local_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield from local_zone(monkeypatch, "America/New_York")


def test_a_notes_moment_in_the_hour_shown_twice_says_which(gui: Gui, qtbot: object,
                                                           new_york_local_time: None) -> None:
    """Two fires an hour apart as New York's clocks fall back (05:30 and 06:30 UTC on
    2026-11-01) are both 01:30 there: a note says which by the zone's name, as every other
    time the window shows in that hour does ("01:30 EDT", then "01:30 EST"); both read
    "2026-11-01 01:30:00", the same words for two moments."""
    from app.store.models import RunRow

    s = gui.service
    task = s.create_task(command_task("Sync", enabled=False)).id
    with gui.store.write():  # (each cancelled as the next fire came, an hour on)
        ids = [int(RunRow.insert(
            task=task, scheduled_for=at, attempt=1, trigger="schedule", status="cancelled",
            queued_at=at, finished_at=at, error=f"replaced by the fire at {fire} UTC"
        ).execute()) for at, fire in (
            (datetime(2026, 11, 1, 4, 30, tzinfo=UTC), "2026-11-01 05:30:00"),
            (datetime(2026, 11, 1, 5, 30, tzinfo=UTC), "2026-11-01 06:30:00"))]
    window = gui.window
    window.resize(1300, 700)
    window.view_actions.actions()[RUNS].trigger()
    model = window.runs_view.model
    gui.wait_until(lambda: all(model.row_of(i) >= 0 for i in ids), 15)
    said = [model.index(model.row_of(i), RESULT).data() for i in ids]
    assert "replaced by the fire at 2026-11-01 01:30:00 EDT" in said[0], said
    assert "replaced by the fire at 2026-11-01 01:30:00 EST" in said[1], said
