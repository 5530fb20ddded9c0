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


def test_garbage_from_before_the_engine_started_is_freed_on_the_gui_thread(
        gui_factory: Any) -> None:
    """The window's engine starts on a pool thread and freezes what start-up loaded; the
    window collects before, on its own thread (a dropped window of a previous session)."""
    freed_on: list[str] = []
    first = gui_factory(engine=False)
    _Cycle(freed_on)
    del first
    second = gui_factory()
    assert second.session.mode == "running"
    assert freed_on == [threading.main_thread().name]
