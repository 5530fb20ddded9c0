"""With a window open, cyclic garbage is freed on the GUI thread, whoever allocates.

A collection on one of the engine's threads could free a dropped widget off the GUI thread:
PySide6 then crashed in the window's event loop (two of five fresh-clone `make test` runs,
while an engine started on a pool thread and collected). app/gui/collector.py.
"""

from __future__ import annotations

import gc
import threading
from typing import Any

from tests.gui.conftest import Gui


class _Cycle:
    """Garbage only the cycle collector frees; says on which thread it was freed."""

    def __init__(self, freed_on: list[str]) -> None:
        self.me = self
        self.freed_on = freed_on

    def __del__(self) -> None:
        self.freed_on.append(threading.current_thread().name)


def _allocate_on_another_thread(count: int) -> list[list[int]]:
    """Containers that live on, as an engine's thread makes while it works: enough to
    cross the youngest generation's threshold many times over."""
    kept: list[list[int]] = []

    def work() -> None:
        kept.extend([i] for i in range(count))

    t = threading.Thread(target=work, name="allocator")
    t.start()
    t.join()
    return kept


def test_garbage_is_freed_on_the_gui_thread_while_other_threads_allocate(
        gui: Gui, qtbot: Any) -> None:
    assert gui.session.mode == "running"
    assert not gc.isenabled()  # the window's timer collects, on the GUI thread
    freed_on: list[str] = []
    _Cycle(freed_on)
    kept = _allocate_on_another_thread(50 * gc.get_threshold()[0])
    assert freed_on == []  # no collection ran on the allocating thread
    qtbot.waitUntil(lambda: bool(freed_on), timeout=5000)
    assert freed_on == [threading.main_thread().name]
    assert len(kept) == 50 * gc.get_threshold()[0]


def test_what_an_engine_loads_is_frozen_on_the_gui_thread_and_the_garbage_freed(
        gui_factory: Any, qtbot: Any) -> None:
    """An engine that starts to lead off the GUI thread (a standby taking over, on its leader
    thread) keeps what it loaded out of sweeps: the window freezes it, after collecting on
    its own thread — the garbage of that moment is freed there, not frozen for good."""
    from app.engine.engine import Engine
    gui = gui_factory(engine=False)  # the window collects on the GUI thread from now on
    freed_on: list[str] = []
    _Cycle(freed_on)
    frozen = gc.get_freeze_count()
    engine = Engine(gui.store, metrics=False, workers=2, backups=False)
    started = threading.Thread(target=engine.start, name="leader")
    try:
        started.start()
        qtbot.waitUntil(lambda: engine.state == "running" and gc.get_freeze_count() > frozen,
                        timeout=15000)  # frozen by the window's timer, after a collection
        assert freed_on == [threading.main_thread().name]
    finally:
        started.join(30)
        engine.stop(grace=2)


def _generations_collected(action: Any) -> list[int]:
    """The generations collected while `action` runs (on any thread)."""
    seen: list[int] = []

    def heard(phase: str, info: dict[str, Any]) -> None:
        if phase == "stop":
            seen.append(int(info["generation"]))

    gc.callbacks.append(heard)
    try:
        action()
    finally:
        gc.callbacks.remove(heard)
    return seen


def test_a_freeze_frees_old_garbage_first(gui: Gui, qtbot: Any) -> None:
    """What is loaded at once (an engine's start, a refill of thousands of fires) asks to be
    kept out of sweeps. The window freezes after a full collection: garbage already in the
    oldest generation is freed, not frozen for good (a young collection first would have
    frozen it)."""
    import weakref

    from app.core.sweeps import keep_from_sweeps
    from app.gui import collector

    qtbot.waitUntil(lambda: gui.session.mode == "running", timeout=15000)
    collector.collect_due()  # nothing pending from the window's own start (its engine's)

    class Node:
        pass

    cycle = Node()
    cycle.me = cycle  # type: ignore[attr-defined]
    gone = weakref.ref(cycle)
    gc.collect()  # twice kept through a collection: it is in the oldest generation now
    gc.collect()
    del cycle  # old garbage: only a full collection finds it

    def ask() -> None:  # as the horizon asks, from its own thread
        t = threading.Thread(target=keep_from_sweeps, name="horizon")
        t.start()
        t.join()

    kept = [[i] for i in range(10_000)]  # alive: these the freeze keeps out of sweeps
    frozen = gc.get_freeze_count()
    ask()
    seen = _generations_collected(collector.collect_due)
    assert seen == [2], seen  # one full collection, then the freeze
    assert gone() is None  # freed, not frozen
    # (frozen objects that die leave the count meanwhile: the engine's threads run on)
    assert gc.get_freeze_count() >= frozen + len(kept) // 2


def test_the_collector_looks_often_while_the_program_allocates_and_rarely_when_idle(
        gui: Gui, qtbot: Any) -> None:
    """At 100,000 fires a minute, looks every 250 ms let young objects pile up (youngest
    collections of 5–20 ms, middle ones of 60–80 ms on the GUI thread): while objects are
    made the window looks every 20 ms, and goes back to 250 ms once quiet."""
    from app.gui import collector

    timer = collector.installed()
    assert timer is not None
    qtbot.waitUntil(lambda: timer.interval_ms == collector.IDLE_MS, timeout=5000)
    kept: list[list[int]] = []
    stop = threading.Event()

    def churn() -> None:  # an engine's threads at work: containers made and kept a while
        while not stop.is_set():
            kept.append([1])
            if len(kept) > 20_000:
                del kept[:10_000]

    worker = threading.Thread(target=churn, name="engine-like")
    worker.start()
    try:
        qtbot.waitUntil(lambda: timer.interval_ms == collector.BUSY_MS, timeout=5000)
    finally:
        stop.set()
        worker.join()
    # quiet again, with what is kept alive above a quarter of the youngest generation's
    # threshold and below it (counts since the last collection alone said "busy" for ever)
    collector.collect_due()
    gc.collect(0)
    held = [[i] for i in range(gc.get_threshold()[0] // 2)]
    qtbot.waitUntil(lambda: timer.interval_ms == collector.IDLE_MS, timeout=5000)
    seen = []
    for _ in range(20):  # a second of an idle window: it stays at the slow pace
        qtbot.wait(50)
        seen.append(timer.interval_ms)
    assert seen.count(collector.IDLE_MS) >= 16, seen
    assert len(held) == gc.get_threshold()[0] // 2
