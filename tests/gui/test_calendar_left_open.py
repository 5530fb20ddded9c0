"""The calendar in a window left open for days: its reads leave next to nothing for the
cyclic collector, which the window runs on its GUI thread (a soak saw 300–500 ms stalls
there during calendar reads)."""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.gui.calendar import predictions
from app.gui.calendar.data import read_period
from app.gui.calendar.model import Period
from tests.conftest import local_zone
from tests.gui.conftest import command_task

NOW = datetime(2026, 12, 3, 22, 6, tzinfo=UTC)  # Thu 3 Dec 2026, local days are UTC days


@pytest.fixture
def utc_local_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield from local_zone(monkeypatch, "UTC")


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
