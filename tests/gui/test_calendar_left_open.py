"""The calendar in a window left open for days: its reads a few seconds apart reuse what is
still valid and leave next to nothing for the cyclic collector, which the window runs on its
GUI thread (a soak saw 300–500 ms stalls there during calendar reads).

A task that fires every few seconds moves its next fire at every read; the fires were kept
by that next fire, so each read built its fire sequence again and counted every day again.
The clock is pinned: the view reads at the times the test gives it."""

from __future__ import annotations

import gc
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.engine.fires import TaskFires
from app.gui.calendar import predictions
from app.gui.calendar.data import read_period
from app.gui.calendar.model import Period
from app.gui.main_window import CALENDAR
from app.gui.qt import Qt
from app.store import ledger
from tests.conftest import local_zone
from tests.gui.conftest import Gui, command_task

NOW = datetime(2026, 12, 3, 22, 6, tzinfo=UTC)  # Thu 3 Dec 2026, local days are UTC days


@pytest.fixture
def utc_local_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield from local_zone(monkeypatch, "UTC")


@pytest.fixture
def fires_made(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Fire sequences built (`new`) and windows counted on them (`count`), from any thread."""
    made: Counter[str] = Counter()
    lock = threading.Lock()
    built, counted = TaskFires.__init__, TaskFires.count

    def init(self: TaskFires, *args: Any) -> None:
        with lock:
            made["new"] += 1
        built(self, *args)

    def count(self: TaskFires, lo: float, hi: float) -> int:
        with lock:
            made["count"] += 1
        return counted(self, lo, hi)

    monkeypatch.setattr(TaskFires, "__init__", init)
    monkeypatch.setattr(TaskFires, "count", count)
    return made


def _read_at(gui: Gui, view: Any, now: datetime) -> Any:
    """The view reads at `now`: Today clicked (as the minute's refresh re-reads)."""
    view.now = lambda: now.astimezone()
    loads = view.loads
    gui.qtbot.mouseClick(view.bar.today, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: view.loads > loads and not view.busy and view.data is not None
                   and view.data.period == view.period and view.data.now == now.astimezone(),
                   timeout=60)
    return view.data


def _fired(gui: Gui, task_id: int, fire: datetime, following: datetime) -> None:
    """What the engine writes for a fire it ran: the run, then the task's next fire."""
    with gui.store.write():
        run_id = ledger.claim(task_id, fire, 1, "running", "schedule", fire, None)
        assert run_id is not None
        ledger.update(run_id, {"status": "succeeded", "started_at": fire,
                               "finished_at": fire + timedelta(seconds=1), "exit_code": 0})
        ledger.set_next_run([(task_id, following)])


def _fresh(gui: Gui, data: Any) -> dict[Any, dict[str, int]]:
    """The same read with nothing kept."""
    kept = dict(predictions._stores)
    predictions._stores.clear()
    try:
        fresh = read_period(gui.service, data.period, data.now)
    finally:
        predictions._stores.clear()
        predictions._stores.update(kept)
    return {d: dict(day.future) for d, day in fresh.days.items()}


def _future(data: Any) -> dict[Any, dict[str, int]]:
    return {d: dict(day.future) for d, day in data.days.items()}


def test_a_read_seconds_later_reuses_the_fires_and_shows_what_passed_and_changed(
        gui_factory: Any, utc_local_time: None, fires_made: Counter[str]) -> None:
    gui = gui_factory(engine=False)
    task = gui.service.create_task(command_task("every5", schedule={
        "kind": "interval", "seconds": 5}), now=NOW)
    view = gui.window.calendar_view
    view.now = lambda: NOW.astimezone()
    gui.qtbot.keyClick(gui.window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    gui.wait_until(lambda: gui.window.current_view() == CALENDAR)
    gui.qtbot.mouseClick(view.bar.modes.button(1), Qt.MouseButton.LeftButton)  # Week
    today = NOW.date()

    first = _read_at(gui, view, NOW + timedelta(seconds=1))
    assert view.period.mode == "week" and today in view.period.dates
    before = _future(first)
    assert first.day(today).entries[0].start == NOW + timedelta(seconds=5)
    assert before[today]["fire"] == 1367  # 22:06:05 to 23:59:55, every 5 s

    _fired(gui, task.id, NOW + timedelta(seconds=5), NOW + timedelta(seconds=10))
    fires_made.clear()
    second = _read_at(gui, view, NOW + timedelta(seconds=7))
    # the same sequence, its later days' counts kept: only today's rest is counted again
    # (before: a new sequence and each of the week's four days counted)
    assert fires_made == Counter({"count": 1}), fires_made
    day = second.day(today)
    assert [(e.kind, e.status, e.start) for e in day.entries[:2]] == [
        ("run", "succeeded", NOW + timedelta(seconds=5)),
        ("fire", "scheduled", NOW + timedelta(seconds=10))]
    assert dict(day.past) == {"succeeded": 1}
    assert _future(second) == {**before, today: {"fire": 1366}} == _fresh(gui, second)

    # a fire that passed with no engine to run it: the catch-up, then the sequence on
    fires_made.clear()
    third = _read_at(gui, view, NOW + timedelta(seconds=12))
    assert fires_made["new"] == 0, fires_made
    assert [(e.kind, e.start) for e in third.day(today).entries[1:3]] == [
        ("catch_up", NOW + timedelta(seconds=12)), ("fire", NOW + timedelta(seconds=15))]
    assert _future(third) == _fresh(gui, third)

    gui.service.update_task(task.id, {"schedule": {"kind": "interval", "seconds": 7}},
                            now=NOW + timedelta(seconds=13))
    changed = _read_at(gui, view, NOW + timedelta(seconds=14))
    starts = [e.start for e in changed.day(today).entries if e.kind == "fire"][:3]
    assert starts == [NOW + timedelta(seconds=s) for s in (14, 21, 28)], starts
    assert _future(changed) == _fresh(gui, changed)
    assert _future(changed)[today]["fire"] == 976  # 22:06:14 to 23:59:57, every 7 s


def test_a_read_leaves_next_to_nothing_for_the_collector(
        service: Any, utc_local_time: None) -> None:
    """Three days of 51 tasks, 20 of them played through the dispatcher (one at a time in
    their groups): its fires shared by tasks alike were keyed by a tuple of two tuples per
    fire stepped, in the simulated engine's cycle — 14,000 objects for the collector each
    read; a read that reused the listing built that engine anyway, to let go of nothing
    (~200). The window's collector is off here as in the window: never turned on."""
    service.create_task(command_task("every5", schedule={"kind": "interval", "seconds": 5}),
                        now=NOW)
    for i in range(30):
        service.create_task(command_task(f"lone{i}", schedule={
            "kind": "interval", "seconds": 60 * (i + 1)}), now=NOW)
    for i in range(20):
        service.create_task(command_task(f"held{i}", group=f"g{i % 4}", group_limit=1,
                                         schedule={"kind": "cron",
                                                   "expr": f"*/{i % 5 + 1} * * * *"}), now=NOW)
    period = Period("week", NOW.date(), NOW.date(), 3)
    predictions._stores.clear()

    def left_by_a_read(at: datetime) -> tuple[int, Counter[str]]:
        gc.collect()
        was = gc.isenabled()
        gc.disable()
        try:
            data = read_period(service, period, at)
            assert any(e.task_name == "held0" for e in data.day(NOW.date()).entries)
            del data
            gc.set_debug(gc.DEBUG_SAVEALL)
            try:
                left = gc.collect()
                kinds = Counter(type(o).__name__ for o in gc.garbage)
            finally:
                gc.set_debug(0)
                gc.garbage.clear()
            gc.collect()  # (what SAVEALL kept)
        finally:
            if was:
                gc.enable()
        return left, kinds

    played, kinds = left_by_a_read(NOW + timedelta(seconds=1))
    assert played < 1_000, kinds.most_common(5)  # ~200: the simulated engine's parts
    reused, kinds = left_by_a_read(NOW + timedelta(seconds=2))  # the listing kept
    assert reused < 50, kinds.most_common(5)
