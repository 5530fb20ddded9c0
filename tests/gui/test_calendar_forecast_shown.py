"""Issue 12 in the real window: every day of the period shows its forecast, whatever the
dispatcher's caps, and says truthfully what it cut and where; every hour of a busy week
shows its true count; the name filter follows the typing and its clear button; saving an
edit opened from the calendar stays in the calendar. The clock is pinned: the view reads
at `NOW` (a Thursday evening), and the tasks were made then."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from app.engine.simulate import simulate
from app.gui.calendar.data import day_start
from app.gui.main_window import CALENDAR
from app.gui.qt import Qt, QToolButton
from tests.conftest import local_zone
from tests.gui.conftest import SCREENSHOTS, Gui, closed, command_task

NOW = datetime(2026, 12, 3, 22, 6, tzinfo=UTC)  # Thu 3 Dec 2026, local days are UTC days


@pytest.fixture
def utc_local_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield from local_zone(monkeypatch, "UTC")


def _tester_s_tasks(gui: Gui) -> None:
    """The tester's home: a greeting every 2 minutes (in a one-at-a-time group, so the
    dispatcher plays it), `shout` every 5 minutes 09:00–17:55 on weekdays and
    `after-shout` after each of its runs (a chain: played too)."""
    s = gui.service
    s.create_task(command_task("pygreet", group="greeters", group_limit=1,
                               schedule={"kind": "interval", "seconds": 120}), now=NOW)
    s.create_task(command_task("shout", schedule={"kind": "cron", "expr": "*/5 9-17 * * 1-5"}),
                  now=NOW)
    s.create_task(command_task("after-shout", schedule={"kind": "after", "tasks": ["shout"]}),
                  now=NOW)


def _open_calendar(gui: Gui, mode: str, now: datetime = NOW) -> Any:
    """Ctrl+2, the mode's button, then Today (the pinned today): as a person gets there."""
    view = gui.window.calendar_view
    view.now = lambda: now.astimezone()
    gui.window.resize(1600, 1000)
    gui.qtbot.keyClick(gui.window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    gui.wait_until(lambda: gui.window.current_view() == CALENDAR)
    _click_and_wait(gui, view, view.bar.modes.button(("month", "week", "day").index(mode)))
    _click_and_wait(gui, view, view.bar.today)
    assert view.period.mode == mode and now.astimezone().date() in view.period.dates
    return view


def _click_and_wait(gui: Gui, view: Any, button: Any) -> None:
    loads = view.loads
    gui.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    _wait_read(gui, view, loads)


def _wait_read(gui: Gui, view: Any, loads: int) -> None:
    gui.wait_until(lambda: view.loads > loads and not view.busy and view.data is not None
                   and view.data.period == view.period, timeout=60)
    gui.qtbot.wait(10)


def _shot(gui: Gui, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    gui.qtbot.wait(20)
    assert gui.window.grab().save(str(SCREENSHOTS / f"calendar-forecast-{name}.png"))


def _by_task(gui: Gui, day: date) -> Counter[str]:
    """What the engine's own simulation (uncapped) predicts for one day, per task."""
    start = day_start(day)
    hours = (day_start(day + timedelta(days=1)) - start).total_seconds() / 3600
    return Counter(o.task_name for o in simulate(gui.service, start, hours, now=NOW,
                                                 per_task=10**6)
                   if o.fire_at < day_start(day + timedelta(days=1)))


def test_every_day_of_the_month_shows_its_forecast_and_the_cut_is_named(
        gui_factory: Any, utc_local_time: None) -> None:
    """The dispatcher lists at most 2,000 fires per task: `pygreet` reaches that on 6 Dec,
    `shout` and `after-shout` on 30 Dec. Past those, each is counted from its schedule (the
    chain task as its upstream fires), so 31 Dec and 1 Jan have their 108 `shout`s as the
    engine's simulation says, and the footer names each task with its own cut."""
    gui = gui_factory(engine=False)
    _tester_s_tasks(gui)
    view = _open_calendar(gui, "month")
    data = view.data
    for d in (date(2026, 12, 29), date(2026, 12, 30), date(2026, 12, 31), date(2027, 1, 1),
              date(2027, 1, 8)):
        expected = _by_task(gui, d)
        assert expected == {"pygreet": 720, "shout": 108, "after-shout": 108}, d
        day = data.day(d)
        assert sum(day.future.values()) == 936, (d, day.future)
        assert dict(day.busiest) == dict(expected), d
    sunday = date(2026, 12, 6)  # `pygreet` alone, on both sides of its cut
    assert sum(data.day(sunday).future.values()) == 720 == _by_task(gui, sunday)["pygreet"]
    assert {h.day for h in view.month.hits if h.kind == "more"} >= {
        date(2026, 12, 31), date(2027, 1, 1)}
    footer = view.status.text()
    assert "“pygreet” until 2026-12-06 16:4" in footer, footer
    assert "“shout” and “after-shout” until 2026-12-30 " in footer, footer
    assert "counted from their schedules" in footer, footer
    _shot(gui, "month")


def _count(text: str) -> int:
    """What a block counts: each of its counts says what it counts (“6 succeeded, 54 planned
    09:37–11:00”, “…and 5 more”)."""
    found = re.findall(r"([\d,]+) [a-z]", text)
    assert found, text
    return sum(int(n.replace(",", "")) for n in found)


def test_every_hour_of_a_busy_week_shows_its_true_count(
        gui_factory: Any, utc_local_time: None) -> None:
    """Friday lists its first 300 fires (to 09:05); from that hour on each hour is a block
    with its count (54 at 09:00 and 10:00: 30 greetings, 12 shouts, 12 after), no hour
    given up to a "…and N more", and Sunday is counted past `pygreet`'s cut (16:44)."""
    gui = gui_factory(engine=False)
    _tester_s_tasks(gui)
    view = _open_calendar(gui, "week")
    grid = view.week.grid
    friday, sunday = date(2026, 12, 4), date(2026, 12, 6)
    texts = {d: [t for _r, h, t in grid.aggregates if h.day == d] for d in view.period.dates}
    assert not any(t.startswith("…and") for ts in texts.values() for t in ts), texts[friday]
    assert "54 planned 09:00–10:00" in texts[friday], texts[friday]
    assert "54 planned 10:00–11:00" in texts[friday], texts[friday]
    assert "30 planned 20:00–21:00" in texts[sunday], texts[sunday]
    for d in view.period.dates:
        if d <= NOW.date():
            continue
        entries = sum(1 for h in grid.hits if h.day == d and h.kind == "entry")
        shown = entries + sum(_count(t) for t in texts[d])
        assert shown == view.data.day(d).total == sum(_by_task(gui, d).values()), d
    view.week.scroll_to_hour(8)
    _shot(gui, "week")


def test_the_name_filter_follows_the_typing_and_its_clear_button(
        gui_factory: Any, utc_local_time: None) -> None:
    gui = gui_factory(engine=False)
    _tester_s_tasks(gui)
    view = _open_calendar(gui, "month")
    everything = sum(sum(d.future.values()) for d in view.data.days.values())
    line = view.bar.filter
    loads = view.loads
    gui.qtbot.mouseClick(line, Qt.MouseButton.LeftButton)
    gui.qtbot.keyClicks(line, "shout")  # no Enter
    _wait_read(gui, view, loads)
    gui.wait_until(lambda: "for 2 matching tasks" in view.status.text(), timeout=30)
    shouts = sum(sum(d.future.values()) for d in view.data.days.values())
    assert 0 < shouts < everything
    loads = view.loads
    clear = next(b for b in line.findChildren(QToolButton) if b.isVisible())
    gui.qtbot.mouseClick(clear, Qt.MouseButton.LeftButton)
    assert line.text() == ""
    _wait_read(gui, view, loads)
    gui.wait_until(lambda: "matching" not in view.status.text(), timeout=30)
    assert sum(sum(d.future.values()) for d in view.data.days.values()) == everything


def test_saving_an_edit_opened_from_the_calendar_stays_in_the_calendar(
        gui_factory: Any, utc_local_time: None) -> None:
    gui = gui_factory(engine=False)
    gui.service.create_task(command_task("Daily report", schedule={
        "kind": "cron", "expr": "30 10 * * *"}), now=NOW)
    view = _open_calendar(gui, "month")
    grid = view.month
    hit = grid.hit_for(lambda e: e.predicted and e.start.date() == date(2026, 12, 8))
    assert hit is not None
    gui.qtbot.mouseDClick(grid, Qt.MouseButton.LeftButton, pos=hit.rect.center().toPoint())
    gui.wait_until(lambda: gui.window.task_ops.editor is not None
                   and gui.window.task_ops.editor.isVisible())
    editor = gui.window.task_ops.editor
    gui.settle()
    gui.qtbot.keyClick(editor.general.name, Qt.Key.Key_End)
    gui.qtbot.keyClicks(editor.general.name, " (weekly)")
    gui.qtbot.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    gui.wait_until(lambda: closed(editor))
    gui.wait_until(lambda: any(t.name == "Daily report (weekly)"
                               for t in gui.service.list_tasks()))
    gui.quiet()
    assert gui.window.current_view() == CALENDAR


def test_today_is_shaded_by_the_views_clock_not_the_machines(
        gui_factory: Any, utc_local_time: None) -> None:
    gui = gui_factory(engine=False)
    spring = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # a Tuesday the machine is long past
    view = _open_calendar(gui, "month", now=spring)
    picture = view.month.grab().toImage()

    def fill(d: date) -> Any:
        cell = view.month.cells[d]
        return picture.pixelColor(int(cell.left()) + 4, int(cell.bottom()) - 4).name()

    today = spring.date()
    others = {fill(today + timedelta(days=k)) for k in (-2, -1, 1, 2)}
    assert len(others) == 1 and fill(today) not in others  # only the view's today stands out
