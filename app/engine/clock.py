"""The engine's one clock: wall time, monotonic time and waiting, injectable for tests.

Everything under the engine asks its `Clock` instead of `time`/`datetime.now`, so logic
(what is due, how long a wait took, when a retry falls due) can be driven by a
`SimulatedClock` that tests and the simulation advance by hand. `WallClock` is the real one.
"""

from __future__ import annotations

import heapq
import itertools
import os
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Protocol

from app.core.variables import number_from


class Clock(Protocol):
    """What the engine needs to know about time."""

    def time(self) -> float:
        """Wall time, epoch seconds."""
        ...

    def now(self) -> datetime:
        """Wall time, an aware UTC datetime."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never jumps (for durations and deadlines)."""
        ...

    def wait(self, event: threading.Event, timeout: float) -> bool:
        """Wait for `event` at most `timeout` seconds; True when it is set."""
        ...

    def call_later(self, delay: float, fn: Callable[[], None]) -> None:
        """Call `fn` (on some thread) `delay` seconds from now."""
        ...


class WallClock:
    """The real clock."""

    def time(self) -> float:
        return time.time()

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def wait(self, event: threading.Event, timeout: float) -> bool:
        return event.wait(timeout)

    def call_later(self, delay: float, fn: Callable[[], None]) -> None:
        timer = threading.Timer(delay, fn)
        timer.daemon = True
        timer.start()


WALL = WallClock()


class ShiftedClock(WallClock):
    """The real clock with its wall time moved on by `shift` seconds, monotonic time going on
    untouched: a wall-clock jump (a clock change, an NTP step) as the engine sees one, for the
    clock-jump tests and `benchmarks/clock_jump.py`."""

    def __init__(self) -> None:
        self.shift = 0.0

    def time(self) -> float:
        return super().time() + self.shift

    def now(self) -> datetime:
        return super().now() + timedelta(seconds=self.shift)


class SimulatedClock:
    """A clock that moves only when told to (`advance`, `run_until_idle`).

    Wall and monotonic time move together, from `start` (an aware datetime). Calls asked for
    with `call_later` run, in time order, as `advance` passes their time; `wait` does not
    block: it moves time on by `timeout`, or to the call that sets the event, and returns
    whether the event is set.
    """

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        self._t = start.timestamp()
        self._mono = 0.0
        self._due: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = itertools.count()
        self._lock = threading.Lock()

    def time(self) -> float:
        return self._t

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._t, UTC)

    def monotonic(self) -> float:
        return self._mono

    def wait(self, event: threading.Event, timeout: float) -> bool:
        if event.is_set():
            return True
        self.advance(timeout, until=event)
        return event.is_set()

    def call_later(self, delay: float, fn: Callable[[], None]) -> None:
        with self._lock:
            heapq.heappush(self._due, (self._t + max(delay, 0.0), next(self._seq), fn))

    def next_due(self) -> float | None:
        """When the next call asked for falls due (epoch seconds), or None."""
        with self._lock:
            return self._due[0][0] if self._due else None

    def set(self, when: datetime) -> None:
        """Move wall time to `when` without moving monotonic time (a clock jump)."""
        self._t = when.timestamp()

    def advance(self, seconds: float, until: threading.Event | None = None) -> None:
        """Move time on by `seconds`, running every call that falls due on the way — or only
        until one of them sets `until` (as a real wait on it would return then)."""
        end = self._t + max(seconds, 0.0)
        while True:
            with self._lock:
                if not self._due or self._due[0][0] > end:
                    break
                at, _seq, fn = heapq.heappop(self._due)
            self._step_to(max(at, self._t))
            fn()
            if until is not None and until.is_set():
                return
        self._step_to(end)

    def run_until_idle(self, limit: float = 86_400.0 * 366) -> None:
        """Advance through every call asked for (and those they ask for), up to `limit`
        seconds from now."""
        end = self._t + limit
        while (due := self.next_due()) is not None and due <= end:
            self.advance(due - self._t)

    def _step_to(self, t: float) -> None:
        self._mono += t - self._t
        self._t = t


CLOCK_JUMP = 2.0  # seconds: a wall/monotonic disagreement larger than this is a jump


class JumpDetector:
    """Notices a wall-clock jump (a clock change, an NTP step, a resume from suspend): the
    offset of wall time from monotonic time moved by more than `CLOCK_JUMP` since the last
    look. Each jump is reported once, by the look that first sees it.

    Lateness is not a jump: a busy thread's late look finds wall and monotonic time moved
    alike. A look whose two monotonic reads lie far apart (the thread lost the processor
    between them) tells nothing and is ignored.
    """

    def __init__(self, clock: Clock, threshold: float = CLOCK_JUMP) -> None:
        self.clock = clock
        self.threshold = threshold
        self._lock = threading.Lock()
        self._offset = self._read()

    def _read(self) -> float | None:
        clock = self.clock
        before = clock.monotonic()
        wall = clock.time()
        after = clock.monotonic()
        if after - before > self.threshold / 2:
            return None
        return wall - (before + after) / 2

    def look(self) -> bool:
        """Any thread: whether a jump is there for `check` to take (it is left to it); a look
        that sees none takes the slow drift since the last one as the new baseline."""
        with self._lock:
            offset = self._read()
            if offset is None:
                return False
            if self._offset is None:  # (the first reading lost the processor: this one is it)
                self._offset = offset
                return False
            if abs(offset - self._offset) > self.threshold:
                return True
            self._offset = offset
            return False

    def check(self) -> float | None:
        """The jump (seconds, negative: back) seen since the last look, else None."""
        with self._lock:
            offset = self._read()
            if offset is None:
                return None
            if self._offset is None:
                self._offset = offset
                return None
            jump = offset - self._offset
            self._offset = offset
            return jump if abs(jump) > self.threshold else None


PACE_VAR = "TICKWORK_PACE"  # the engine's default `pace` (app/engine/engine.py)


def pace_from_env(environ: Mapping[str, str] = os.environ) -> float:
    """`$TICKWORK_PACE` as a number from 0.01 to 100, else 1 (any other value is refused
    when an engine starts, app/engine/environment.py)."""
    return number_from(environ, PACE_VAR, 0.01, 100, 1.0)
