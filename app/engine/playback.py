"""The simulation's engine room: simulated time over the engine's own rules and rule classes.

`Playback` plays a `World` (app/engine/world.py) forward as a queue of events: schedule,
catch-up and chain fires, and the expected ends of simulated runs. Each fire goes through
the overlap rule (`app.core.rules`), the dependency gate (`judge`) and the `ReadyQueue` as in
the dispatcher; what starts is listed as an `Occurrence` when it starts, so the list comes out
in time order and `limit` cuts it at the earliest items. It reads neither clock nor store.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from app.core import rules
from app.core.schedule import build_trigger, parse_timezone
from app.core.schedule.triggers import first_fire
from app.core.task import Task
from app.engine import recovery
from app.engine.dependencies import (
    GO,
    PENDING,
    SKIP,
    Chains,
    FireBook,
    Gate,
    Verdict,
    Waiter,
    judge,
)
from app.engine.occurrence import Occurrence, span
from app.engine.ready_queue import Pending, ReadyQueue
from app.engine.scheduler import next_after
from app.engine.world import World

_FIRE, _END = 1, 0  # event kinds; an end sorts before a fire at the same instant


@dataclass(slots=True)
class _Plan:
    """A task as the simulation sees it."""

    task: Task
    tz: tzinfo
    duration: float | None
    trigger: Any = None
    sequence: list[datetime] | None = None  # shared fire times (see _sequence)
    position: int = 0
    generated: int = 0  # occurrences planned so far (the per-task cap)
    capped: bool = False
    next_ts: float | None = None  # its next schedule fire not yet handled
    simple: bool = False  # nothing can move or drop its fires: listed without the queue


@dataclass(slots=True)
class _Run:
    run_id: int
    plan: _Plan
    scheduled: float  # its fire time
    due: float  # when it fell due (catch-up: now)
    kind: str  # fire | catch_up | chain
    reason: str | None
    held: list[str] = field(default_factory=list)  # what held it back, in words
    ended: bool = False


class Playback:
    """Simulated time over the engine's rule classes; see `app.engine.simulate`."""

    def __init__(self, world: World, start: datetime, end: datetime, now: datetime,
                 limit: int, per_task: int, workers: int | None) -> None:
        self.world = world
        self.start_ts = start.timestamp()
        self.end_ts = end.timestamp()
        self.now_ts = now.timestamp()
        self.now = now
        self.limit = limit
        self.per_task = per_task
        self.graph = world.graph
        self.plans = {t.id: _Plan(t, parse_timezone(t.spec.timezone), world.durations[t.id])
                      for t in world.tasks}
        self.book = FireBook()
        self.gate = Gate(self._judge)
        self.chains = Chains(lambda task_id, ups: set(world.chain_done.get(task_id, ())))
        self.ready = ReadyQueue(workers or 1_000_000_000)
        self.events: list[tuple[float, int, int, int, Any]] = []
        self.seq = itertools.count()
        self.run_ids = itertools.count(1)
        self.runs: dict[int, _Run] = {}
        self.out: list[Occurrence] = []
        self.sequences: dict[tuple[Any, ...], list[datetime]] = {}
        self.caught_up: dict[tuple[Any, ...], tuple[list[datetime], str, datetime | None]] = {}
        self.clock = self.start_ts

    # -- set-up ---------------------------------------------------------------------------------

    def run(self) -> list[Occurrence]:
        for plan in self.plans.values():
            self._first_fires(plan)
        for task_id, started in self.world.busy:  # runs going now hold their task and group
            plan = self.plans[task_id]
            run = self._new_run(plan, started, started, "busy", None)
            self._push_pending(run)
            self.clock = started
            self._start_ready()
        self.clock = self.start_ts
        for task_id, due, attempt in self.world.retries:
            plan = self.plans[task_id]
            if due.timestamp() <= self.end_ts:
                self._event(max(due.timestamp(), self.start_ts), _FIRE, task_id,
                            ("delayed", due.timestamp(), f"retry (attempt {attempt}) after "
                                                         "its backoff"))
        self._loop()
        return self.out

    def _first_fires(self, plan: _Plan) -> None:
        task = plan.task
        spec = task.spec
        graph = self.graph
        plan.simple = (plan.duration is None and spec.group is None
                       and task.id not in graph.wait_ups and task.id not in graph.waited_on
                       and task.id not in graph.trigger_downs)
        if spec.schedule.kind in ("manual", "after") or spec.schedule.is_startup:
            return
        first = task.next_run_at
        if first is None:
            return
        if first.timestamp() < self.now_ts:  # overdue: no engine ran
            fires, missed, first = self._missed(plan)  # missed: in words
            at = max(self.now_ts, self.start_ts)
            if at <= self.end_ts:
                reason = (f"catch-up ({spec.catch_up}): {missed} fire(s) missed "
                          "while no engine ran")
                for fire in fires:
                    self._event(at, _FIRE, task.id, ("catch_up", fire.timestamp(), reason))
            if first is None:
                return
        if spec.schedule.kind != "date":
            plan.trigger = build_trigger(spec.schedule, plan.tz, task.anchor, spec.end_at)
            if first.timestamp() < self.start_ts and plan.trigger is not None:
                first = first_fire(plan.trigger, datetime.fromtimestamp(self.start_ts, UTC))
                if first is None:
                    return
            plan.sequence = self._sequence(plan, first)
        elif first.timestamp() < self.start_ts:
            return
        self._schedule_next(plan, first)

    def _missed(self, plan: _Plan) -> tuple[list[datetime], str, datetime | None]:
        """The engine's catch-up plan for an overdue task (shared by tasks alike)."""
        task = plan.task
        spec = task.spec
        key: tuple[Any, ...] = (spec.schedule, spec.timezone, spec.end_at, spec.catch_up,
                                task.next_run_at)
        if spec.schedule.kind in ("interval", "calendar"):
            key += (task.anchor,)
        found = self.caught_up.get(key)
        if found is None:
            plan_ = recovery.missed_fires(task, self.now)
            found = self.caught_up[key] = (plan_.fires, plan_.missed_text, plan_.next_run_at)
        return found

    def _sequence(self, plan: _Plan, first: datetime) -> list[datetime]:
        """The task's fire times from `first`, shared with tasks whose fires are the same."""
        spec = plan.task.spec
        key: tuple[Any, ...] = (spec.schedule, spec.timezone, spec.end_at, first)
        if spec.schedule.kind in ("interval", "calendar"):
            key += (plan.task.anchor,)
        found = self.sequences.get(key)
        if found is None:
            found = self.sequences[key] = [first]
        return found

    def _schedule_next(self, plan: _Plan, fire: datetime | None) -> None:
        if fire is None or fire.timestamp() > self.end_ts:
            plan.next_ts = None
            return
        plan.next_ts = fire.timestamp()
        self._event(plan.next_ts, _FIRE, plan.task.id, ("fire", plan.next_ts, None))

    def _advance(self, plan: _Plan) -> None:
        """The task's schedule fire was handled: line up the next one."""
        if plan.sequence is None:
            plan.next_ts = None  # a one-shot
            return
        plan.position += 1
        seq = plan.sequence
        if plan.position >= len(seq):
            nxt = next_after(plan.trigger, seq[-1])
            if nxt is None:
                plan.next_ts = None
                return
            seq.append(nxt)
        self._schedule_next(plan, seq[plan.position])

    # -- the loop -------------------------------------------------------------------------------

    def _event(self, at: float, kind: int, ident: int, data: Any = None) -> None:
        heapq.heappush(self.events, (at, kind, next(self.seq), ident, data))

    def _loop(self) -> None:
        events = self.events
        while events and len(self.out) < self.limit:
            at, kind, _seq, ident, data = heapq.heappop(events)
            if at > self.end_ts:
                break
            self.clock = at
            for waiter in self.gate.expired(at):
                self._skip(self.runs[waiter.run_id], self._timeout_reason(waiter))
            if kind == _END:
                run = self.runs.get(ident)
                if run is not None:  # (gone: replaced while it ran)
                    self._end(run)
            else:
                self._fire(self.plans[ident], *data)
            self._start_ready()

    def _fire(self, plan: _Plan, kind: str, scheduled: float, reason: str | None) -> None:
        if plan.capped:
            return
        if kind == "fire":
            self._advance(plan)
        plan.generated += 1
        if plan.generated >= self.per_task and plan.next_ts is not None:
            plan.capped = True
            plan.next_ts = None
            note = (f"this task fires more than {self.per_task:,} times in the window; "
                    "later fires are not listed")
            reason = f"{reason}; {note}" if reason else note
        if plan.simple and (kind == "fire" or kind == "catch_up"):
            self._list(plan, self.clock, kind, reason, scheduled)
            return
        run = self._new_run(plan, scheduled, self.clock, kind, reason)
        spec = plan.task.spec
        task_id = plan.task.id
        if kind == "fire" or kind == "chain":  # (catch-ups are claimed together at start-up,
            # where nothing is going yet: the engine never finds them overlapping)
            active = (self.ready.running_by_task[task_id] + self.ready.queued_count(task_id)
                      + self.gate.count(task_id))
            overlapping = rules.overlap(spec.overlap, active, spec.max_instances)
            if overlapping == rules.SKIP_FIRE:
                self._skip(run, rules.overlap_skip_reason(
                    active, spec.max_instances, span(plan.duration) if plan.duration else ""))
                return
            if overlapping == rules.REPLACE:
                self._replace(task_id, run)
        if task_id in self.graph.waited_on:
            self.book.record(task_id, scheduled, PENDING, run.run_id)
        ups = self.graph.wait_ups.get(task_id)
        if not ups:
            self._push_pending(run)
            return
        timeout = spec.dependency_timeout
        waiter = Waiter(run.run_id, task_id, scheduled, ups, self.clock,
                        self.clock + timeout if timeout else None)
        verdict = self.gate.judge(waiter)
        if verdict.action == GO:
            self._push_pending(run)
        elif verdict.action == SKIP:
            self._skip(run, verdict.reason or "an upstream did not succeed")
        else:
            waiter.reason = verdict.reason
            self._note_wait(run, verdict)
            self.gate.hold(waiter)

    def _replace(self, task_id: int, run: _Run) -> None:
        for other in list(self.runs.values()):
            if other.plan.task.id == task_id and not other.ended and other is not run:
                self.ready.remove(other.run_id)
                self.gate.remove(other.run_id)
                if other.run_id in self.ready.running:
                    self.ready.finished(other.run_id)
                other.ended = True
                del self.runs[other.run_id]
        note = "replaces the run still going (overlap: replace)"
        run.reason = f"{run.reason}; {note}" if run.reason else note

    def _new_run(self, plan: _Plan, scheduled: float, due: float, kind: str,
                 reason: str | None) -> _Run:
        run = _Run(next(self.run_ids), plan, scheduled, due, kind, reason)
        self.runs[run.run_id] = run
        return run

    def _push_pending(self, run: _Run) -> None:
        spec = run.plan.task.spec
        self.ready.push(Pending(
            run_id=run.run_id, task_id=run.plan.task.id, priority=spec.priority,
            scheduled_ts=run.scheduled, level=self.graph.levels.get(run.plan.task.id, 0),
            max_instances=spec.max_instances, group=spec.group,
            group_limit=spec.group_limit or 1))

    def _start_ready(self) -> None:
        for pending in self.ready.take():
            run = self.runs[pending.run_id]
            self._emit_start(run)
            end = self.clock + (run.plan.duration or 0.0)
            self._event(end, _END, run.run_id)
        for pending in self.ready.held:
            run = self.runs[pending.run_id]
            spec = run.plan.task.spec
            run.held.append(rules.held_reason(
                pending.held or rules.BY_TASK, max_instances=spec.max_instances,
                overlap_policy=spec.overlap, group=spec.group, group_limit=pending.group_limit))
        self.ready.held.clear()

    def _end(self, run: _Run) -> None:
        if run.ended:
            return
        run.ended = True
        del self.runs[run.run_id]
        self.ready.finished(run.run_id)
        task_id = run.plan.task.id
        if task_id in self.graph.waited_on:
            self.book.record(task_id, run.scheduled, "succeeded", run.run_id)
            self._review(task_id)
        if task_id in self.graph.trigger_downs:
            for chain_id in self.chains.succeeded(task_id, self.graph):
                plan = self.plans.get(chain_id)
                if plan is None:
                    continue
                names = sorted(self._name(u) for u in self.graph.trigger_ups[chain_id])
                self._event(self.clock, _FIRE, chain_id,
                            ("chain", self.clock, f"after {' and '.join(names)} succeeded"))

    def _review(self, upstream: int) -> None:
        todo = [upstream]
        while todo:
            for waiter, verdict in self.gate.review(todo.pop()):
                run = self.runs[waiter.run_id]
                if verdict.action == GO:
                    self._push_pending(run)
                elif verdict.action == SKIP:
                    self._skip(run, verdict.reason or "an upstream did not succeed")
                    if run.plan.task.id in self.graph.waited_on:
                        todo.append(run.plan.task.id)
                else:
                    waiter.reason = verdict.reason
                    self._note_wait(run, verdict)

    def _note_wait(self, run: _Run, verdict: Verdict) -> None:
        if verdict.upstream is not None:
            text = f"waited for upstream {self._name(verdict.upstream)}"
            if text not in run.held:
                run.held.append(text)

    def _skip(self, run: _Run, why: str) -> None:
        run.ended = True
        self.runs.pop(run.run_id, None)
        task_id = run.plan.task.id
        if task_id in self.graph.waited_on:
            self.book.record(task_id, run.scheduled, "skipped", run.run_id)
        reason = f"{run.reason}; {why}" if run.reason else why
        self._list(run.plan, self.clock, "skipped", reason, run.scheduled)

    def _timeout_reason(self, waiter: Waiter) -> str:
        limit = self.runs[waiter.run_id].plan.task.spec.dependency_timeout or 0
        return (f"would wait longer than its dependency timeout ({limit:g}s): "
                f"{waiter.reason or 'upstreams not done'}")

    def _emit_start(self, run: _Run) -> None:
        late = self.clock - run.due
        if late >= 0.5:  # (a wait for an upstream that ends at once is no delay)
            since = datetime.fromtimestamp(run.scheduled, run.plan.tz)
            held = run.held or [f"all {self.ready.workers} workers busy"]
            note = (f"delayed {span(late)} from {since.isoformat(timespec='seconds')}: "
                    + "; ".join(held))
            self._list(run.plan, self.clock, "delayed",
                       f"{run.reason}; {note}" if run.reason else note, run.scheduled)
        elif run.kind != "busy":  # (runs going now are not listed)
            self._list(run.plan, self.clock, run.kind, run.reason, run.scheduled)

    def _list(self, plan: _Plan, at: float, kind: str, reason: str | None,
              scheduled: float) -> None:
        task = plan.task
        wanted = self.world.wanted
        if (wanted is not None and task.id not in wanted) or at < self.start_ts:
            return
        fire_at = datetime.fromtimestamp(at, plan.tz)
        moved = None if scheduled == at else datetime.fromtimestamp(scheduled, plan.tz)
        self.out.append(Occurrence(task.id, task.name, fire_at, kind, reason, plan.duration,
                                   moved))

    # -- rules ----------------------------------------------------------------------------------

    def _judge(self, waiter: Waiter) -> Verdict:
        return judge(waiter.upstreams, waiter.ts, book=self.book, lookup=self.world.latest,
                     next_fire=self._next_fire, name=self._name)

    def _next_fire(self, task_id: int) -> float | None:
        plan = self.plans.get(task_id)
        return plan.next_ts if plan is not None else None

    def _name(self, task_id: int) -> str:
        plan = self.plans.get(task_id)
        return plan.task.name if plan is not None else self.world.names.get(
            task_id, f"task {task_id}")
