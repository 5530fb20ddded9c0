"""The calendar at any scale: 300 tasks every 7 minutes give every day of the month its
count (no day left unpredicted), zooming to a day or a week lists single fires that agree
with `tickwork simulate` (the real CLI, in a subprocess) for the same range, an edit of
one task updates its days, and tasks with a dependency still come from the dispatcher."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from app.core.schedule import system_timezone_name
from app.gui.calendar.data import day_start
from app.gui.qt import QPoint, Qt
from tests.gui.conftest import SCREENSHOTS, Gui, command_task
from tests.gui.test_calendar import show_calendar

ROOT = Path(__file__).resolve().parents[2]
EVERY = 7 * 60


def _frequent_tasks(gui: Gui, count: int) -> None:
    """`count` tasks every 7 minutes, written in bulk as the service writes them: half a
    cron, half an interval (each with its own phase), and an hourly pair where one waits
    for the other (the dispatcher decides that one)."""
    from app.core.task import TaskSpec
    from app.store import tasks as task_store
    from app.store.models import TaskRow

    # made as if 10 minutes from now, so every first fire is at least that far ahead: with
    # no engine running, a fire that passes while a loaded machine plays the test turns
    # overdue, and the CLI's later `simulate` plays it as a catch-up the view never saw
    now = datetime.now(UTC) + timedelta(minutes=10)
    rows = []
    with gui.store.write():
        for i in range(count):
            schedule: dict[str, Any] = ({"kind": "cron", "expr": "*/7 * * * *"} if i % 2
                                        else {"kind": "interval", "seconds": EVERY})
            created = now - timedelta(seconds=i)
            spec = TaskSpec.from_json({"name": f"often {i:03d}", "timezone": "UTC",
                                       "schedule": schedule,
                                       "action": {"kind": "command", "argv": ["true"]}},
                                      now=created)
            values = task_store.row_values(spec, spec.next_fire_time(created, created),
                                           created)
            rows.append({**values, "created_at": created})
        TaskRow.insert_many(rows).execute()
    gui.service.create_task(command_task("upstream", schedule={"kind": "cron",
                                                               "expr": "0 * * * *"}))
    gui.service.create_task(command_task("waits", depends_on=["upstream"], schedule={
        "kind": "cron", "expr": "0 * * * *"}))


def _simulate(home: Path, start: datetime, hours: float) -> list[dict[str, Any]]:
    """`tickwork simulate --json` through the real CLI."""
    import json

    proc = subprocess.run(
        [sys.executable, "-m", "app.cli", "--home", str(home), "simulate", "--from",
         start.isoformat(), "--hours", str(hours), "--json"],
        capture_output=True, text=True, timeout=300, cwd=ROOT, check=False)
    assert proc.returncode == 0, proc.stderr
    items: list[dict[str, Any]] = json.loads(proc.stdout)
    return items


def _key(task_id: int, at: datetime, kind: str) -> tuple[float, int, str]:
    return (round(at.timestamp(), 3), task_id, kind)


def _by_day(items: list[dict[str, Any]]) -> dict[date, list[tuple[float, int, str]]]:
    """The CLI's items as keys, sorted, by local day (each time parsed once)."""
    days: dict[date, list[tuple[float, int, str]]] = {}
    for i in items:
        at = datetime.fromisoformat(i["fire_at"])
        days.setdefault(at.astimezone().date(), []).append(_key(i["task_id"], at, i["kind"]))
    for keys in days.values():
        keys.sort()
    return days


def _shown(view: Any, day: date) -> list[tuple[float, int, str]]:
    return sorted(_key(e.task_id, e.start, e.kind) for e in view.data.day(day).entries
                  if e.predicted)


def _shot(gui: Gui, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    gui.qtbot.wait(20)
    assert gui.window.grab().save(str(SCREENSHOTS / f"calendar-scale-{name}.png"))


def test_a_month_of_300_tasks_every_7_minutes_has_every_day_predicted(
        gui_factory: Any, home: Path) -> None:
    gui = gui_factory(engine=False)
    gui.window.resize(1280, 760)
    _frequent_tasks(gui, 300)
    today = datetime.now().astimezone().date()
    view = show_calendar(gui, "month", today)
    data = view.data
    ahead = [d for d in data.period.dates if d > today]
    assert len(ahead) >= 10  # (six weeks shown: the month's days ahead and the next's)
    per_day = 300 * 24 * 60 // 7  # about 61,700 fires a day, and the hourly pair
    for d in ahead:
        day = data.day(d)
        fires = sum(day.future.values())
        hours = (day_start(d + timedelta(days=1)) - day_start(d)).total_seconds() / 3600
        assert fires >= per_day * hours / 24 * 0.98, (d, fires)
        assert day.busiest and day.busiest[0][1] >= 200  # every 7 minutes: ~206 a day
    assert data.predicted_until is None  # the dispatcher's tasks were played to the end
    # each busy cell shows its count, and opens its list
    grid = view.month
    assert {h.day for h in grid.hits if h.kind == "more"} >= set(ahead)
    _shot(gui, "month")

    # double-click a day's number: the day, its fires listed as the CLI lists them
    tomorrow = today + timedelta(days=1)
    cell = grid.cells[tomorrow]
    loads = view.loads
    gui.qtbot.mouseDClick(grid, Qt.MouseButton.LeftButton,
                          pos=QPoint(int(cell.left() + 8), int(cell.top() + 6)))
    gui.wait_until(lambda: view.period.mode == "day" and view.loads > loads
                   and not view.busy, timeout=60)
    start = day_start(tomorrow)
    hours = (day_start(tomorrow + timedelta(days=1)) - start).total_seconds() / 3600
    listed = _by_day(_simulate(home, start, hours)).get(tomorrow, [])
    day = view.data.day(tomorrow)
    assert sum(day.future.values()) == len(listed)
    shown = _shown(view, tomorrow)
    assert len(shown) == 1500  # the day lists its first 1,500 (then a list opens the rest)
    assert shown == listed[:1500]
    waits = gui.service.get_task("waits").id  # played by the dispatcher, at 00:00
    assert any(e.task_id == waits and e.kind == "fire" for e in day.entries)
    _shot(gui, "day")
    view.set_mode("week", tomorrow)
    gui.wait_until(lambda: view.period.mode == "week" and not view.busy
                   and view.data.period == view.period, timeout=60)
    assert all(sum(view.data.day(d).future.values()) > 0
               for d in view.period.dates if d > today)
    _shot(gui, "week")


def test_a_week_lists_the_fires_tickwork_simulate_lists(gui_factory: Any,
                                                         home: Path) -> None:
    gui = gui_factory(engine=False)
    _frequent_tasks(gui, 12)
    today = datetime.now().astimezone().date()
    monday = today - timedelta(days=today.weekday()) + timedelta(days=7)  # next week
    view = show_calendar(gui, "week", monday)
    start = day_start(monday)
    hours = (day_start(monday + timedelta(days=7)) - start).total_seconds() / 3600
    days = _by_day(_simulate(home, start, hours))
    for d in view.period.dates:
        listed = days.get(d, [])
        assert len(listed) > 1700
        assert sum(view.data.day(d).future.values()) == len(listed)
        assert _shown(view, d) == listed[:300]  # a week day lists its first 300


def test_editing_one_task_updates_its_days(gui_factory: Any) -> None:
    gui = gui_factory(engine=False)
    _frequent_tasks(gui, 40)
    today = datetime.now().astimezone().date()
    view = show_calendar(gui, "month", today)
    later = today + timedelta(days=3)
    before = sum(view.data.day(later).future.values())
    loads = view.loads
    gui.service.update_task("often 001", {"schedule": {"kind": "cron", "expr": "0 12 * * *"}})
    gui.wait_until(lambda: view.loads > loads and not view.busy, timeout=60)
    after = sum(view.data.day(later).future.values())
    assert before - after == 24 * 9 - 1  # 216 fires (every 7 minutes of each hour) become 1
    again = view.loads
    gui.service.update_task("often 001", {"schedule": {"kind": "interval", "seconds": 3600}})
    gui.wait_until(lambda: view.loads > again and not view.busy, timeout=60)
    assert sum(view.data.day(later).future.values()) == after - 1 + 24


def test_a_group_among_many_tasks_is_still_played_by_the_dispatcher(
        gui_factory: Any, home: Path) -> None:
    """Two backups sharing a one-at-a-time group, each usually 20 minutes: the second is
    predicted delayed by the first, as `tickwork simulate` says, among 30 frequent tasks
    counted without the dispatcher."""
    from tests.gui.test_calendar import _insert_run, _local

    gui = gui_factory(engine=False)
    _frequent_tasks(gui, 30)
    today = datetime.now().astimezone().date()
    for name in ("backup A", "backup B"):
        task = gui.service.create_task(command_task(
            name, group="disk", group_limit=1, timezone=system_timezone_name(),
            schedule={"kind": "cron", "expr": "0 2 * * *"}))
        for back in range(1, 4):
            _insert_run(gui, task.id, _local(today - timedelta(days=back), 2), seconds=1200)
    tomorrow = today + timedelta(days=1)
    view = show_calendar(gui, "day", tomorrow)
    backups = sorted((e.task_name, e.start, e.kind) for e in view.data.day(tomorrow).entries
                     if e.task_name.startswith("backup"))
    assert backups == [("backup A", _local(tomorrow, 2), "fire"),
                       ("backup B", _local(tomorrow, 2, 20), "delayed")]
    start = day_start(tomorrow)
    items = _simulate(home, start, 24)
    assert sorted((i["task_name"], datetime.fromisoformat(i["fire_at"]), i["kind"])
                  for i in items if i["task_name"].startswith("backup")) == backups
