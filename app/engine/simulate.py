"""What would run: the engine's rules played forward in time, nothing run and nothing written.

`simulate(service, start, hours)` lists the occurrences of the enabled tasks in the window
[start, start + hours], in time order, each with what moved or dropped it:

- fire times come from the tasks' own triggers, exactly as the engine computes them (the
  stored next fire first, then `next_after` the previous one), so DST rules hold;
- overdue tasks (their next fire is before `now`: no engine ran) get their catch-up policy,
  at `now` (kind "catch_up");
- chain tasks fire when all their upstreams have succeeded since their last run (kind
  "chain"), starting from what the ledger says has succeeded already;
- a run's expected duration is the median of its task's last 20 successful runs (None
  without history, and then it is taken to end at once); with it the simulation applies
  `max_instances` and the overlap policy (kind "skipped" for skip, "delayed" for queue),
  concurrency group limits ("delayed") and dependency waits ("delayed", or "skipped" when
  the upstream's latest run in the ledger failed, or past the dependency timeout);
- every simulated run is assumed to succeed.

The rules are the engine's own classes (`ReadyQueue`, `Gate`, `judge`, `FireBook`, `Chains`)
driven by simulated time. Not simulated: the global worker limit (it belongs to the engine
process, not the store; pass `workers=` to apply one), cron `@reboot` tasks, manual runs,
and runs already queued or running (those still occupy their task and group until their
expected end).

The work is bounded: at most `limit` occurrences in all (the earliest ones: when the result
has `limit` items, the window was cut at the last one's time), and at most `per_task` per
task (the last one listed says that more were left out), so a month over 10,000 tasks costs
at most `limit` trigger steps. Fire sequences shared by several tasks (the same cron in the
same zone from the same first fire) are computed once.
"""

from __future__ import annotations

import heapq
import itertools
import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, Final

from app.core.schedule import build_trigger, parse_timezone
from app.core.task import Task
from app.engine import recovery
from app.engine.dependencies import (
    GO,
    PENDING,
    SKIP,
    Chains,
    Fire,
    FireBook,
    Gate,
    Graph,
    Verdict,
    Waiter,
    fire_state,
    judge,
)
from app.engine.dispatcher import BY_GROUP, Pending, ReadyQueue
from app.engine.horizon import next_after
from app.engine.upstreams import chain_successes, names_of
from app.store import ledger
from app.store import tasks as task_store
from app.store.models import RunRow, TaskRow, db

if TYPE_CHECKING:
    from app.service import Service

KINDS: Final = ("fire", "catch_up", "chain", "skipped", "delayed")
PER_TASK: Final = 2_000  # occurrences listed per task at most
HISTORY: Final = 20  # successful runs a typical duration is taken from
_FIRE, _END = 1, 0  # event kinds; an end sorts before a fire at the same instant


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One predicted run (or a fire the rules drop), as the calendar and the CLI show it."""

    task_id: int
    task_name: str
    fire_at: datetime  # when it would start (aware, in the task's zone)
    kind: str  # fire | catch_up | chain | skipped | delayed
    reason: str | None = None  # what moved or dropped it (or what the listing left out)
    expected_duration_s: float | None = None
    scheduled_for: datetime | None = None  # the fire time it stands for, when not fire_at

    def to_json(self) -> dict[str, Any]:
        return {
            "task_id": self.task_id,
            "task_name": self.task_name,
            "fire_at": self.fire_at.isoformat(),
            "kind": self.kind,
            "reason": self.reason,
            "expected_duration_s": self.expected_duration_s,
        }


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


def simulate(service: Service, start: datetime, hours: float, *,
             task_ids: set[int] | None = None, limit: int = 100_000,
             now: datetime | None = None, per_task: int = PER_TASK,
             workers: int | None = None) -> list[Occurrence]:
    """The occurrences in [start, start + hours], earliest first, at most `limit`."""
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("start must be timezone-aware")
    now = now if now is not None else datetime.now(UTC)
    end = start + timedelta(hours=hours)
    if limit <= 0 or end < start:
        return []
    with service.store.read():
        world = _World.read(task_ids, now)
    return _Simulation(world, start, end, now, limit, per_task, workers).run()


@dataclass(slots=True)
class _World:
    """Everything read from the store, in one read transaction."""

    tasks: list[Task]
    wanted: set[int] | None  # tasks whose occurrences are listed (None: all)
    graph: Graph
    names: dict[int, str]
    durations: dict[int, float | None]
    chain_done: dict[int, set[int]]
    history: dict[tuple[int, float], Fire | None]
    busy: list[tuple[int, float]]  # (task, started ts) of runs going now
    retries: list[tuple[int, datetime, int]]  # (task, due, attempt)

    @classmethod
    def read(cls, task_ids: set[int] | None, now: datetime) -> _World:
        graph = Graph.from_edges(task_store.all_edges())
        where = TaskRow.enabled & (TaskRow.next_run_at.is_null(False)
                                   | (TaskRow.schedule_kind == "after"))
        if task_ids is not None:
            involved = set(task_ids)
            for task_id in task_ids:
                involved |= graph.ancestors.get(task_id, frozenset())
            peers = TaskRow.select(TaskRow.group).where(
                TaskRow.id.in_(sorted(involved)) & TaskRow.group.is_null(False))
            involved |= {i for (i,) in TaskRow.select(TaskRow.id).where(
                TaskRow.group.in_(peers)).tuples()}
            where &= TaskRow.id.in_(sorted(involved))
        ids = [i for (i,) in TaskRow.select(TaskRow.id).where(where).tuples()]
        tasks = task_store.load_ids(ids, with_last_run=False)
        durations = {t.id: _typical(ledger.recent_durations(t.id, HISTORY)) for t in tasks}
        known = {t.id for t in tasks}
        chain_done = {c: chain_successes(c, ups) for c, ups in graph.trigger_ups.items()
                      if c in known}
        nodes: set[int] = set()
        for task_id, ups in [*graph.wait_ups.items(), *graph.trigger_ups.items()]:
            nodes.add(task_id)
            nodes.update(ups)
        busy = [(int(t), s.timestamp()) for t, s in RunRow.select(RunRow.task, RunRow.started_at)
                .where((RunRow.status == "running") & RunRow.started_at.is_null(False)).tuples()
                if t in known]
        retries = [(int(t), d, int(a)) for t, d, a in
                   RunRow.select(RunRow.task, RunRow.due_at, RunRow.attempt)
                   .where((RunRow.status == "retrying") & RunRow.due_at.is_null(False)).tuples()
                   if t in known]
        history: dict[tuple[int, float], Fire | None] = {}
        for task_id in graph.waited_on:  # each upstream's latest fire in the ledger
            found = ledger.latest_fire(task_id, now)
            history[(task_id, now.timestamp())] = None if found is None else Fire(
                found[1].timestamp(), fire_state(found[2]), found[0])
        return cls(tasks, task_ids, graph, names_of(nodes), durations, chain_done, history,
                   busy, retries)


def _typical(durations: list[float]) -> float | None:
    return statistics.median(durations) if durations else None


class _Simulation:
    def __init__(self, world: _World, start: datetime, end: datetime, now: datetime,
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
        self.ready.ancestors = self.graph.ancestors
        self.events: list[tuple[float, int, int, int, Any]] = []
        self.seq = itertools.count()
        self.run_ids = itertools.count(1)
        self.runs: dict[int, _Run] = {}
        self.out: list[Occurrence] = []
        self.sequences: dict[tuple[Any, ...], list[datetime]] = {}
        self.caught_up: dict[tuple[Any, ...], tuple[list[datetime], int, datetime | None]] = {}
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
            fires, missed, first = self._missed(plan)
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
                first = plan.trigger.get_next_fire_time(None, datetime.fromtimestamp(
                    self.start_ts, UTC))
                while first is not None and first.timestamp() < self.start_ts:
                    first = next_after(plan.trigger, first)
                if first is None:
                    return
            plan.sequence = self._sequence(plan, first)
        elif first.timestamp() < self.start_ts:
            return
        self._schedule_next(plan, first)

    def _missed(self, plan: _Plan) -> tuple[list[datetime], int, datetime | None]:
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
            found = self.caught_up[key] = (plan_.fires, plan_.missed, plan_.next_run_at)
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
                self._end(self.runs[ident])
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
        if kind in ("fire", "catch_up", "chain"):
            active = (self.ready.running_by_task[task_id] + self.ready.queued_count(task_id)
                      + self.gate.count(task_id))
            if active >= spec.max_instances:
                if spec.overlap == "skip":
                    going = f"expected to take {_span(plan.duration)}" if plan.duration else ""
                    self._skip(run, f"{active} run(s) of this task still going"
                                    f"{f' ({going})' if going else ''}; max instances "
                                    f"{spec.max_instances}, overlap: skip")
                    return
                if spec.overlap == "replace":
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
            run.held.append(f"group {spec.group} runs at most {pending.group_limit} at a time"
                            if pending.held == BY_GROUP else
                            f"at most {spec.max_instances} run(s) of this task at a time "
                            f"(overlap: {spec.overlap})")
        self.ready.held.clear()

    def _end(self, run: _Run) -> None:
        if run.ended:
            return
        run.ended = True
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
        task_id = run.plan.task.id
        if task_id in self.graph.waited_on:
            self.book.record(task_id, run.scheduled, "skipped", run.run_id)
        reason = f"{run.reason}; {why}" if run.reason else why
        self._emit(run, self.clock, "skipped", reason)

    def _timeout_reason(self, waiter: Waiter) -> str:
        limit = self.runs[waiter.run_id].plan.task.spec.dependency_timeout or 0
        return (f"would wait longer than its dependency timeout ({limit:g}s): "
                f"{waiter.reason or 'upstreams not done'}")

    def _emit_start(self, run: _Run) -> None:
        late = self.clock - run.due
        if late > 1e-6 and run.held:
            since = datetime.fromtimestamp(run.scheduled, run.plan.tz)
            note = (f"delayed {_span(late)} from {since.isoformat(timespec='seconds')}: "
                    + "; ".join(run.held))
            self._emit(run, self.clock, "delayed",
                       f"{run.reason}; {note}" if run.reason else note)
        else:
            self._emit(run, self.clock, run.kind, run.reason)

    def _emit(self, run: _Run, at: float, kind: str, reason: str | None) -> None:
        if kind != "busy":
            self._list(run.plan, at, kind, reason, run.scheduled)

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
        return judge(waiter.upstreams, waiter.ts, book=self.book, lookup=self._lookup,
                     next_fire=self._next_fire, name=self._name)

    def _lookup(self, task_id: int, ts: float) -> Fire | None:
        key = (task_id, self.now_ts)
        if ts < self.now_ts:
            key = (task_id, ts)
            if key not in self.world.history:
                with db.atomic("DEFERRED"):
                    found = ledger.latest_fire(task_id, datetime.fromtimestamp(ts, UTC))
                self.world.history[key] = None if found is None else Fire(
                    found[1].timestamp(), fire_state(found[2]), found[0])
        return self.world.history.get(key)

    def _next_fire(self, task_id: int) -> float | None:
        plan = self.plans.get(task_id)
        return plan.next_ts if plan is not None else None

    def _name(self, task_id: int) -> str:
        plan = self.plans.get(task_id)
        return plan.task.name if plan is not None else self.world.names.get(
            task_id, f"task {task_id}")


def _span(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s" if secs else f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


__all__ = ["KINDS", "PER_TASK", "Occurrence", "simulate"]
