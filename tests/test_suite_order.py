"""The suite's own order (tests/support/ordering.py): long waiters spread among the tests
that work the CPU, longest first in each, and both kinds of durations file read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support import ordering


def test_long_waiters_are_spread_among_the_workers_longest_first_in_each() -> None:
    seconds = {"wait27": 27.0, "wait26": 26.0, "wait21": 21.0, "wait2": 2.0,
               "work10": 10.0, "work9": 9.0, "work8": 8.0, "work7": 7.0, "work6": 6.0,
               "work5": 5.0, "work4": 4.0, "work1": 1.0}
    waiters = ["wait2", "wait21", "wait26", "wait27"]
    workers = ["work1", "work4", "work5", "work6", "work7", "work8", "work9", "work10"]
    order = ordering.merge_at_one_pace(waiters, workers, seconds)
    assert sorted(order) == sorted(seconds)
    assert [n for n in order if n.startswith("wait")] == ["wait27", "wait26", "wait21", "wait2"]
    assert [n for n in order if n.startswith("work")] == [
        "work10", "work9", "work8", "work7", "work6", "work5", "work4", "work1"]
    # longest first alone would start with all three long waiters; here workers come between
    assert order[:3] == ["wait27", "work10", "work9"]
    assert order.index("wait26") > order.index("work9")
    # each list is used up at the same pace: at no point is one ahead by more than one unit
    done = {"wait": 0.0, "work": 0.0}
    totals = {"wait": 76.0, "work": 50.0}
    for name in order:
        done[name[:4]] += seconds[name]
        other = "work" if name.startswith("wait") else "wait"
        assert done[name[:4]] / totals[name[:4]] - done[other] / totals[other] <= 27 / 76


@pytest.mark.parametrize("text, expected", [
    ('{"t::a": 1.5}', {"t::a": (1.5, None)}),                       # seconds only
    ('{"t::a": [1.5, 0.25]}', {"t::a": (1.5, 0.25)}),               # seconds and CPU
    ('{"t::a": "x"}', {}),                                          # damaged: no order
    ("not json", {}),
])
def test_both_kinds_of_durations_file_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               text: str, expected: dict[str, object]) -> None:
    path = tmp_path / "durations.json"
    path.write_text(text)
    monkeypatch.setattr(ordering, "DURATIONS", path)
    assert ordering._recorded() == expected


def test_the_recorded_file_has_seconds_and_cpu_for_every_test() -> None:
    data = json.loads(ordering.DURATIONS.read_text())
    assert len(data) > 1000
    assert all(isinstance(v, list) and len(v) == 2 and v[0] >= 0 and v[1] >= 0
               for v in data.values())
    assert not any("@" in k.rpartition("::")[2].partition("[")[0] for k in data)
