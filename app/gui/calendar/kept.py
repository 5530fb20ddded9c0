"""What the calendar's predictions keep between reads (app/gui/calendar/predictions.py):
the tasks (`WorldCache`), each group of alike lone tasks' fire counts per whole day and,
for today, from now to midnight; schedule keys by task version; overdue tasks' catch-up
plans; and the dispatcher's last listing. Qt-free; guarded by the reader's lock."""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from app.core.schedule import parse_timezone
from app.core.task import Task
from app.engine.fires import TaskFires
from app.engine.forecast import Forecast
from app.engine.horizon import schedule_key
from app.engine.occurrence import Occurrence
from app.engine.world import WorldCache

STALE: Final = 120.0  # seconds a dispatcher listing is reused while nothing it read changed
MAX_COUNTS: Final = 50_000  # groups' day counts kept at most (then the cache starts again)


@dataclass(frozen=True, slots=True)
class Window:
    """The part of one local day the predictions cover: [lo, hi) in epoch seconds."""

    day: date
    lo: float
    hi: float
    whole: bool  # the whole day (its count is kept)


class Kept:
    """What one store's predictions keep between reads (see the module docstring)."""

    def __init__(self) -> None:
        self.world = WorldCache()
        # per set of whole days, each group's count per window
        self._counts: dict[tuple[Any, ...], dict[tuple[int, float], list[int]]] = {}
        self._kept_counts = 0
        # a group's count in a partial day [lo, hi) (by group and `hi`), with its first fire
        # there: the same count holds for a later `lo` up to that fire (the minute's refresh
        # of today)
        self._partial: dict[tuple[tuple[int, float], float], tuple[float, int, float]] = {}
        # schedule keys by task version, as small numbers: a group's key is hashed several
        # times a read, and a schedule key is a deep tuple (10,000 tasks: ~15 ms a read)
        self._keys: dict[tuple[int, Any], int] = {}
        self._numbers: dict[tuple[Any, ...], int] = {}
        self._next_number = itertools.count()  # never reused: a number means one key
        self.plans: dict[tuple[Any, ...], Any] = {}  # overdue tasks' catch-up plans
        self._groups: dict[tuple[int, float], TaskFires] = {}
        # (key, when played, the listing, whether it stopped at its limit)
        self._played: tuple[tuple[Any, ...], float, list[Occurrence], bool] | None = None
        self.lock = threading.Lock()  # one read at a time uses and changes what is kept

    def day_counts(self, windows: list[Window]) -> dict[tuple[int, float], list[int]]:
        """The groups' counts kept for these windows' whole days, for `counts`."""
        if self._kept_counts > MAX_COUNTS:
            self._counts.clear()
            self._partial.clear()
            self._kept_counts = 0
        whole = (len(windows), tuple((w.lo, w.hi) for w in windows if w.whole))
        return self._counts.setdefault(whole, {})

    def counts(self, kept_counts: dict[tuple[int, float], list[int]], key: tuple[int, float],
               fires: TaskFires, windows: list[Window]) -> list[int]:
        """A group's fires in each window: those of whole days kept (in `kept_counts`, from
        `day_counts`), a partial day counted each time."""
        kept = kept_counts.get(key)
        if kept is None:
            self._kept_counts += 1
            kept = kept_counts[key] = [fires.count(w.lo, w.hi) if w.whole else -1
                                       for w in windows]
        if -1 not in kept:
            return kept
        return [self._partial_count(key, fires, w) if n < 0 else n
                for n, w in zip(kept, windows, strict=True)]

    def _partial_count(self, key: tuple[int, float], fires: TaskFires, window: Window) -> int:
        """A group's fires in a partial day, kept while no fire falls between the window's
        kept start and its new one."""
        if window.hi <= window.lo:
            return 0
        kept = self._partial.get((key, window.hi))
        if kept is not None:
            lo, n, first = kept
            if lo <= window.lo <= first:
                return n
        n = fires.count(window.lo, window.hi)
        first_of = fires.times(window.lo, window.hi, 1) if n else []
        if len(self._partial) >= MAX_COUNTS:
            self._partial.clear()
        self._partial[(key, window.hi)] = (window.lo, n, first_of[0] if first_of else window.hi)
        return n

    def schedule_number(self, task: Task) -> int:
        """`schedule_key(task)`'s number (equal keys, one number), kept per task version."""
        version = (task.id, task.updated_at)
        found = self._keys.get(version)
        if found is None:
            if len(self._keys) > MAX_COUNTS:
                self._keys.clear()  # (the numbers stay: so do the counts kept by them)
            if len(self._numbers) > MAX_COUNTS:  # new numbers: what was kept by the old goes
                self._numbers.clear()
                self._counts.clear()
                self._partial.clear()
                self._groups.clear()
                self._kept_counts = 0
            key = schedule_key(task)
            number = self._numbers.get(key)
            if number is None:
                number = self._numbers[key] = next(self._next_number)
            found = self._keys[version] = number
        return found

    def fires_of(self, key: tuple[int, float], task: Task, first: datetime) -> TaskFires:
        found = self._groups.get(key)
        if found is None:
            if len(self._groups) > MAX_COUNTS // 10:
                self._groups.clear()
            found = self._groups[key] = TaskFires(task, parse_timezone(task.spec.timezone),
                                                  first)
        return found

    def played(self, key: tuple[Any, ...], forecast: Forecast,
               start: datetime) -> tuple[list[Occurrence], bool]:
        """The dispatcher's listing and whether it stopped at its limit: the kept one (from
        `start` on) while nothing it read changed and it is fresh, else played again."""
        kept = self._played
        if kept is not None and kept[0] == key and time.monotonic() - kept[1] < STALE:
            return [o for o in kept[2] if o.fire_at >= start], kept[3]
        listing = forecast.run()
        self._played = (key, time.monotonic(), listing, len(listing) >= forecast.limit)
        return listing, self._played[3]
