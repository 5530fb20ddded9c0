"""The window's collector runs a full collection only when CPython's would: when the objects
that survived middle collections since the last full one are at least a quarter of those
the last one left in the oldest generation (app/gui/collector.py). It ran one every eleventh
middle collection, whatever had grown: with 100,000 tasks in the Graph each held the GUI
thread 85–140 ms.

Decided by the collector's own choices (the generations it collects), never by time.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator

import pytest

from app.gui import collector
from app.gui.collector import generation_due
from tests.gui.conftest import Gui
from tests.gui.test_collector import _generations_collected

THRESHOLDS = (700, 10, 10)


def test_the_rule_is_cpythons() -> None:
    """`gc_collect_generations`: the oldest generation whose count passed its threshold, the
    oldest only with a quarter grown — else the next one down whose count passed."""
    assert generation_due((700, 11, 11), THRESHOLDS, 10**6, 0) is None  # nothing made
    assert generation_due((701, 3, 4), THRESHOLDS, 0, 0) == 0
    assert generation_due((701, 11, 4), THRESHOLDS, 0, 0) == 1
    assert generation_due((701, 11, 11), THRESHOLDS, 249, 1000) == 1  # little survived
    assert generation_due((701, 11, 11), THRESHOLDS, 250, 1000) == 2  # a quarter more did
    assert generation_due((701, 3, 11), THRESHOLDS, 249, 1000) == 0
    assert generation_due((701, 3, 11), THRESHOLDS, 250, 1000) == 2
    assert generation_due((10**6, 11, 11), (0, 10, 10), 250, 1000) is None  # turned off


@pytest.fixture
def quiet_window(gui_factory: Callable[..., Gui]) -> Iterator[Gui]:
    """A window without an engine (no other thread makes objects meanwhile), whose counts
    ask for a middle collection after each young one, and a full one after each middle one
    (where the rule allows it): each look of the collector decides one step."""
    gui = gui_factory(engine=False)
    gui.quiet()
    was = gc.get_threshold()
    gc.set_threshold(was[0], 0, 0)
    try:
        yield gui
    finally:
        gc.set_threshold(*was)


def _look(kept: list[object], make: Callable[[int], object], count: int) -> list[int]:
    """`count` objects made and kept alive, then one look of the window's collector: the
    generations it collected."""
    kept.extend(make(i) for i in range(count))
    return _generations_collected(collector.collect_due)


def _after_a_full_collection() -> int:
    """Everything alive now in the oldest generation; how many objects that is."""
    gc.collect()
    assert collector.collect_due() is None  # the look after it counts them
    return len(gc.get_objects(2))


def test_no_full_collection_while_little_survived_and_one_once_a_quarter_more_did(
        quiet_window: Gui) -> None:
    young = gc.get_threshold()[0] + 1
    # the oldest generation as a big home's window has it, whatever this process froze
    # before (an earlier test's engine or calendar: frozen objects are in none of them)
    kept: list[object] = [[i] for i in range(50 * young)]
    oldest = _after_a_full_collection()
    assert oldest > 40 * young  # (little is little beside it)
    seen: list[int] = []
    for _ in range(8):  # young and middle collections, a few thousand surviving
        seen += _look(kept, lambda i: [i], young)
    assert seen.count(1) >= 3 and 2 not in seen, seen  # (every other one was full)

    seen = _look(kept, lambda i: [i], oldest // 4 + young)  # a quarter more, kept
    seen += _look(kept, lambda i: [i], young)
    seen += _look(kept, lambda i: [i], young)
    assert seen[-1] == 2 and seen.count(2) == 1, seen  # once they passed a middle one


def test_rows_of_plain_values_kept_are_not_counted_as_grown(quiet_window: Gui) -> None:
    """Tuples of plain values (the rows a read returns) are untracked by the collection that
    first walks them; CPython counts what survives after that, and so does the window: the
    Graph's 100,000 rows read on a pool thread at each edit made full collections due."""
    kept: list[object] = []
    oldest = _after_a_full_collection()
    young = gc.get_threshold()[0] + 1
    seen: list[int] = []
    for count in (young, oldest // 2, young, young, young, young):
        seen += _look(kept, lambda i: (i, f"task {i}"), count)
    assert seen.count(1) >= 2 and 2 not in seen, seen
    assert not any(gc.is_tracked(row) for row in kept[:100])
