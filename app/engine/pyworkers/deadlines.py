"""One thread that keeps the Python runs' deadlines: a timeout that passes, a cancelled
callable's grace that runs out, a SIGTERM that was not enough. It wakes only for a run with
a timeout or a stop: a run without one costs it nothing."""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable

Work = Callable[[], None]
log = logging.getLogger("tickwork.engine")


class Deadlines:
    """Call `work` at a monotonic time, on this one thread, unless the entry was dropped."""

    def __init__(self, name: str = "tickwork-python-deadlines") -> None:
        self._heap: list[tuple[float, int, Work]] = []
        self._live: set[int] = set()
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._closed = False
        self._thread: threading.Thread | None = None
        self._name = name

    def at(self, when: float, work: Work) -> int:
        """Schedule `work`; returns a key for `drop`."""
        key = next(self._seq)
        with self._cond:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
                self._thread.start()
            self._live.add(key)
            heapq.heappush(self._heap, (when, key, work))
            if self._heap[0][1] == key:
                self._cond.notify()
        return key

    def drop(self, key: int) -> None:
        with self._cond:
            self._live.discard(key)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(5)

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._closed:
                    while self._heap and self._heap[0][1] not in self._live:
                        heapq.heappop(self._heap)
                    if self._heap and self._heap[0][0] <= time.monotonic():
                        break
                    self._cond.wait(self._heap[0][0] - time.monotonic() if self._heap
                                    else None)
                if self._closed:
                    return
                _when, key, work = heapq.heappop(self._heap)
                self._live.discard(key)
            try:
                work()
            except Exception:  # a stop that failed must not end the thread
                log.exception("a Python run's deadline failed")
