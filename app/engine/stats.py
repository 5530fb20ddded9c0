"""The engine's counters, and the lateness of recent starts for the metrics plots.

A catch-up's start (a missed run: a fire missed while no engine ran, the machine slept or
the store could not be written, run as its task's catch-up policy says; or a run a stop gave
back or a person queued while no engine ran) is counted but its lateness is not kept: it
says how long no engine could start it, not how late the engine started what it was due to
start, and hours of it made the start delay's percentile a measure of the night (its
lateness stays in its run's ledger row)."""

from __future__ import annotations

import bisect
import threading
from collections import deque

from app.engine.clock import WALL, Clock


class Stats:
    """Counters and the last minute's lateness, kept as plain floats (not GC-tracked
    tuples), so that a busy engine adds nothing for the garbage collector to scan. Starts
    older than `KEEP` seconds are let go as new ones come: `WINDOW` alone (a minute at the
    engine's top pace) held every start of the last 10 hours at 8 a second, 19 MB."""

    WINDOW = 300_000  # starts kept at most
    KEEP = 60.0  # seconds of starts kept: the longest any reader asks for (the metrics' minute)

    def __init__(self, clock: Clock = WALL) -> None:
        self._monotonic = clock.monotonic
        self.fired = 0
        self.started = 0
        self.finished = 0
        self.failed = 0
        self._stamps: deque[float] = deque(maxlen=self.WINDOW)
        self._lateness: deque[float] = deque(maxlen=self.WINDOW)
        self._catch_ups: deque[float] = deque(maxlen=self.WINDOW)  # their starts' stamps
        self._lock = threading.Lock()

    def ended(self, status: str) -> None:
        """An attempt ended `status`."""
        self.finished += 1
        self.failed += status != "succeeded"

    def add_lateness(self, ms: float, catch_up: bool = False) -> None:
        """An attempt started `ms` late; a `catch_up` only counted (the module docstring)."""
        now = self._monotonic()
        cutoff = now - self.KEEP
        if catch_up:
            with self._lock:
                caught = self._catch_ups
                caught.append(now)
                while caught[0] < cutoff:
                    caught.popleft()
            return
        stamps, lateness = self._stamps, self._lateness
        with self._lock:  # starts are added on several threads: pairs stay pairs
            stamps.append(now)
            lateness.append(ms)
            while stamps[0] < cutoff:  # (never past the start just added)
                stamps.popleft()
                lateness.popleft()

    def recent_lateness(self, seconds: float = KEEP) -> list[float]:
        """Lateness (ms) of the attempts that started in the last `seconds` (`KEEP` at
        most), catch-ups aside."""
        cutoff = self._monotonic() - seconds
        stamps, values = list(self._stamps), list(self._lateness)
        n = min(len(stamps), len(values))
        i = bisect.bisect_left(stamps, cutoff, 0, n)
        return values[i:n]

    def recent_catch_ups(self, seconds: float = KEEP) -> int:
        """How many catch-ups started in the last `seconds` (`KEEP` at most)."""
        stamps = list(self._catch_ups)
        return len(stamps) - bisect.bisect_left(stamps, self._monotonic() - seconds)
