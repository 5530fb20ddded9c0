"""The numbers behind the metrics plots: ring buffers of system samples and store reads.

The engine samples the system once a second (`app.engine.metrics`). The view keeps two
rings per series: the last hour at full resolution (the 5 min and 1 h spans) and the last
24 hours as one point a minute (the 24 h span: 1,440 points instead of 86,400). A minute
keeps the mean of CPU, memory and disk; runs are counted things, so it keeps whole counts:
the runs started in that minute (how far the engine's count of starts grew over it), the
most runs in flight at once, and the worst p99 lateness, so a spike is not averaged away
(and the most catch-ups of missed runs, which that lateness leaves out, in 60 s).
Each ring stores every value twice, at i and i + capacity, so the newest `count` values are
always one contiguous numpy slice: plotting takes a view, never a copy.

Where no samples came for longer than a few of the engine's sampling intervals (the app and
its engine closed, the machine asleep), each ring holds a row of NaN between the samples on
either side: plotted with `connect="finite"` the line breaks there, where it drew a ramp
across the hours nothing was sampled ("runs in flight" climbing from 0 to 1 overnight).

`read_history` (pool thread) fills the rings from the stored samples when the view is first
shown; `read_newer` lets a viewer window (whose engine is another process) follow the
samples that process writes. Qt-free.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from app.engine.metrics import IDLE_INTERVAL
from app.service import Service

SERIES = ("cpu", "memory", "disk", "running", "queued", "fires_per_min", "lateness_p99_ms",
          "catch_ups_per_min")
PEAKS = ("running", "queued", "fires_per_min", "lateness_p99_ms",  # a minute keeps its highest
         "catch_ups_per_min")
# the catch-ups started, not in the start delay: not plotted (the delay's title says them); a
# sample from before they were counted had none
CATCH_UPS = "catch_ups_per_min"
CAUGHT = SERIES.index(CATCH_UPS)
STARTED = "started_total"  # the engine's count of runs started since it began (a sample key)
STARTS = SERIES.index("fires_per_min")
FINE_SECONDS = 3600
COARSE_MINUTES = 1440
BREAK_S = 3 * IDLE_INTERVAL  # no samples for longer (an idle engine samples every 30 s): a gap
Array = npt.NDArray[np.float64]


class Ring:
    """The last `capacity` (time, values…) rows, readable as contiguous numpy views."""

    def __init__(self, capacity: int, width: int = len(SERIES)) -> None:
        self.capacity = capacity
        self.t: Array = np.zeros(2 * capacity)
        self.v: Array = np.full((width, 2 * capacity), np.nan)
        self.count = 0
        self._next = 0

    def append(self, t: float, values: list[float], gap: float | None = None) -> None:
        """Add a row; first a row of NaN (a break in the line) when it comes more than
        `gap` seconds after the last one."""
        last = self.last_t
        if gap is not None and last is not None and t - last > gap:
            self.append((last + t) / 2, [math.nan] * self.v.shape[0])
        i = self._next
        j = i + self.capacity
        self.t[i] = self.t[j] = t
        self.v[:, i] = self.v[:, j] = values
        self._next = (i + 1) % self.capacity
        self.count = min(self.count + 1, self.capacity)

    @property
    def last_t(self) -> float | None:
        if not self.count:
            return None
        return float(self.t[(self._next - 1) % self.capacity])

    def window(self, since: float | None = None) -> tuple[Array, Array]:
        """(t, values) of the newest rows (optionally only those at or after `since`)."""
        end = self._next + self.capacity if self.count == self.capacity else self._next
        start = end - self.count
        t = self.t[start:end]
        v = self.v[:, start:end]
        if since is not None and self.count:
            first = int(np.searchsorted(t, since))
            t, v = t[first:], v[:, first:]
        return t, v


def _number(x: Any) -> float:
    return float(x) if isinstance(x, int | float) else math.nan


def _row(values: dict[str, Any]) -> list[float]:
    row = [_number(values.get(key)) for key in SERIES]
    if CATCH_UPS not in values:
        row[CAUGHT] = 0.0
    return row


def started_in_minute(total_before: float, total: float, peak_rolling: float) -> float:
    """Runs started in one minute: how far the engine's count of starts grew over it (all of
    its count when the engine began anew meanwhile); without a count on both sides (the
    first minute shown, samples from before the count was kept) the most started in any
    60 s ending in it, a whole number that may include a few from the minute before."""
    if math.isnan(total) or math.isnan(total_before):
        return peak_rolling
    return total - total_before if total >= total_before else total


class MetricHistory:
    """Fine (1 s) and coarse (1 min) rings, fed sample by sample in time order."""

    def __init__(self) -> None:
        self.fine = Ring(FINE_SECONDS)
        self.coarse = Ring(COARSE_MINUTES)
        self._minute: int | None = None
        self._sums = np.zeros(len(SERIES))
        self._counts = np.zeros(len(SERIES))
        self._peaks = np.full(len(SERIES), np.nan)
        self._started = math.nan  # the highest count of starts sampled in this minute
        self._started_before = math.nan  # ... in the minute before it
        self.latest: dict[str, Any] = {}
        self.latest_at: float | None = None

    def add(self, at: datetime, values: dict[str, Any]) -> bool:
        """Add a sample; False (and ignored) when it is not newer than the last one."""
        t = at.timestamp()
        if self.latest_at is not None and t <= self.latest_at:
            return False
        row = _row(values)
        self.fine.append(t, row, BREAK_S)
        self._into_minute(t, row, _number(values.get(STARTED)))
        self.latest, self.latest_at = values, t
        return True

    def add_minute(self, t: float, row: list[float], started: float = math.nan) -> None:
        """One minute: the means and peaks of its samples (`row`, runs started as the peak
        of the rolling count) and the highest count of starts in it (`started`), stored or
        just gathered; runs started become that minute's own."""
        row = list(row)
        row[STARTS] = started_in_minute(self._started_before, started, row[STARTS])
        self._started_before = started
        if self.coarse.last_t is None or t > self.coarse.last_t:
            # a gap of BREAK_S may leave one minute empty; two or more: not sampled
            self.coarse.append(t, row, BREAK_S + 60)

    def _into_minute(self, t: float, row: list[float], started: float) -> None:
        minute = int(t // 60)
        if self._minute is not None and minute != self._minute:
            self._flush()
        self._minute = minute
        arr = np.asarray(row)
        ok = ~np.isnan(arr)
        self._sums[ok] += arr[ok]
        self._counts[ok] += 1
        self._peaks = np.fmax(self._peaks, arr)
        self._started = float(np.fmax(self._started, started))

    def _flush(self) -> None:
        if self._minute is None:
            return
        with np.errstate(invalid="ignore", divide="ignore"):
            row = np.where(self._counts > 0, self._sums / np.maximum(self._counts, 1), np.nan)
        for key in PEAKS:
            row[SERIES.index(key)] = self._peaks[SERIES.index(key)]
        self.add_minute(self._minute * 60.0 + 30.0, list(row), self._started)
        self._sums[:] = 0
        self._counts[:] = 0
        self._peaks[:] = np.nan
        self._started = math.nan

    def span(self, seconds: float, now: float) -> tuple[Array, Array]:
        """(t, values) covering the last `seconds`, from the fine ring if it reaches back
        that far, else from the minute ring."""
        since = now - seconds
        if seconds <= FINE_SECONDS:
            return self.fine.window(since)
        return self.coarse.window(since)


@dataclass
class Stored:
    """Samples read from the store: the last hour at 1 s, and 24 h as minute aggregates
    (time, means and peaks, the highest count of starts)."""

    samples: list[tuple[datetime, dict[str, Any]]]
    minutes: list[tuple[float, list[float], float]]


def _parse(at: Any) -> datetime:
    return at if isinstance(at, datetime) else datetime.fromisoformat(str(at))


def read_history(service: Service, now: datetime | None = None) -> Stored:
    from app.store import metric_samples

    now = now or datetime.now(UTC)
    # the seam between the stored minutes and the last hour's samples falls on a minute's
    # start: a minute split there would keep only its first part (a lone sample at :00)
    hour_ago = (now - timedelta(seconds=FINE_SECONDS)).replace(second=0, microsecond=0)
    day_ago = now - timedelta(minutes=COARSE_MINUTES)
    series = [(key, "MAX" if key in PEAKS else "AVG") for key in SERIES] + [(STARTED, "MAX")]
    with service.store.read():
        rows = metric_samples.system_since(hour_ago)
        minutes = metric_samples.system_minutes(day_ago, hour_ago, series)
    samples = [(_parse(at), json.loads(text)) for at, text in rows]
    coarse = []
    for minute, *values in minutes:
        t = datetime.fromisoformat(minute + ":00+00:00").timestamp() + 30.0
        row = [math.nan if v is None else float(v) for v in values]
        row[CAUGHT] = 0.0 if math.isnan(row[CAUGHT]) else row[CAUGHT]  # (none kept then)
        coarse.append((t, row[:-1], row[-1]))
    return Stored(samples, coarse)


def read_newer(service: Service, after: datetime) -> list[tuple[datetime, dict[str, Any]]]:
    """System samples stored after `after` (another process's engine writes them)."""
    from app.store import metric_samples

    with service.store.read():
        rows = metric_samples.system_after(after)
    return [(_parse(at), json.loads(text)) for at, text in rows]


def build_history(stored: Stored,
                  later: list[tuple[datetime, dict[str, Any]]]) -> MetricHistory:
    """A history from stored rows, then the live samples that arrived meanwhile."""
    history = MetricHistory()
    for t, row, started in stored.minutes:
        history.add_minute(t, row, started)
    for at, values in stored.samples:
        history.add(at, values)
    for at, values in later:
        history.add(at, values)
    return history
