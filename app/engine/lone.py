"""Fires nothing can move or drop, listed at their times: `simulate`'s fast path.

A task is *lone* when no rule of the dispatcher can hold or skip its fires: its runs are
expected to end before its next fire (no typical duration, or one shorter than the
shortest gap its schedule can leave between two fires, DST changes included, and then no
catch-ups to claim together), it is in no concurrency group and in no dependency or chain
edge, no run of it is going, waiting to start or waiting for a retry, and the simulation
has no worker limit. The dispatcher starts each such fire when it falls due (a fire finds the task's
previous run ended; catch-ups claimed together start one after the other at the same
instant), so its listing is known without playing it: `LoneFires` lists those fires
in time order, with the same catch-up claims, per-task cap and note as `Forecast`, and
tests/engine/test_simulate_lone.py checks that it lists exactly what the dispatcher does.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any, Final

from app.core.rules import catch_up_reason
from app.core.schedule import Schedule, build_trigger
from app.core.task import Task
from app.engine.horizon import schedule_key, shared_next
from app.engine.occurrence import Occurrence
from app.engine.world import World

CatchUps = list[tuple[Task, list[datetime], str]]
HOUR: Final = 3600
DAY: Final = 86400


def lone(world: World, workers: int | None) -> set[int]:
    """The tasks whose fires nothing can move or drop (see the module docstring)."""
    if workers is not None:
        return set()
    graph = world.graph
    linked = (set(graph.wait_ups) | set(graph.waited_on) | set(graph.trigger_ups)
              | set(graph.trigger_downs) | {t for t, _ in world.busy}
              | {t for _, t, *_ in world.unstarted}
              | {t for t, _, _ in world.retries})
    return {t.id for t in world.tasks
            if t.spec.group is None and t.id not in linked and _ends_in_time(
                t, world.durations.get(t.id), world.now)}


def _ends_in_time(task: Task, duration: float | None, now: datetime) -> bool:
    """Whether each run is expected to end before the task's next fire."""
    if not duration:
        return True
    if task.next_run_at is not None and task.next_run_at < now:
        return False  # overdue: its catch-ups would start together and overlap
    return duration < shortest_gap(task.spec.schedule)


def shortest_gap(schedule: Schedule) -> float:
    """The shortest time a schedule can leave between two fires, in seconds (a DST change
    can move a fixed time of day by an hour; 0: no bound known)."""
    from app.core.schedule.cron import parse_cron

    kind = schedule.kind
    if kind == "date":
        return math.inf
    if kind == "interval":
        return float(schedule.seconds or 0)
    if kind == "calendar" and schedule.calendar is not None:
        spec = schedule.calendar
        days = spec.days + 7 * spec.weeks if not (spec.months or spec.years) else 28
        return days * DAY - HOUR
    if kind == "cron" and schedule.expr is not None:
        cron = parse_cron(schedule.expr)
        if cron.reboot or cron.never_fires:
            return math.inf
        secs, minutes, hours = cron.values[0], cron.values[1], cron.values[2]
        times = sorted(h * HOUR + m * 60 + s for h in hours for m in minutes for s in secs)
        gaps = [b - a for a, b in itertools.pairwise(times)] + [times[0] + DAY - times[-1]]
        # an hourly-or-finer cron just has no fires in a skipped hour; a fixed hour moves
        return float(min(gaps)) - (0 if cron.hour_star else HOUR)
    return 0.0


class LoneFires:
    """The listing of lone tasks' fires in [start, end], earliest first, at most `limit`."""

    def __init__(self, world: World, zones: dict[int, tzinfo], start_ts: float, end_ts: float,
                 limit: int, per_task: int, cap_note: Callable[[], str]) -> None:
        self.world = world
        self.zones = zones
        self.start_ts = start_ts
        self.end_ts = end_ts
        self.limit = limit
        self.per_task = per_task
        self.cap_note = cap_note
        self.shared: dict[tuple[Any, ...], datetime | None] = {}
        self.counts: dict[int, int] = {}
        self.out: list[Occurrence] = []

    def listing(self, tasks: list[tuple[Task, datetime | None]], catch_ups: CatchUps,
                at: float) -> list[Occurrence]:
        """`tasks` with their first fire in the window; `catch_ups` claimed at `at`."""
        wanted = self.world.wanted
        firsts = {task.id: first for task, first in tasks}
        nexts: list[tuple[float, int, Task, datetime]] = []
        for task, first in tasks:
            if first is not None and first.timestamp() <= self.end_ts and (
                    wanted is None or task.id in wanted):
                nexts.append((first.timestamp(), task.id, task, first))
        if at <= self.end_ts:
            for task, fires, missed in catch_ups:
                if wanted is not None and task.id not in wanted:
                    continue
                reason = catch_up_reason(task.spec.catch_up, missed)
                first = firsts.get(task.id)
                for fire in fires:
                    if len(self.out) >= self.limit:
                        return self.out
                    capped = self._count(task.id, first)
                    if capped:
                        firsts[task.id] = first = None
                    self._list(task, at, "catch_up", self._noted(reason, capped), fire)
        nexts = [n for n in nexts if firsts.get(n[1]) is not None]
        heapq.heapify(nexts)
        triggers: dict[int, Any] = {}
        while nexts and len(self.out) < self.limit:
            ts, task_id, task, fire = heapq.heappop(nexts)
            nxt = self._after(task, fire, triggers)
            capped = self._count(task_id, nxt)
            self._list(task, ts, "fire", self._noted(None, capped), fire)
            if nxt is not None and not capped and nxt.timestamp() <= self.end_ts:
                heapq.heappush(nexts, (nxt.timestamp(), task_id, task, nxt))
        return self.out

    def _after(self, task: Task, fire: datetime, triggers: dict[int, Any]) -> datetime | None:
        spec = task.spec
        if spec.schedule.kind == "date":
            return None
        found = triggers.get(task.id)
        if found is None:
            found = triggers[task.id] = (build_trigger(spec.schedule, self.zones[task.id],
                                                       task.anchor, spec.end_at),
                                         schedule_key(task))
        trigger, base = found
        return shared_next(self.shared, task, trigger, fire, base) \
            if trigger is not None else None

    def _count(self, task_id: int, nxt: datetime | None) -> bool:
        """Count a fire of the task; True when it reaches the cap with more fires to come."""
        count = self.counts[task_id] = self.counts.get(task_id, 0) + 1
        return count >= self.per_task and nxt is not None and nxt.timestamp() <= self.end_ts

    def _noted(self, reason: str | None, capped: bool) -> str | None:
        if not capped:
            return reason
        note = self.cap_note()
        return f"{reason}; {note}" if reason else note

    def _list(self, task: Task, at: float, kind: str, reason: str | None,
              fire: datetime) -> None:
        if at < self.start_ts:
            return
        tz = self.zones[task.id]
        moved = None if fire.timestamp() == at else fire.astimezone(tz)
        self.out.append(Occurrence(task.id, task.name, datetime.fromtimestamp(at, tz), kind,
                                   reason, self.world.durations.get(task.id), moved))

