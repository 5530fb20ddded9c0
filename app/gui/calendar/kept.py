"""What the calendar's predictions keep between reads (app/gui/calendar/predictions.py):
the tasks (`WorldCache`); each schedule's fire sequences, and their counts per whole day
and, for today, from now to midnight; schedule keys by task version; overdue tasks'
catch-up plans; and the dispatcher's last listing. Qt-free; guarded by the reader's lock.

A fire sequence (`TaskFires`) depends on the schedule, zone, anchor and end (the schedule
key) and where it starts, not on now: a task that fired since the last read (its next fire
moved along it) or whose fire passed is read from the same sequence, from its new next fire
on (`FiresFrom`). Kept by next fire, a task firing every few seconds missed at every read
(a new sequence, every day counted again, the old ones left to fill the cache)."""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from app.core.schedule import parse_timezone
from app.core.task import Task
from app.engine.fires import FiresFrom, TaskFires
from app.engine.forecast import Forecast
from app.engine.horizon import schedule_key
from app.engine.occurrence import Occurrence
from app.engine.world import WorldCache

STALE: Final = 120.0  # seconds a dispatcher listing is reused while nothing it read changed
MAX_COUNTS: Final = 50_000  # groups' day counts kept at most (then the cache starts again)
SEQUENCES: Final = 4  # fire sequences kept per schedule (tasks alike whose fires differ)


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
        # per set of whole days, each sequence's count per whole window from its start on
        # (the same for any start before the window; -1: not counted yet)
        self._counts: dict[tuple[Any, ...], dict[int, list[int]]] = {}
        self._kept_counts = 0
        # a sequence's count in a partial day [lo, hi) (by sequence and `hi`), with its first
        # fire there: the same count holds for a later `lo` up to that fire (the minute's
        # refresh of today)
        self._partial: dict[tuple[int, float], tuple[float, int, float]] = {}
        # schedule keys by task version, as small numbers: a group's key is hashed several
        # times a read, and a schedule key is a deep tuple (10,000 tasks: ~15 ms a read)
        self._keys: dict[tuple[int, Any], int] = {}
        self._numbers: dict[tuple[Any, ...], int] = {}
        self._next_number = itertools.count()  # never reused: a number means one key
        self.plans: dict[tuple[Any, ...], Any] = {}  # overdue tasks' catch-up plans
        # fire sequences by schedule number (a few each), and the fires read off them by
        # schedule number and next fire
        self._sequences: dict[int, list[tuple[int, TaskFires]]] = {}
        self._next_sequence = itertools.count()  # never reused: a number means one sequence
        self._groups: dict[tuple[int, float], FiresFrom] = {}
        # (key, when played, the listing, whether it stopped at its limit)
        self._played: tuple[tuple[Any, ...], float, list[Occurrence], bool] | None = None
        self.lock = threading.Lock()  # one read at a time uses and changes what is kept

    def day_counts(self, windows: list[Window]) -> dict[int, list[int]]:
        """The sequences' counts kept for these windows' whole days, for `counts`."""
        if self._kept_counts > MAX_COUNTS:
            self._counts.clear()
            self._partial.clear()
            self._kept_counts = 0
        whole = (len(windows), tuple((w.lo, w.hi) for w in windows if w.whole))
        return self._counts.setdefault(whole, {})

    def counts(self, kept_counts: dict[int, list[int]], fires: FiresFrom,
               windows: list[Window]) -> list[int]:
        """A group's fires in each window: those of whole days from its start on kept (in
        `kept_counts`, from `day_counts`), the day of its start and a partial day counted
        each time (as kept in `_partial_count`), none before its start."""
        sequence, start = fires.key
        kept = kept_counts.get(sequence)
        if kept is None:
            self._kept_counts += 1
            kept = kept_counts[sequence] = [-1] * len(windows)
        elif windows and start <= windows[0].lo and -1 not in kept:
            return kept
        out: list[int] = []
        for i, w in enumerate(windows):
            if w.hi <= start:
                out.append(0)
            elif not w.whole or w.lo < start:
                out.append(self._partial_count(sequence, fires.fires, max(w.lo, start), w.hi))
            else:
                if kept[i] < 0:
                    kept[i] = fires.fires.count(w.lo, w.hi)
                out.append(kept[i])
        return out

    def _partial_count(self, sequence: int, fires: TaskFires, lo: float, hi: float) -> int:
        """A sequence's fires in [lo, hi), kept while no fire falls between the kept `lo`
        and the new one."""
        if hi <= lo:
            return 0
        kept = self._partial.get((sequence, hi))
        if kept is not None:
            kept_lo, n, first = kept
            if kept_lo <= lo <= first:
                return n
        n = fires.count(lo, hi)
        first_of = fires.times(lo, hi, 1) if n else []
        if len(self._partial) >= MAX_COUNTS:
            self._partial.clear()
        self._partial[(sequence, hi)] = (lo, n, first_of[0] if first_of else hi)
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
                self._sequences.clear()
                self._groups.clear()
                self._kept_counts = 0
            key = schedule_key(task)
            number = self._numbers.get(key)
            if number is None:
                number = self._numbers[key] = next(self._next_number)
            found = self._keys[version] = number
        return found

    def fires_of(self, number: int, task: Task, first: datetime) -> FiresFrom:
        """The fires of a task with this schedule number from its next fire `first` on: of a
        kept sequence of the schedule that has a fire at `first` (see the module docstring),
        else of a new one."""
        ts = first.timestamp()
        found = self._groups.get((number, ts))
        if found is None:
            if len(self._groups) > MAX_COUNTS // 10:
                self._groups.clear()  # (the sequences stay)
            kept = self._sequences.setdefault(number, [])
            for sequence, fires in reversed(kept):
                at = fires.fire_near(ts)
                if at is not None:
                    found = FiresFrom(fires, sequence, at)
                    break
            else:
                sequence = next(self._next_sequence)
                fires = TaskFires(task, parse_timezone(task.spec.timezone), first)
                kept.append((sequence, fires))
                del kept[:-SEQUENCES]
                found = FiresFrom(fires, sequence, ts)
            self._groups[(number, ts)] = found
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
