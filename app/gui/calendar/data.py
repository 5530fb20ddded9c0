"""What the calendar shows for a period: past runs from the ledger, future fires from the
engine's own simulation, grouped by local day. Qt-free; runs on a pool thread.

Past: the runs scheduled in the period up to now, counted per day and status in SQL (so a
day of 100,000 runs costs one grouped query), and the first few of each day in full.
Future: `app.gui.calendar.predictions`, from now to the end of the period: the engine's
own dispatcher played forward for the tasks it can hold or skip (what `tickwork simulate`
lists), and fires counted per day for the tasks nothing can move, so every day has its
count however many fires it has, and single fires are listed only where the view shows
them. Predicted blocks are as long as the simulation's expected duration (the median of
the task's last successful runs). The dispatcher's play is bounded (`limit` occurrences);
past that point the data says so (`predicted_until`) and those tasks' fires are counted
from their schedules.

Days are the user's local days (the zone `datetime.astimezone()` uses, which is the one
SQLite's 'localtime' uses too).
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from app.core.run import reason_now
from app.core.task import FINISHED_STATUSES
from app.gui.calendar.model import CalendarData, Day, Entry, Period, day_start, period_for
from app.gui.widgets.display import in_notes
from app.service import Service

__all__ = ["BUSY", "ITEMS_PER_DAY", "MODES", "CalendarData", "Day", "DayEntries", "Entry",
           "Period", "day_start", "period_for", "read_day", "read_period", "run_entry",
           "task_ids_matching"]

log = logging.getLogger(__name__)

MODES = ("month", "week", "day")
SIM_LIMIT = 100_000  # occurrences the dispatcher plays in a week or a day
MONTH_LIMIT = 20_000  # in a month (past it, counts from schedules)
ITEMS_PER_DAY = {"month": 8, "week": 300, "day": 1500}
LIST_LIMIT = 5_000
BUSY = 40  # a month day with more than this shows counts by status, not the runs
PREDICTED = ("fire", "catch_up", "chain", "skipped", "delayed")


def _local_date(moment: datetime) -> date:
    return moment.astimezone().date()


def read_period(service: Service, period: Period, now: datetime,
                task_ids: set[int] | None = None, limit: int | None = None,
                per_day: int | None = None, predict: bool = True) -> CalendarData:
    """Everything a period shows (pool thread): per day, the counts of all its runs and
    predictions and the first `per_day` of each in full. Without `predict`, the past only
    (a few grouped queries: what the view shows while the simulation runs)."""
    import time as clock

    started = clock.perf_counter()
    data = CalendarData(period, now, {d: Day() for d in period.dates})
    start, end = period.start(), period.end()
    per_day = per_day if per_day is not None else ITEMS_PER_DAY[period.mode]
    if limit is None:
        limit = MONTH_LIMIT if period.mode == "month" else SIM_LIMIT
    with service.store.read():
        _read_past(data, start, min(end, now), task_ids, per_day)
        one_shot = _one_shots(task_ids)
    data.complete = predict or end <= now
    if predict and end > now:
        try:
            _add_predictions(data, service, max(start, now), end, task_ids, limit, per_day,
                             one_shot)
        except Exception as exc:  # past runs still show; the view says why nothing is ahead
            log.exception("the simulation failed for %s", period)
            data.prediction_error = f"{type(exc).__name__}: {exc}"
    data.seconds = clock.perf_counter() - started
    return data


def _read_past(data: CalendarData, start: datetime, until: datetime,
               task_ids: set[int] | None, per_day: int) -> None:
    """Counts per day and status, then the runs themselves only for the days that show
    them: all of a day that fits, the first `per_day` of a fuller one, none of a month day
    so busy it shows counts only."""
    from app.store import run_days

    if until <= start:
        return
    hours = None  # a week's or a day's runs per day, hour and status
    if data.period.mode == "month":
        for when, status, count in run_days.counts(start, until, task_ids):
            data.days.setdefault(date.fromisoformat(when), Day()).past[status] += count
    else:
        hours = _count_hours(data, start, until, task_ids)
    whole: list[date] = []
    first: list[date] = []
    for d, day in sorted(data.days.items()):
        n = sum(day.past.values())
        if n == 0 or (data.period.mode == "month" and n > BUSY):
            continue
        (whole if n <= per_day else first).append(d)
    rows: list[Any] = []
    for days, windowed in ((whole, False), (first, True)):
        if not days:
            continue
        spans = [(max(start, day_start(d)), min(until, day_start(d + timedelta(days=1))))
                 for d in days]
        rows.extend(run_days.runs(spans, task_ids, per_day if windowed else None))
    rows.sort(key=lambda r: (r[4], r[0]))
    last: dict[date, datetime] = {}  # each day's last run listed, by its scheduled time
    for run_id, task_id, name, status, scheduled, started, finished, reason, *_n in rows:
        at = datetime.fromisoformat(scheduled)
        d = _local_date(at)
        last[d] = at
        data.days.setdefault(d, Day()).entries.append(
            run_entry(run_id, task_id, name, status, scheduled, started, finished, reason,
                      data.now))
    for d in first if hours is not None else []:  # the rest: counted from the last one's hour
        cut = _hour_of(last.get(d, day_start(d)), d)
        data.day(d).past_hours = {h: n for h, n in (hours or {}).get(d, {}).items() if h >= cut}


def _hour_of(moment: datetime, d: date) -> int:
    """The hour from `d`'s midnight `moment` is in, as the time grid draws it."""
    return min(23, max(0, int((moment - day_start(d)).total_seconds() // 3600)))


def _count_hours(data: CalendarData, start: datetime, until: datetime,
                 task_ids: set[int] | None) -> dict[date, dict[int, Counter[str]]]:
    """A week's or a day's runs counted per day (`Day.past`) and per local hour of each
    day, in one grouped query: a busy day's hours past the runs it lists get their counts."""
    from app.store import run_days

    turn = day_start(data.period.first).astimezone(UTC).minute  # local hours turn here
    hours: dict[date, dict[int, Counter[str]]] = {}
    for hour, late, status, count in run_days.hour_counts(start, until, task_ids, turn):
        moment = datetime.fromisoformat(f"{hour}:{turn * late:02d}:00+00:00")
        d = _local_date(moment)
        data.days.setdefault(d, Day()).past[status] += count
        hours.setdefault(d, {}).setdefault(_hour_of(moment, d), Counter())[status] += count
    return hours


def run_entry(run_id: int, task_id: int, name: str, status: str, scheduled: str,
              started: str | None, finished: str | None, reason: str | None,
              now: datetime) -> Entry:
    begin = datetime.fromisoformat(started) if started else datetime.fromisoformat(scheduled)
    if started and finished:
        duration: float | None = (datetime.fromisoformat(finished) - begin).total_seconds()
    elif started and status not in FINISHED_STATUSES:
        duration = max(0.0, (now - begin).total_seconds())
    else:
        duration = None
    # its reason as it reads now ("held back: …" of a run that waited, then ran, read as if
    # it still waited), its moments in the user's zone
    said = in_notes(reason_now(reason, str(status), started is not None))
    return Entry("run", int(task_id), str(name), begin, duration, str(status), int(run_id),
                 reason=said)


def _one_shots(task_ids: set[int] | None) -> set[int]:
    """Ids of one-shot tasks (their predictions can be dragged to reschedule them)."""
    from app.store import task_queries

    return task_queries.one_shot_ids(task_ids)


def _add_predictions(data: CalendarData, service: Service, start: datetime, end: datetime,
                     task_ids: set[int] | None, limit: int, per_day: int,
                     one_shot: set[int]) -> None:
    from app.gui.calendar.predictions import predictions_for

    month = data.period.mode == "month"
    predictions_for(service.store).add(
        data, service, start, end, task_ids, limit, per_day, one_shot,
        lambda total: not month or total <= BUSY)


@dataclass
class DayEntries:
    entries: list[Entry]  # in time order
    day: Day
    complete: bool  # False: the day has more predictions than were simulated


def read_day(service: Service, day: date, now: datetime, task_ids: set[int] | None = None,
             limit: int = LIST_LIMIT) -> DayEntries:
    """One day's runs and predictions in full (up to `limit` of each), for a busy day's
    list."""
    data = read_period(service, Period("day", day, day, 1), now, task_ids, limit=limit,
                       per_day=limit)
    one = data.day(day)
    listed = sum(1 for e in one.entries if e.predicted)
    return DayEntries(sorted(one.entries, key=lambda e: (e.start, e.task_name)), one,
                      listed >= sum(one.future.values()))


def task_ids_matching(service: Service, text: str) -> set[int] | None:
    """Ids of tasks whose name contains `text` (None: no filter)."""
    from app.store import task_queries

    if not text:
        return None
    with service.store.read():
        return task_queries.ids_containing(text)
