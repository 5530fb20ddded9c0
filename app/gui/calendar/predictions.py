"""What will run in a period, per local day, at any scale; kept between reads. Qt-free, on
a pool thread.

`Predictions.add` fills a `CalendarData`'s days with what the engine will do from now to
the end of the period:

- lone tasks (app/engine/lone.py: no rule of the dispatcher can move or drop their fires)
  are counted per day by `TaskFires` (app/engine/fires.py: arithmetic, no fire listed), so
  every day gets its count however many fires it has; only the days that show single
  fires (a week, a day, a quiet month day) list theirs, the first `per_day`;
- every other task (dependencies, groups, overlapping runs, runs going now, retries) is
  played through the real dispatcher (`Forecast`), up to `limit` occurrences. Past that
  point (`predicted_until`) their fires are counted from their schedules: how many fire is
  known, what the dispatcher would make of each (a wait, a skip) is worked out when the
  user zooms in to a week or a day there.

Each day also keeps its busiest tasks (by predicted fires), for a month cell too full to
list them, and in a week or a day with more fires than it lists, its count per hour.

Kept between reads (app/gui/calendar/kept.py), so a repaint, a return to a month, the
minute's refresh or an edit of one task recomputes only what changed: the tasks
(`WorldCache`: only changed rows are loaded again), each schedule's count per day (keyed by
what its fires depend on: the schedule, zone, anchor and end, and the fire sequence, which a
task that fired since reads on from its new next fire; today's from now on, while no fire
passes), and the dispatcher's listing (keyed by the versions of
the tasks it played, their durations, their upstreams' last outcome and the retries due,
for at most `STALE` seconds, then played again from the new now: a fire of theirs that
passes meanwhile with no engine to run it shows as its catch-up only then — keying the
listing on which tasks are overdue played it again at every read while no engine ran, 4–9 s
each at 10,000 tasks). tests/gui/test_calendar_kept.py reads a month again and again as
time passes against reads with nothing kept.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
import threading
import weakref
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from app.core.task import Task
from app.engine.forecast import Forecast
from app.engine.occurrence import Occurrence
from app.engine.simulate import PER_TASK
from app.engine.world import World
from app.gui.calendar.groups import BUSIEST, Group, add_counts
from app.gui.calendar.kept import Kept, Window
from app.gui.calendar.model import CalendarData, Entry, day_start

if TYPE_CHECKING:
    from app.service import Service
    from app.store.database import Store


class Predictions(Kept):
    """The predictions of one store's tasks, with what is kept between reads."""

    def add(self, data: CalendarData, service: Service, start: datetime, end: datetime,
            task_ids: set[int] | None, limit: int, per_day: int, one_shot: set[int],
            entries_for: Any) -> None:
        """Fill `data.days` from `start` (now, or the period's start) to `end`;
        `entries_for(day_total)` says whether a day lists single fires."""
        with self.lock:
            _Read(self, data, service, start, end, task_ids, limit, per_day, one_shot,
                  entries_for).run()
            self.world.keep_from_sweeps()


_stores: weakref.WeakKeyDictionary[Store, Predictions] = weakref.WeakKeyDictionary()
_stores_lock = threading.Lock()


def predictions_for(store: Store) -> Predictions:
    """The predictions kept for a store (one per open store)."""
    with _stores_lock:
        found = _stores.get(store)
        if found is None:
            found = _stores[store] = Predictions()
        return found


class _Read:
    """One read's work (see the module docstring)."""

    def __init__(self, kept: Predictions, data: CalendarData, service: Service,
                 start: datetime, end: datetime, task_ids: set[int] | None, limit: int,
                 per_day: int, one_shot: set[int], entries_for: Any) -> None:
        self.kept = kept
        self.data = data
        self.service = service
        self.start, self.end = start, end
        self.task_ids = task_ids
        self.limit = limit
        self.per_day = per_day
        self.one_shot = one_shot
        self.entries_for = entries_for
        start_ts, end_ts = start.timestamp(), end.timestamp()
        self.windows: list[Window] = []
        for d in data.period.dates:
            midnight = day_start(d).timestamp()
            lo = max(midnight, start_ts)
            next_midnight = day_start(d.fromordinal(d.toordinal() + 1)).timestamp()
            hi = min(next_midnight, end_ts)
            if hi > lo:
                self.windows.append(Window(d, lo, hi, lo == midnight and hi == next_midnight))

    def run(self) -> None:
        data = self.data
        world = World.read(self.service.store, self.task_ids, data.now, self.kept.world)
        self.durations = world.durations
        forecast = Forecast(world, self.start, self.end, data.now, self.limit, PER_TASK,
                            None, counted=True, plans=self.kept.plans)
        wanted = world.wanted
        played = [t for t in world.tasks if t.id not in forecast.alone]
        key = (tuple((t.id, t.updated_at, t.spec.group, t.spec.group_limit,
                      world.durations.get(t.id)) for t in played),
               tuple(world.edges), tuple(world.retries),
               # an upstream's latest run failing changes what waits for it (runs going now
               # and upstreams that ran as predicted wait for `STALE`)
               tuple((k[0], v.state if v is not None else None)
                     for k, v in sorted(world.history.items())),
               wanted and tuple(sorted(wanted)), data.period.first, data.period.days,
               self.end, self.limit)
        listing, stopped = self.kept.played(key, forecast, self.start) if played else ([],
                                                                                     False)
        reach = listing[-1].fire_at.timestamp() if stopped and listing else None
        if reach is not None:
            data.predicted_until = listing[-1].fire_at
        per_task: dict[date, Counter[int]] = {w.day: Counter() for w in self.windows}
        names = {t.id: t.name for t in world.tasks}
        self.after = {t.id: t.spec.schedule.after for t in world.tasks}  # (a chain's upstreams)
        late: dict[date, list[Entry]] = {w.day: [] for w in self.windows}
        self.played_at: dict[date, list[float]] = {w.day: [] for w in self.windows}
        self._played(listing, per_task, late)
        groups = self._groups(forecast.lone_tasks, wanted)
        early = self.early = self._catch_ups(forecast, wanted, late)
        cuts, capped = self._cuts(listing, played, reach)
        after = {cut: self._groups([(t, self._origin(t, world, forecast)) for t in tasks],
                                   wanted) for cut, tasks in cuts.items()}
        windows = self.windows
        totals = [0] * len(windows)
        chained: list[Counter[tuple[str, ...]]] = [Counter() for _ in windows]  # of those,
        # chain tasks', by their upstreams (“after Fetch”, as played)
        top: list[list[tuple[int, int]]] = [[] for _ in windows]  # (fires, group index)
        counted: list[tuple[Group, list[int]]] = []  # lone groups (they list their fires)
        ranked: list[Group] = []  # every group counted, by index in `top`
        kept_counts = self.kept.day_counts(windows)
        for group in groups.values():
            counts = self.kept.counts(kept_counts, group.fires, windows)
            add_counts(group, counts, totals, chained, top, ranked)
            counted.append((group, counts))
        beyond_total: Counter[int] = Counter()  # fires counted past each task's cut
        for cut, cut_groups in after.items():
            beyond = [w if w.lo > cut else Window(w.day, max(w.lo, cut + 1e-6), w.hi, False)
                      for w in windows]
            kept_beyond = self.kept.day_counts(beyond)
            for group in cut_groups.values():
                counts = [0 if w.hi <= cut else n for w, n in zip(
                    beyond, self.kept.counts(kept_beyond, group.fires, beyond),
                    strict=True)]
                add_counts(group, counts, totals, chained, top, ranked)
                for task in group.tasks:
                    beyond_total[task.id] += sum(counts)
        data.capped = sorted(((names[t], datetime.fromtimestamp(cut, UTC).astimezone())
                              for cut, tasks in cuts.items()
                              for t in dict.fromkeys(task.id for task in tasks)
                              if t in capped and beyond_total[t]), key=lambda c: c[1])
        data.uncounted = sorted((names[t.id], datetime.fromtimestamp(cut, UTC).astimezone())
                                for t, cut in self._uncounted(listing, cuts, world, forecast)
                                if wanted is None or t.id in wanted)
        for i, window in enumerate(windows):
            day = data.days[window.day]
            day.future["fire"] += totals[i] - chained[i].total()
            if chained[i]:  # (past the listing they read “planned”, before it not)
                day.future["chain"] += chained[i].total()
                day.chained += chained[i]
            busy = per_task[window.day]
            for n, g in top[i]:
                for task in ranked[g].tasks[:BUSIEST]:
                    busy[task.id] += n
            day.busiest = [(names.get(t, f"#{t}"), n) for t, n in busy.most_common(BUSIEST)]
            if self.entries_for(day.total):
                lone = [(group, counts[i]) for group, counts in counted if counts[i]]
                day.entries.extend(self._entries(window, lone, early, late))
                listed = sum(1 for e in day.entries if e.predicted)
                if data.period.mode != "month" and listed < sum(day.future.values()):
                    day.hours = self._hours(window, [g for g, _n in lone], after)

    def _hours(self, window: Window, lone: list[Group],
               after: dict[float, dict[tuple[int, float], Group]]) -> list[int]:
        """A day's predicted fires per hour from its midnight (as the time grid draws it),
        for a day with more than it lists."""
        midnight = day_start(window.day).timestamp()
        hours = [0] * 24

        def add(times: list[float], many: int) -> None:
            for ts in times:
                hours[min(23, max(0, int((ts - midnight) // 3600)))] += many

        add(self.played_at.get(window.day, []), 1)
        add([e.start.timestamp() for e in self.early if e.start.date() == window.day], 1)
        for group in lone:
            add(group.fires.times(window.lo, window.hi), len(group.tasks))
        for cut, groups in after.items():
            if window.hi > cut:
                for group in groups.values():
                    add(group.fires.times(max(window.lo, cut + 1e-6), window.hi),
                        len(group.tasks))
        return hours

    # -- the dispatcher's listing --------------------------------------------------------

    def _played(self, listing: list[Occurrence], per_task: dict[date, Counter[int]],
                late: dict[date, list[Entry]]) -> None:
        data = self.data
        windows = self.windows
        starts = [w.lo for w in windows]
        for occ in listing:
            ts = occ.fire_at.timestamp()
            i = bisect.bisect_right(starts, ts) - 1
            if i < 0 or ts >= windows[i].hi:
                continue
            when = windows[i].day
            data.days[when].future[occ.kind] += 1
            after = self.after.get(occ.task_id, ()) if occ.kind == "chain" else ()
            if after:
                data.days[when].chained[after] += 1
            per_task[when][occ.task_id] += 1
            self.played_at[when].append(ts)
            if len(late[when]) < self.per_day:
                # local fixed-offset time: the task's ZoneInfo would compare the two passes
                # of a repeated hour by wall clock (PEP 495) and sort them out of order
                late[when].append(Entry(occ.kind, occ.task_id, occ.task_name,
                                        occ.fire_at.astimezone(), occ.expected_duration_s,
                                        "scheduled", None, occ.task_id in self.one_shot,
                                        occ.reason, after))

    @staticmethod
    def _cuts(listing: list[Occurrence], played: list[Task],
              reach: float | None) -> tuple[dict[float, list[Task]], set[int]]:
        """Played tasks by the instant past which their fires are counted from their
        schedules: a task the dispatcher listed `PER_TASK` times, from its last one; with
        the listing cut at its limit, every other from `reach`."""
        counts: Counter[int] = Counter(o.task_id for o in listing)
        last = {o.task_id: o.fire_at.timestamp() for o in listing
                if counts[o.task_id] >= PER_TASK}
        cuts: dict[float, list[Task]] = {}
        for task in played:
            cut = last.get(task.id, reach)
            if cut is not None:
                cuts.setdefault(cut, []).append(task)
        return cuts, set(last)

    @staticmethod
    def _origin(task: Task, world: World, forecast: Forecast) -> tuple[Task, datetime] | None:
        """What a played task's later fires follow: its own schedule from its next fire, or
        for a chain task with one upstream (`after`), that upstream's fires (each run of it
        that succeeds starts one)."""
        seen = {task.id}
        while task.spec.schedule.kind == "after":
            ups = world.graph.trigger_ups.get(task.id, frozenset())
            up = next(iter(ups)) if len(ups) == 1 else None
            source = forecast.tasks.get(up) if up is not None else None
            if source is None or source.id in seen:
                return None
            seen.add(source.id)
            task = source
        first = forecast.origin(task, [])
        return (task, first) if first is not None else None

    def _uncounted(self, listing: list[Occurrence], cuts: dict[float, list[Task]],
                   world: World, forecast: Forecast) -> Iterator[tuple[Task, float]]:
        """Chain tasks after several upstreams, whose runs past the listing no one schedule
        counts (`_origin`), each with its last fire listed (or its upstreams' first cut)."""
        cut_of = {t.id: cut for cut, tasks in cuts.items() for t in tasks}
        last = {o.task_id: o.fire_at.timestamp() for o in listing}  # (in order of time)
        stops: dict[int, float | None] = {}  # each task's, once (None while being found)

        def stop(task_id: int) -> float | None:
            if task_id not in stops:
                stops[task_id] = None
                found = [stop(up) for up in world.graph.trigger_ups.get(task_id, ())]
                found.append(cut_of.get(task_id))
                stops[task_id] = min((c for c in found if c is not None), default=None)
            return stops[task_id]

        for task in (t for t in world.tasks if t.id not in forecast.alone):  # the played
            if task.spec.schedule.kind == "after" \
                    and self._origin(task, world, forecast) is None \
                    and (cut := stop(task.id)) is not None:
                yield task, max(cut, last.get(task.id, cut))

    # -- counted fires -------------------------------------------------------------------

    def _groups(self, tasks: list[tuple[Task, Any]],
                wanted: set[int] | None) -> dict[tuple[int, float], Group]:
        """Tasks by what their fires depend on (with their next fire: a datetime, or the
        task whose fires they follow and its next fire), each group's fires counted once."""
        groups: dict[tuple[int, float], Group] = {}
        for task, origin in tasks:
            if origin is None or (wanted is not None and task.id not in wanted):
                continue
            source, first = origin if isinstance(origin, tuple) else (task, origin)
            fires = self.kept.fires_of(self.kept.schedule_number(source), source, first)
            group = groups.get(fires.key)
            if group is None:
                group = groups[fires.key] = Group(fires, [])
            group.tasks.append(task)
        return groups

    def _catch_ups(self, forecast: Forecast, wanted: set[int] | None,
                   late: dict[date, list[Entry]]) -> list[Entry]:
        """Lone tasks' catch-up claims, at `catch_up_at`, counted and listed first."""
        at_ts = forecast.catch_up_at
        if at_ts > self.end.timestamp():
            return []
        at = datetime.fromtimestamp(at_ts, UTC).astimezone()
        day = self.data.days.get(at.date())
        out: list[Entry] = []
        for task, fires, missed in forecast.lone_catch_ups:
            if wanted is not None and task.id not in wanted:
                continue
            reason = (f"catch-up ({task.spec.catch_up}): missed while no engine ran "
                      f"({missed} in all)")
            for _fire in fires:
                if day is not None:
                    day.future["catch_up"] += 1
                out.append(Entry("catch_up", task.id, task.name, at,
                                 self.durations.get(task.id), "scheduled", None,
                                 task.id in self.one_shot, reason))
        return out

    def _entries(self, window: Window, counted: list[tuple[Group, int]],
                 early: list[Entry], late: dict[date, list[Entry]]) -> list[Entry]:
        """The day's first `per_day` predictions in time order: the dispatcher's listing
        and catch-ups first at equal times, then lone fires."""
        per_day = self.per_day
        one_shot = self.one_shot

        def lone() -> list[tuple[float, int, int, Any]]:
            """The lone fires that can be among the day's first `per_day`, in order: each
            group's first times, expanded to its tasks only up to the time by which
            `per_day` fires are certain."""
            firsts = sorted((ts, len(group.tasks), g) for g, (group, _n) in enumerate(counted)
                            for ts in group.fires.times(window.lo, window.hi, per_day))
            seen, cutoff = 0, math.inf
            for ts, many, _g in firsts:
                seen += many
                if seen >= per_day:
                    cutoff = ts
                    break
            return sorted((ts, 2, task.id, task) for ts, _many, g in firsts if ts <= cutoff
                          for task in counted[g][0].tasks)

        mine = [e for e in early if e.start.date() == window.day]
        listed: Iterator[tuple[float, int, int, Any]] = (
            (e.start.timestamp(), 0, i, e) for i, e in
                  enumerate(mine + late.get(window.day, [])))
        out: list[Entry] = []
        for ts, _rank, _i, item in itertools.islice(
                heapq.merge(listed, iter(lone()), key=lambda x: (x[0], x[1])), per_day):
            if isinstance(item, Task):
                task = item
                out.append(Entry("fire", task.id, task.name,
                                 datetime.fromtimestamp(ts, UTC).astimezone(),
                                 self.durations.get(task.id), "scheduled", None,
                                 task.id in one_shot, None))
            elif isinstance(item, Entry):
                out.append(item)
        return out
