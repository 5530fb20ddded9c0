"""The calendar by point and click: what ran and what will run on the right days, dragging
a one-shot task to reschedule it, a busy day's count opening its list."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from app.core.schedule import system_timezone_name
from app.gui.calendar.data import Entry, day_start, period_for
from app.gui.calendar.hours import HOUR_PX
from app.gui.qt import QApplication, QEvent, QHelpEvent, QPoint, Qt, QToolTip
from tests.gui.conftest import SCREENSHOTS, Gui, closed, command_task


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute)).astimezone()


def _insert_run(gui: Gui, task_id: int, at: datetime, status: str = "succeeded",
                seconds: float = 95.0) -> int:
    from app.store import runs
    from app.store.models import RunRow

    with gui.store.write():
        run_id = runs.insert(task_id, at, status=status, trigger="schedule", now=at)
        assert run_id is not None
        RunRow.update(started_at=at, finished_at=at + timedelta(seconds=seconds),
                      exit_code=0 if status == "succeeded" else 1).where(
            RunRow.id == run_id).execute()
    return run_id


def _tooltip(widget: Any, pos: QPoint) -> str:
    """The tooltip a person resting the pointer at `pos` sees."""
    QToolTip.hideText()
    QApplication.sendEvent(widget, QHelpEvent(QEvent.Type.ToolTip, pos,
                                              widget.mapToGlobal(pos)))
    return str(QToolTip.text())


def show_calendar(gui: Gui, mode: str, day: date) -> Any:
    view = gui.window.calendar_view
    gui.window.show_view(1)
    loads = view.loads
    view.set_mode(mode, day)
    gui.wait_until(lambda: view.loads > loads and view.data is not None
                   and view.data.period == view.period and not view.busy, timeout=20)
    gui.qtbot.wait(10)
    return view


def _grid(view: Any) -> Any:
    return view.month if view.period.mode == "month" else view.week.grid


def _centre(rect: Any) -> QPoint:
    return rect.center().toPoint()


def test_past_run_and_future_fire_of_one_task_on_their_days(gui: Gui) -> None:
    today = datetime.now().astimezone().date()
    yesterday, tomorrow = today - timedelta(days=1), today + timedelta(days=1)
    task = gui.service.create_task(command_task(
        "Daily report", schedule={"kind": "cron", "expr": "30 10 * * *"},
        timezone=system_timezone_name()))
    _insert_run(gui, task.id, _local(yesterday - timedelta(days=1), 10, 30), seconds=95)
    run_id = _insert_run(gui, task.id, _local(yesterday, 10, 30), "failed")
    view = show_calendar(gui, "month", yesterday)
    data = view.data
    past = [e for e in data.day(yesterday).entries if e.task_id == task.id]
    assert [(e.run_id, e.status, e.predicted) for e in past] == [(run_id, "failed", False)]
    future = [e for e in data.day(tomorrow).entries if e.task_id == task.id]
    assert len(future) == 1 and future[0].predicted
    assert future[0].start == _local(tomorrow, 10, 30)
    assert future[0].duration_s == 95.0  # the typical (successful) duration from history
    grid = view.month
    shown = grid.entries_shown()
    assert any(e.run_id == run_id for e in shown)
    assert any(e.predicted and e.task_id == task.id and e.start.date() == tomorrow
               for e in shown)

    # a click selects the past run and says what it is; a double-click opens it in the Runs
    # view; Enter on the selected prediction opens the task's editor
    hit = grid.hit_for(lambda e: e.run_id == run_id)
    gui.qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=_centre(hit.rect))
    assert gui.window.current_view() == 1 and grid.hasFocus()
    assert view.picked_line.isVisible()
    assert view.picked_line.text().startswith(f"Selected: Daily report: run {run_id} failed")
    assert view.picked_line.text().endswith("Enter or double-click to open the run")
    gui.qtbot.mouseDClick(grid, Qt.MouseButton.LeftButton, pos=_centre(hit.rect))
    gui.wait_until(lambda: gui.window.current_view() == 3)
    gui.wait_until(lambda: gui.window.runs_view.detail.run is not None
                   and gui.window.runs_view.detail.run.id == run_id)
    view = show_calendar(gui, "day", tomorrow)
    hit = view.week.grid.hit_for(lambda e: e.task_id == task.id and e.predicted)
    assert hit is not None
    gui.qtbot.mouseClick(view.week.grid, Qt.MouseButton.LeftButton, pos=_centre(hit.rect))
    assert gui.window.task_ops.editor is None
    assert "Daily report: planned" in view.picked_line.text()
    gui.qtbot.keyClick(view.week.grid, Qt.Key.Key_Return)
    gui.wait_until(lambda: getattr(gui.window.task_ops, "editor", None) is not None)
    editor = gui.window.task_ops.editor
    gui.wait_until(lambda: editor.isVisible())
    assert editor.general.name.text() == "Daily report"
    editor.discard()
    gui.wait_until(lambda: closed(editor))


def _drag(gui: Gui, widget: Any, start: QPoint, end: QPoint) -> None:
    gui.qtbot.mousePress(widget, Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, 6):
        gui.qtbot.mouseMove(widget, start + (end - start) * (step / 5))
    gui.qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=end)


def _one_shot_at(gui: Gui, name: str) -> datetime:
    at = gui.service.get_task(name).spec.schedule.at
    assert at is not None
    return at


def test_dragging_a_one_shot_fire_reschedules_it(gui: Gui) -> None:
    tomorrow = datetime.now().astimezone().date() + timedelta(days=1)
    gui.service.create_task(command_task(
        "Renew certificate", schedule={"kind": "date", "at": _local(tomorrow, 10).isoformat()}))
    gui.service.create_task(command_task("Nightly", schedule={"kind": "cron",
                                                              "expr": "0 3 * * *"}))
    view = show_calendar(gui, "week", tomorrow)
    grid = view.week.grid
    hit = grid.hit_for(lambda e: e.task_name == "Renew certificate")
    assert hit is not None and grid.draggable(hit.entry)
    assert not grid.draggable(grid.hit_for(lambda e: e.task_name == "Nightly").entry)
    start = hit.rect.topLeft().toPoint() + QPoint(10, 5)
    _drag(gui, grid, start, start + QPoint(0, int(2.5 * HOUR_PX)))  # 2½ hours later
    gui.wait_until(lambda: _one_shot_at(gui, "Renew certificate") == _local(tomorrow, 12, 30))
    events = gui.service.audit_events(search="task.update")
    assert events and events[0]["target"] == "Renew certificate" and events[0]["actor"] == "gui"
    gui.wait_until(lambda: any(e.task_name == "Renew certificate"
                               and e.start == _local(tomorrow, 12, 30)
                               for e in view.data.day(tomorrow).entries))

    # in the month, a one-shot moves to another day at the same time of day
    view = show_calendar(gui, "month", tomorrow)
    later = tomorrow + timedelta(days=1)  # the six-week grid always shows the next day
    hit = view.month.hit_for(lambda e: e.task_name == "Renew certificate")
    assert hit is not None
    _drag(gui, view.month, _centre(hit.rect), _centre(view.month.cells[later]))
    gui.wait_until(lambda: _one_shot_at(gui, "Renew certificate") == _local(later, 12, 30))

    # into the past: refused in place, nothing changed
    past = _local(datetime.now().astimezone().date() - timedelta(days=2), 9)
    view.reschedule(Entry("fire", gui.service.get_task("Renew certificate").id,
                          "Renew certificate", _local(later, 12, 30), None, "scheduled",
                          one_shot=True), past)
    assert "past" in view.banner.text()
    assert _one_shot_at(gui, "Renew certificate") == _local(later, 12, 30)


def test_a_busy_day_shows_counts_and_opens_a_list(gui: Gui) -> None:
    tomorrow = datetime.now().astimezone().date() + timedelta(days=1)
    gui.service.create_task(command_task("Every minute",
                                         schedule={"kind": "interval", "seconds": 60}))
    gui.service.create_task(command_task(
        "Renew certificate", schedule={"kind": "date", "at": _local(tomorrow, 9).isoformat()}))
    view = show_calendar(gui, "month", tomorrow)
    day = view.data.day(tomorrow)
    assert day.total > 40  # (the simulation lists 2,000 fires of one task: ≥ 9 h of tomorrow)
    grid = view.month
    assert not [e for e in grid.entries_shown() if e.start.astimezone().date() == tomorrow]
    more = next(h for h in grid.hits if h.kind == "more" and h.day == tomorrow)
    assert _tooltip(grid, _centre(more.rect)) == (
        f"{day.total:,} runs and predictions: click for the list")
    gui.qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=_centre(more.rect))
    gui.wait_until(lambda: view.day_list is not None)
    dialog = view.day_list
    gui.wait_until(lambda: dialog.model.rowCount() == 1441)
    assert "1,441 planned" in dialog.heading.text()
    dialog.search.setText("renew")
    assert dialog.proxy.rowCount() == 1
    index = dialog.proxy.index(0, 1)
    rect = dialog.table.visualRect(index)
    gui.qtbot.mouseClick(dialog.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    gui.qtbot.keyClick(dialog.table, Qt.Key.Key_Return)  # opens the row, as a double-click
    gui.wait_until(lambda: closed(dialog))
    gui.wait_until(lambda: getattr(gui.window.task_ops, "editor", None) is not None)
    editor = gui.window.task_ops.editor
    gui.wait_until(lambda: editor.isVisible())
    assert editor.general.name.text() == "Renew certificate"
    editor.discard()

    # the week view draws the busy hours as counts, never a pile of tiny boxes
    view = show_calendar(gui, "week", tomorrow)
    grid = view.week.grid
    assert grid.aggregates and all(h.rect.height() >= 20 for h in grid.hits if h.kind == "entry")
    said = [text for _r, _h, text in grid.aggregates]
    view.grab().save(str(SCREENSHOTS / "calendar-week-busy.png"))
    assert all("between" not in text for text in said)  # one form: “N planned 09:00–10:00”
    assert any(re.search(r" \d\d:\d\d–\d\d:00", text) for text in said), said
    # the block's words whole in its tooltip, however many fit in the box
    assert _tooltip(grid, _centre(grid.aggregates[0][0])) == (
        f"{said[0]}\nClick for the list of this day")


def test_day_list_model_passes_the_model_tester(gui: Gui, qtmodeltester: Any) -> None:
    from app.gui.calendar.day_list import DayListModel

    now = datetime.now().astimezone()
    model = DayListModel()
    model.set_entries([Entry("run", 1, "a", now, 5.0, "succeeded", 7),
                       Entry("fire", 1, "a", now + timedelta(hours=1), None, "scheduled")])
    qtmodeltester.check(model)


def test_periods_cover_whole_weeks_and_local_midnights() -> None:
    p = period_for("month", date(2026, 3, 15))
    assert p.first == date(2026, 2, 23) and p.days == 42 and p.first.weekday() == 0
    assert p.moved(1).anchor == date(2026, 4, 1) and p.moved(-3).anchor == date(2025, 12, 1)
    w = period_for("week", date(2026, 3, 15))
    assert w.first == date(2026, 3, 9) and w.moved(1).anchor == date(2026, 3, 22)
    assert day_start(date(2026, 3, 15)).hour == 0


def screenshots(gui: Gui) -> None:
    """Month, week and day in light and dark, at three window sizes."""
    SCREENSHOTS.mkdir(exist_ok=True)
    window = gui.window
    today = datetime.now().astimezone().date()
    for width, height in ((1280, 760), (800, 500), (1600, 1000)):
        window.resize(width, height)
        size = "" if width == 1280 else f"-{width}x{height}"
        for scheme in ("light", "dark"):
            window.set_scheme(scheme)
            for mode in ("month", "week", "day"):
                show_calendar(gui, mode, today)
                gui.qtbot.wait(20)
                shot = SCREENSHOTS / f"calendar-{mode}{size}-{scheme}.png"
                assert window.grab().save(str(shot))
    window.set_scheme("system")


def test_screenshots_of_a_lived_in_calendar(gui: Gui) -> None:
    today = datetime.now().astimezone().date()
    tz = system_timezone_name()
    s = gui.service
    backup = s.create_task(command_task("Back up notes", timezone=tz,
                                        schedule={"kind": "cron", "expr": "0 2 * * *"}))
    report = s.create_task(command_task("Mail the summary", timezone=tz,
                                        schedule={"kind": "cron", "expr": "0 8,17 * * 1-5"}))
    s.create_task(command_task("Pull reports", timezone=tz,
                               schedule={"kind": "interval", "seconds": 3 * 3600}))
    s.create_task(command_task("Weekly cleanup", timezone=tz,
                               schedule={"kind": "cron", "expr": "30 9 * * 1"}))
    s.create_task(command_task("Renew certificate", schedule={
        "kind": "date", "at": _local(today + timedelta(days=2), 11).isoformat()}))
    for back in range(1, 20):
        day = today - timedelta(days=back)
        _insert_run(gui, backup.id, _local(day, 2), seconds=1500)
        if day.weekday() < 5:
            _insert_run(gui, report.id, _local(day, 8), "failed" if back % 6 == 0 else
                        "succeeded", seconds=40)
            _insert_run(gui, report.id, _local(day, 17), seconds=35)
    screenshots(gui)


def test_a_busy_today_shows_what_is_still_to_come_beside_what_ran() -> None:
    """A month cell has room for a few lines: today, with runs of three kinds behind it and
    predictions ahead, still shows its largest prediction (it showed only the runs); a day
    with room for all shows all, runs first; a later day shows its predictions. The lines
    add up to the day's count, the last saying the rest when they do not all fit, with a
    day's failures kept (2 of a day's lines were cut off with no sign)."""
    from collections import Counter

    from app.gui.calendar.model import Day
    from app.gui.calendar.words import summary

    today = Day(past=Counter(succeeded=2595, failed=16, skipped=9),
                future=Counter(fire=39_584, delayed=12))
    assert [w for _k, w, _n in summary(today, 3)][-2] == "planned"
    assert [w for _k, w, _n in summary(today, 4)] == [
        "failed", "succeeded", "planned", "+21 more: 9 skipped, 12 delayed"]
    assert [n for _k, _w, n in summary(today, 3)] == [16, 39_584, 2616]  # failures kept
    assert [w for _k, w, _n in summary(today, 1)] == [
        "16 failed, 2,595 succeeded, 9 skipped, 39,584 planned, 12 delayed"]
    assert [n for _k, _w, n in summary(today, 9)] == [16, 2595, 9, 39_584, 12]  # a failure first
    later = Day(future=Counter(fire=93_089, delayed=192, skipped=122, chain=7))
    assert [n for _k, _w, n in summary(later, 3)] == [93_089, 192, 129]  # and 7 more
    past = Day(past=Counter(succeeded=581, failed=19))
    assert [n for _k, _w, n in summary(past, 3)] == [19, 581]


def test_week_and_day_open_on_the_day_pointed_at_in_the_month(gui: Gui) -> None:
    """Pick an entry on a day of another week, then Week: the week of that day, and Day:
    that day (they showed today's week and today: a newcomer's run-through)."""
    from app.gui.calendar.data import MODES

    today = datetime.now().astimezone().date()
    target = today + timedelta(days=8)
    if target.month != today.month:
        target = today - timedelta(days=8)
    task = gui.service.create_task(command_task(
        "Daily", schedule={"kind": "cron", "expr": "30 10 * * *"},
        timezone=system_timezone_name()))
    if target < today:
        _insert_run(gui, task.id, _local(target, 10, 30))
    view = show_calendar(gui, "month", today)
    grid = view.month
    hit = grid.hit_for(lambda e: e.task_id == task.id and e.start.astimezone().date() == target)
    assert hit is not None
    gui.qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=_centre(hit.rect))
    for mode in ("week", "day"):
        gui.qtbot.mouseClick(view.bar.modes.button(MODES.index(mode)),
                             Qt.MouseButton.LeftButton)
        gui.wait_until(lambda m=mode: view.period.mode == m)
        assert target in view.period.dates, (mode, view.period)
    assert view.period.anchor == target
    gui.qtbot.mouseClick(view.bar.today, Qt.MouseButton.LeftButton)  # Today still goes there
    gui.wait_until(lambda: view.period.anchor == today)
    gui.qtbot.mouseClick(view.bar.modes.button(MODES.index("week")), Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: view.period.mode == "week")
    assert today in view.period.dates  # and the day pointed at before is forgotten


def test_a_busy_day_s_named_tasks_add_up_to_its_planned_count() -> None:
    """A busy month cell names its busiest tasks (three at most) and says the planned fires
    of the others, so its lines add up to the "planned" count (with a fourth task, "50
    planned" listed 36 + 12 + 1 and said nothing of the last: a newcomer's run-through)."""
    from collections import Counter

    from app.gui.calendar.model import Day
    from app.gui.calendar.words import busiest_lines

    day = Day(future=Counter(fire=50), busiest=[("cronny", 36), ("every2h", 12),
                                                ("nightly", 1)])
    assert busiest_lines(day, 5) == ["36× cronny", "12× every2h", "1× nightly",
                                     "+1 by other tasks"]
    assert busiest_lines(day, 3) == ["36× cronny", "12× every2h", "+2 by other tasks"]
    assert busiest_lines(day, 1) == ["36× cronny"]  # no room to say more
    assert busiest_lines(day, 0) == []
    whole = Day(future=Counter(fire=49), busiest=day.busiest)
    assert busiest_lines(whole, 3) == ["36× cronny", "12× every2h", "1× nightly"]
    # runs after an upstream count among the busiest too (a review's finding); catch-ups
    # (counted apart) do not
    chained = Day(future=Counter(fire=30, chain=20, catch_up=4),
                  busiest=[("a", 20), ("b", 20), ("c", 5)])
    assert busiest_lines(chained, 5) == ["20× a", "20× b", "5× c", "+5 by other tasks"]


def test_a_fire_just_before_a_busy_hour_is_counted_from_its_own_time(gui: Gui) -> None:
    """A fire too close to a busy hour to get a box of its own joins that hour's block: the
    block starts at it, in its own hour, and says its time first."""
    tomorrow = datetime.now().astimezone().date() + timedelta(days=1)
    gui.service.create_task(command_task("Every minute at ten", schedule={
        "kind": "cron", "expr": "* 10 * * *"}, timezone=system_timezone_name()))
    for name, minute in (("Renew certificate", 40), ("Rotate keys", 37)):
        gui.service.create_task(command_task(name, schedule={
            "kind": "date", "at": _local(tomorrow, 9, minute).isoformat()}))
    view = show_calendar(gui, "day", tomorrow)
    grid = view.week.grid  # (the day view is the time grid of one day)
    block = next((r, text) for r, _h, text in grid.aggregates if "09:" in text)
    assert block[1] == "62 planned 09:37–11:00"  # one form: to the hour's end, as any day
    assert block[0].top() == grid.y_of(_local(tomorrow, 9, 37), tomorrow) < 10 * HOUR_PX
    assert block[0].bottom() == 11 * HOUR_PX - 1


def test_today_s_time_grid_opens_where_things_run_now(gui_factory: Any) -> None:
    """A busy day (a fire every 3 minutes) opens at the present, not at the small hours:
    what runs now is in sight. The view's clock is pinned to an afternoon (on the real one
    the test failed in the day's last 3 minutes: the next fire was tomorrow's)."""
    gui = gui_factory(engine=False)
    today = datetime.now().astimezone().date()
    now = _local(today, 15, 40)
    gui.window.calendar_view.now = lambda: now
    task = gui.service.create_task(command_task("Every three minutes",
                                                schedule={"kind": "interval", "seconds": 180}),
                                   now=now.astimezone(UTC))
    _insert_run(gui, task.id, _local(today, 0, 5))  # it ran in the small hours too
    view = show_calendar(gui, "day", today)
    gui.settle()
    top = view.week.verticalScrollBar().value()
    y_now = view.week.grid.y_of(now, today)
    assert top <= y_now <= top + view.week.viewport().height(), (top, y_now)


def test_a_day_whose_fires_are_counted_not_listed_shows_its_counts(gui: Gui, qtbot: Any
                                                                   ) -> None:
    """Past the month's listing limit a day's fires are counted, not listed: a weekend day
    of 12 such fires showed "+12 more…" and nothing else, while busier days showed their
    counts (found by a window run-through). Such a day shows its counts too."""
    from app.gui.calendar.data import read_period
    from app.gui.calendar.month import MonthGrid

    gui.service.create_task(command_task("bihourly", schedule={"kind": "cron",
                                                               "expr": "0 */2 * * *"}))
    now = datetime(2030, 1, 1, tzinfo=UTC)
    data = read_period(gui.service, period_for("month", date(2030, 1, 15)), now)
    late = date(2030, 1, 20)
    assert data.day(late).total == 12
    data.day(late).entries.clear()  # as a day counted past the listing comes: none listed
    grid = MonthGrid()
    grid.resize(1200, 800)
    grid.set_data(data)
    grid.show()
    qtbot.waitExposed(grid)
    grid.grab()  # laid out and painted
    assert late in grid.summed
    assert date(2030, 1, 2) not in grid.summed  # a listed day shows its fires


def test_the_keyboard_picks_an_entry_and_enter_opens_it(gui: Gui) -> None:
    """Ctrl+2 puts the keyboard on the grid; the arrows move a cursor over the hours (the
    first in sight where the day opens: its first entry's), Down steps into an hour's
    entries, each said under the grid, and Enter opens the one selected, as a double-click
    does, or an hour's one entry."""
    tomorrow = datetime.now().astimezone().date() + timedelta(days=1)
    for name, hour in (("Early", 8), ("Late", 17)):
        gui.service.create_task(command_task(
            name, schedule={"kind": "cron", "expr": f"0 {hour} * * *"},
            timezone=system_timezone_name()))
    view = show_calendar(gui, "day", tomorrow)
    gui.window.show_view(0)
    gui.qtbot.keyClick(gui.window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    grid = view.week.grid
    gui.wait_until(lambda: grid.hasFocus())
    assert not view.picked_line.isVisible() and gui.window.task_ops.editor is None
    gui.qtbot.keyClick(grid, Qt.Key.Key_Down)
    assert view.picked is None
    assert view.picked_line.text() == (f"Selected: {tomorrow:%A} {tomorrow.day} {tomorrow:%B}, "
                                       "08:00, 1 planned · Enter to edit the task")
    gui.qtbot.keyClick(grid, Qt.Key.Key_Down)  # into the hour
    assert view.picked is not None and view.picked.task_name == "Early"
    assert view.picked_line.text().startswith("Selected: Early: planned at")
    for _ in range(10):  # 09:00 … 17:00, then into it
        gui.qtbot.keyClick(grid, Qt.Key.Key_Down)
    assert view.picked.task_name == "Late" and "Late" in view.picked_line.text()
    gui.wait_until(lambda: "“Late”" in gui.window.task_ops.run_now.toolTip())
    gui.qtbot.keyClick(grid, Qt.Key.Key_Up)  # out of the hour: its cell
    assert view.picked is None and ", 17:00, 1 planned" in view.picked_line.text()
    for _ in range(9):
        gui.qtbot.keyClick(grid, Qt.Key.Key_Up)
    assert ", 08:00, 1 planned" in view.picked_line.text()
    grid.grab().save(str(SCREENSHOTS / "calendar-day-picked.png"))
    gui.qtbot.keyClick(grid, Qt.Key.Key_Return)  # the hour's one entry
    gui.wait_until(lambda: gui.window.task_ops.editor is not None
                   and gui.window.task_ops.editor.isVisible())
    editor = gui.window.task_ops.editor
    assert editor.general.name.text() == "Early"
    editor.discard()
    gui.wait_until(lambda: closed(editor))


def test_a_busy_hour_reads_in_one_form_and_a_cut_block_ends_in_an_ellipsis(qapp: Any) -> None:
    """Today's current hour said “38 between 16:24 and 16:59: 5 succeeded, 1…” beside
    “60 planned 17:00–18:00” on other days: every hour block now says its span to the
    hour's end, after its counts, each with its word (not “38 16:24–17:00: 5 succeeded, …”),
    and words that do not fit the box end in "…" on its last line."""
    from app.gui.calendar.boxes import fitted
    from app.gui.calendar.words import hour_words
    from app.gui.qt import QFontMetrics

    at = datetime(2026, 12, 4, 16, 24).astimezone()
    runs = [Entry("run", 1, "a", at + timedelta(minutes=i), 1.0, "succeeded", i)
            for i in range(5)] + [Entry("run", 1, "a", at + timedelta(minutes=5), 1.0,
                                        "failed", 9)]
    plans = [Entry("fire", 1, "a", at + timedelta(minutes=6 + i), None, "scheduled")
             for i in range(32)]
    text = "1 failed, 5 succeeded, 32 planned 16:24–17:00"  # each count with its word
    assert hour_words(16, 0, runs + plans, "16:24") == text
    assert hour_words(17, 60, []) == "60 planned 17:00–18:00"  # as every other day says it
    metrics = QFontMetrics(QApplication.font())
    width = metrics.horizontalAdvance("1 failed, 5 succeeded,") + 2
    lines = fitted(text, metrics, width, metrics.lineSpacing() * 2 + 1).split("\n")
    assert lines[0] == "1 failed, 5 succeeded," and len(lines) == 2 and lines[1].endswith("…")
    whole = fitted(text, metrics, width, metrics.lineSpacing() * 9)
    assert re.sub(r"(?<!–)\n", " ", whole).replace("\n", "") == text
    # a span wider than the block breaks after its dash; a word wider still ends in "…"
    narrow = metrics.horizontalAdvance("16:24–") + 2
    assert fitted("16:24–17:00", metrics, narrow, metrics.lineSpacing() * 2) == "16:24–\n17:00"
    assert all(metrics.horizontalAdvance(line) <= narrow for line in fitted(
        "unbelievably", metrics, narrow, metrics.lineSpacing() * 2).split("\n"))


def test_a_run_that_waited_then_ran_reads_so_in_the_day_list() -> None:
    """The day list showed a finished run's note as stored, "held back: at most 1 run of
    this task at a time…", as if it still waited (a run-through; `run show` said
    "waited: …"): it reads as the run's details read it."""
    from app.gui.calendar.data import run_entry

    entry = run_entry(7, 1, "bigmem", "succeeded", "2026-06-01T10:00:00+00:00",
                      "2026-06-01T10:00:05+00:00", "2026-06-01T10:00:09+00:00",
                      "held back: at most 1 run of this task at a time: it starts when one "
                      "ends", datetime(2026, 6, 1, 11, tzinfo=UTC))
    assert entry.reason == "waited: at most 1 run of this task at a time"


def test_a_block_of_many_runs_some_failed_is_in_a_failure_s_colour(qapp: Any) -> None:
    """An hour of 12 succeeded and 3 failed runs was one plain green block (a run-through),
    then green with a thin stripe: its outline is in the failure's colour; not when none
    failed."""
    from collections import Counter

    from PySide6.QtGui import QImage

    from app.gui.calendar.boxes import paint_aggregate
    from app.gui.qt import QColor, QPainter, QRectF
    from app.gui.widgets import display

    def left_edge(counts: Counter[str]) -> QColor:
        image = QImage(120, 60, QImage.Format.Format_RGB32)
        image.fill(QColor("white"))
        painter = QPainter(image)
        paint_aggregate(painter, QRectF(0, 0, 120, 60), counts, Counter(), "",
                        QApplication.palette(), False)
        painter.end()
        return image.pixelColor(60, 0)  # the top of its outline

    red = display.status_colour("failed", False)
    assert left_edge(Counter(succeeded=12, failed=3)) == red
    assert left_edge(Counter(succeeded=12)) != red
