"""What the calendar shows, as values: a period, its days, and each day's runs and
predictions (`Entry`). Qt-free; read by `data` and `predictions` on a pool thread, drawn by
the grids."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo


@dataclass(frozen=True)
class Period:
    mode: str
    anchor: date  # the day the user navigated to
    first: date  # first day shown
    days: int

    @property
    def dates(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range(self.days)]

    def start(self, tz: tzinfo | None = None) -> datetime:
        return day_start(self.first, tz)

    def end(self, tz: tzinfo | None = None) -> datetime:
        return day_start(self.first + timedelta(days=self.days), tz)

    def moved(self, steps: int) -> Period:
        if self.mode == "month":
            month = self.anchor.month - 1 + steps
            anchor = date(self.anchor.year + month // 12, month % 12 + 1, 1)
        else:
            anchor = self.anchor + timedelta(days=steps * (7 if self.mode == "week" else 1))
        return period_for(self.mode, anchor)


def day_start(day: date, tz: tzinfo | None = None) -> datetime:
    """Local midnight of a day (the first valid instant, across a DST change)."""
    naive = datetime.combine(day, time())
    return naive.astimezone(tz) if tz is None else naive.replace(tzinfo=tz)


def period_for(mode: str, anchor: date) -> Period:
    """Month: six whole weeks around the month, Monday first; week: Monday to Sunday."""
    if mode == "month":
        first_of_month = anchor.replace(day=1)
        first = first_of_month - timedelta(days=first_of_month.weekday())
        return Period(mode, first_of_month, first, 42)
    if mode == "week":
        return Period(mode, anchor, anchor - timedelta(days=anchor.weekday()), 7)
    return Period("day", anchor, anchor, 1)


def focus_day(period: Period, pointed: date | None, today: date) -> date:
    """The day to keep in view when the mode changes: the day a person pointed at last (an
    entry picked, a day's list opened), else today, else the period's anchor — the first of
    them it shows (Week after a click on the 9th showed the week of today)."""
    for day in (pointed, today):
        if day is not None and day in period.dates and (
                period.mode != "month" or day.month == period.anchor.month):
            return day
    return period.anchor


@dataclass(frozen=True, slots=True)
class Entry:
    """One box on the calendar: a run that happened (or is happening) or a predicted fire."""

    kind: str  # "run", or the simulation's kind: fire | catch_up | chain | skipped | delayed
    task_id: int
    task_name: str
    start: datetime
    duration_s: float | None
    status: str  # the run's status; "scheduled" for a prediction
    run_id: int | None = None
    one_shot: bool = False  # a one-shot task's prediction: can be dragged to reschedule
    reason: str | None = None
    after: tuple[str, ...] = ()  # a chain prediction's: the tasks it runs after

    @property
    def predicted(self) -> bool:
        return self.kind != "run"

    @property
    def end(self) -> datetime:
        return self.start + timedelta(seconds=self.duration_s or 0.0)


@dataclass
class Day:
    past: Counter[str] = field(default_factory=Counter)  # run status -> count
    future: Counter[str] = field(default_factory=Counter)  # prediction kind -> count
    # of the "chain" predictions, how many by the tasks they run after (a task's `after`)
    chained: Counter[tuple[str, ...]] = field(default_factory=Counter)
    entries: list[Entry] = field(default_factory=list)  # the first ones, in time order
    busiest: list[tuple[str, int]] = field(default_factory=list)  # task name, predicted fires
    # predicted fires per hour from midnight, for a week or day with more than it lists
    hours: list[int] | None = None
    # a week or day with more runs than it lists: from the hour of the last one listed on,
    # each hour's runs by status (hour from midnight, as the time grid draws it)
    past_hours: dict[int, Counter[str]] | None = None

    @property
    def total(self) -> int:
        return sum(self.past.values()) + sum(self.future.values())


@dataclass
class CalendarData:
    period: Period
    now: datetime
    days: dict[date, Day]
    # the dispatcher's play stops here (its limit): later fires of tasks it can hold or skip
    # are counted from their schedules
    predicted_until: datetime | None = None
    complete: bool = True  # False: the past only, predictions still being computed
    prediction_error: str | None = None  # the simulation failed: past runs only
    # tasks whose predictions stop early (the simulation's per-task cap): name, last fire
    capped: list[tuple[str, datetime]] = field(default_factory=list)
    # tasks that run after several others, counted only as listed: name, last fire listed
    uncounted: list[tuple[str, datetime]] = field(default_factory=list)
    seconds: float = 0.0  # how long the read took

    def day(self, d: date) -> Day:
        return self.days.get(d) or Day()
