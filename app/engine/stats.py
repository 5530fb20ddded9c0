"""The engine's counters, and the lateness of recent starts for the metrics plots."""

from __future__ import annotations

import bisect
from collections import deque

from app.engine.clock import WALL, Clock


class Stats:
    """Counters and the last minute's lateness, kept as plain floats (not GC-tracked
    tuples), so that a busy engine adds nothing for the garbage collector to scan."""

    WINDOW = 300_000

    def __init__(self, clock: Clock = WALL) -> None:
        self._monotonic = clock.monotonic
        self.fired = 0
        self.started = 0
        self.finished = 0
        self.failed = 0
        self._stamps: deque[float] = deque(maxlen=self.WINDOW)
        self._lateness: deque[float] = deque(maxlen=self.WINDOW)

    def ended(self, status: str) -> None:
        """An attempt ended `status`."""
        self.finished += 1
        self.failed += status != "succeeded"

    def add_lateness(self, ms: float) -> None:
        self._stamps.append(self._monotonic())
        self._lateness.append(ms)

    def recent_lateness(self, seconds: float = 60.0) -> list[float]:
        """Lateness (ms) of the attempts that started in the last `seconds`."""
        cutoff = self._monotonic() - seconds
        stamps, values = list(self._stamps), list(self._lateness)
        n = min(len(stamps), len(values))
        i = bisect.bisect_left(stamps, cutoff, 0, n)
        return values[i:n]
