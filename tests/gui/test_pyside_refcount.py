"""A landmine regression: PySide6 6.12.0 on CPython 3.11 drops references to True/None on
signal emission and aborts the interpreter ("bool_dealloc") after a few hundred emissions.
This emits 20,000 signals with bool and None payloads to a Python slot, and runs 20,000
Python callables in a QThreadPool; it must finish with every one received."""

from __future__ import annotations

import sys
import threading
from typing import Any

from app.gui.qt import QObject, QThreadPool, Signal


class Emitter(QObject):
    flag = Signal(bool)
    anything = Signal(object)


def test_20000_signals_with_bool_and_none_payloads(qapp: Any) -> None:
    emitter = Emitter()
    received: list[object] = []
    emitter.flag.connect(received.append)
    emitter.anything.connect(received.append)
    true_refs = sys.getrefcount(True)
    for i in range(10_000):
        emitter.flag.emit(i % 2 == 0)
        emitter.anything.emit(None)
    assert len(received) == 20_000
    assert received.count(True) == 5_000 and received.count(None) == 10_000
    assert sys.getrefcount(True) >= true_refs - 10  # immortal on 3.12+, stable on 3.11


def test_20000_python_callables_in_a_thread_pool(qapp: Any) -> None:
    pool = QThreadPool()
    pool.setMaxThreadCount(4)
    count = 0
    lock = threading.Lock()

    def job() -> None:
        nonlocal count
        with lock:
            count += 1

    for _ in range(20_000):
        pool.start(job)
    assert pool.waitForDone(60_000)
    assert count == 20_000
