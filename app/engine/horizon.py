"""Which tasks fall due soon: the index of next fire times and the armed APScheduler jobs.

Every enabled task's next fire time is known (`next_of`, rebuilt from the store's index on
`next_run_at` at start-up), but only the fires within the horizon (a few seconds) are armed
as APScheduler jobs, and only those tasks are loaded. The heap `index` is pruned lazily:
an entry whose time no longer matches `next_of` is stale. Owned by the dispatcher thread.
Tasks with the same schedule share one computation of the fire after a given one.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from app.core.placement import runs_here
from app.core.schedule import build_trigger, parse_timezone
from app.core.sweeps import keep_from_sweeps
from app.core.task import Task
from app.engine.clock import Clock
from app.engine.ports import Arming, Ledger
from app.engine.scheduler import next_after
from app.store.times import utc_text

FREEZE_AT = 1000  # tasks loaded in one go past which they are kept from the cyclic collector
RECENT = 4096  # next fires the engine keeps for tasks alike (its cache, emptied when full)


class Horizon:
    def __init__(self, timing: Arming, writer: Ledger, tasks: dict[int, Task], horizon: float,
                 load: Callable[[list[int]], None], clock: Clock) -> None:
        self.timing = timing
        self.clock = clock
        self.writer = writer
        self.tasks = tasks  # the engine's task cache (shared)
        self.horizon = horizon
        self._load = load  # asks the store thread to load tasks, then calls `loaded`
        # this many local commands of tasks it holds are armed to fire soon: their launchers
        # are started ahead (the tasks it loads to fire are warmed for by TaskSync)
        self.commands_soon: Callable[[int], None] = lambda count: None
        self.index: list[tuple[float, int]] = []  # (next fire ts, task id), lazily pruned
        self.next_of: dict[int, float] = {}  # task id -> next fire ts (the truth for index)
        self.armed: dict[int, float] = {}  # task id -> ts of its APScheduler job
        self.to_arm: list[tuple[str, datetime]] = []  # armed this step, handed over after it
        self.loading: set[int] = set()
        self.triggers: dict[int, Any] = {}
        # next fires shared by tasks with the same schedule (a simulation's: the engine's
        # stay None, a cache that only grows)
        self.shared: dict[tuple[Any, ...], datetime | None] | None = None
        self._fires: dict[tuple[Any, ...], datetime | None] = {}  # the engine's (`_recent`)

    def next_fire(self, task_id: int) -> float | None:
        return self.next_of.get(task_id)

    def head(self) -> float | None:
        """Any thread: the earliest indexed (not yet armed) fire, as a hint (may be stale)."""
        try:
            return self.index[0][0] if self.index else None
        except IndexError:
            return None

    def fired(self, task_id: int, run_times: list[datetime]) -> list[datetime]:
        """The task's armed job fell due: its fires that still stand (none when it was
        disarmed or moved by a change after APScheduler took it)."""
        ts = self.armed.pop(task_id, None)
        if ts is None:
            return []
        return [fire for fire in run_times if abs(fire.timestamp() - ts) <= 1e-3]

    def disarm_all(self) -> None:
        """Drop every armed job (the store cannot be written: fire nothing)."""
        self.timing.clear()
        self.armed.clear()

    def drop_trigger(self, task_id: int) -> None:
        """The task changed: its trigger is built afresh when next needed."""
        self.triggers.pop(task_id, None)

    def earliest(self) -> datetime | None:
        ts = min(self.next_of.values(), default=None)
        return datetime.fromtimestamp(ts, UTC) if ts is not None else None

    def set(self, task_id: int, when: datetime | None) -> None:
        """Record a task's next fire; arm it at once when it falls inside the horizon."""
        if when is None:
            self.next_of.pop(task_id, None)
            if self.armed.pop(task_id, None) is not None:
                self.timing.disarm(f"t{task_id}")
            return
        ts = when.timestamp()
        self.next_of[task_id] = ts
        if self.armed.get(task_id) not in (None, ts):
            self.armed.pop(task_id)
            self.timing.disarm(f"t{task_id}")
        if ts <= self.clock.time() + self.horizon and task_id in self.tasks:
            self.arm(task_id, ts)
        else:
            heapq.heappush(self.index, (ts, task_id))

    def arm(self, task_id: int, ts: float) -> None:
        if self.armed.get(task_id) == ts:
            return
        self.armed[task_id] = ts
        self.to_arm.append((f"t{task_id}", datetime.fromtimestamp(ts, UTC)))

    def take_armed(self) -> list[tuple[str, datetime]]:
        arm, self.to_arm = self.to_arm, []
        return arm

    def refill(self) -> None:
        """Arm every task whose next fire falls inside the horizon (loading it if needed)."""
        limit = self.clock.time() + self.horizon
        need: list[int] = []
        commands = 0
        index = self.index
        while index and index[0][0] <= limit:
            ts, task_id = heapq.heappop(index)
            if self.next_of.get(task_id) != ts:
                continue  # stale entry
            task = self.tasks.get(task_id)
            if task is not None:
                self.arm(task_id, ts)
                commands += runs_here(task.spec, "command")
            elif task_id not in self.loading:
                self.loading.add(task_id)
                need.append(task_id)
        if need:
            self._load(need)
        if commands:  # (a burst again: the extra launchers of the last one were let go)
            self.commands_soon(commands)

    def loaded(self, ids: list[int], loaded: list[Task]) -> None:
        found = {t.id: t for t in loaded}
        limit = self.clock.time() + self.horizon
        for task_id in ids:
            self.loading.discard(task_id)
            task = found.get(task_id)
            if task is None:
                self.forget(task_id)
                continue
            self.tasks[task_id] = task
            ts = self.next_of.get(task_id)
            if ts is not None:
                if ts <= limit:
                    self.arm(task_id, ts)
                else:
                    heapq.heappush(self.index, (ts, task_id))
        if len(loaded) >= FREEZE_AT:
            # Thousands of tasks due together (the top of the hour) live until they fire:
            # kept out of every collection, as start-up's are (full collections over them
            # and their jobs stalled the engine for up to a second while they started).
            # Freezing stops only the cycle collector; they are freed as ever once dropped.
            keep_from_sweeps()

    def forget(self, task_id: int) -> None:
        self.tasks.pop(task_id, None)
        self.triggers.pop(task_id, None)
        self.set(task_id, None)

    def advance(self, task: Task, fire: datetime) -> datetime | None:
        """Compute the task's next fire after this one and arm or index it; the caller
        records it (`record_next`) once the fire's claim is handed to the writer: the
        writer commits in groups, and a kill between two must never leave the task moved
        past a fire whose claim was not committed (tests/engine/test_fire_order.py)."""
        spec = task.spec
        nxt: datetime | None = None
        if spec.schedule.kind != "date":
            # Tasks alike fire alike: at the top of the hour 10,000 tasks on `0 * * * *`
            # need one step of the schedule, not 10,000 (nor 10,000 triggers built): a
            # step and a build cost ~37 µs of CPU, 0.4 s of the dispatcher's for 10,000.
            shared = self.shared if self.shared is not None else self._recent()
            key = (schedule_key(task), fire)
            if key in shared:
                nxt = shared[key]
            else:
                trigger = self.triggers.get(task.id)
                if trigger is None:
                    tz = parse_timezone(spec.timezone)
                    trigger = self.triggers[task.id] = build_trigger(
                        spec.schedule, tz, task.anchor, spec.end_at)
                if trigger is not None:
                    nxt = shared[key] = next_after(trigger, fire)
        task_id = task.id
        if nxt is None:
            self.next_of.pop(task_id, None)
            self.tasks.pop(task_id, None)
            self.triggers.pop(task_id, None)
        else:
            self.set(task_id, nxt)
        return nxt

    def _recent(self) -> dict[tuple[Any, ...], datetime | None]:
        """The engine's cache of next fires shared by tasks alike: emptied once it holds
        `RECENT` fires, so it stays small while it serves every task due at one instant."""
        if len(self._fires) >= RECENT:
            self._fires.clear()
        return self._fires

    def following(self, task: Task, trigger: Any, fire: datetime) -> datetime | None:
        """The fire after `fire` (looked up in `shared` when there is one)."""
        if self.shared is None:
            return next_after(trigger, fire)
        return shared_next(self.shared, task, trigger, fire)

    def record_next(self, task_id: int, nxt: datetime | None) -> None:
        """Write a task's next fire time (folded into one statement per commit)."""
        self.writer.next_run(task_id, utc_text(nxt) if nxt is not None else None)

    def reset(self) -> None:
        """After a clock jump: drop every armed job and index every known next fire again."""
        self.timing.clear()
        self.armed.clear()
        for task_id, ts in list(self.next_of.items()):
            heapq.heappush(self.index, (ts, task_id))


def shared_next(shared: dict[tuple[Any, ...], datetime | None], task: Task, trigger: Any,
                fire: datetime, base: tuple[Any, ...] | None = None) -> datetime | None:
    """The task's fire after `fire`, computed once for every task with the same schedule
    (`base`: the task's `schedule_key`, when the caller keeps it)."""
    key = (base or schedule_key(task), fire)
    if key not in shared:
        shared[key] = next_after(trigger, fire)
    return shared[key]


def schedule_key(task: Task) -> tuple[Any, ...]:
    """What a task's fire times depend on: tasks with equal keys fire alike."""
    spec = task.spec
    key: tuple[Any, ...] = (spec.schedule, spec.timezone, spec.end_at)
    if spec.schedule.anchored:  # an interval or calendar among its schedules
        key += (task.anchor,)
    return key
