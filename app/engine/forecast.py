"""What would run, read off the real dispatcher: the listing behind `simulate`.

`Forecast` plays a `World` (app/engine/world.py) forward with `SimulatedEngine`: the
engine's own `Dispatcher`, on a simulated clock, with a ledger in memory and an executor
that "runs" each attempt for its task's expected duration and ends it succeeded. What the
dispatcher does is what is listed, one `Occurrence` each:

- a run it starts, when it starts: kind `fire`, `catch_up`, `chain` (by the trigger it was
  claimed with; a retry due is `delayed`), or `delayed` when it starts half a second or more
  after it fell due, with what held it (the upstreams its record says it waited for, the
  task or group limit the dispatcher wrote as `held back: …`, else the worker limit);
- a run it skips (its overlap rule, an upstream that did not succeed, a dependency
  timeout), when it skips it: kind `skipped`, with the dispatcher's reason.

The World gives the tasks and their first fires (for overdue tasks, the catch-up plan an
engine started at `now`, or at the window's start when that is later, makes then: the fires
missed up to that instant, claimed there as the engine's start-up claims them, and the next
fire after it), the runs going now (claimed first; they end at their expected end, not
before `now`, and are not listed), the runs claimed and not started (a live engine's
catch-up held back by its group, a fire waiting on its upstream: taken at `now` as an
engine takes them, so a fire claimed beside one meets it as in the engine; listed when they
start), the retries due and the run history the dependency rule and chains read. For a
window that starts after `now` the play begins at `now`: a run going now that ends before
the window and what it chains happen then, unlisted, instead of piling up at the window's
start. Nothing reads the store or the clock here.
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any, Final

from app.core.rules import catch_up_reason
from app.core.schedule import build_trigger, parse_timezone
from app.core.schedule.triggers import first_fire
from app.core.task import Task
from app.engine import recovery
from app.engine.attempts import Attempt
from app.engine.events import Event, RunChanged
from app.engine.lone import CatchUps, LoneFires, lone
from app.engine.occurrence import Occurrence, span
from app.engine.ports import Done
from app.engine.records import QUEUED, RunRecord
from app.engine.simulated import MemoryLedger, SimulatedEngine
from app.engine.world import World
from app.engine.writes import GIVEN_BACK
from app.store.times import utc_text

KIND_OF: Final = {"schedule": "fire", "catch_up": "catch_up", "chain": "chain",
                  "retry": "delayed", "manual": "busy"}
UNLISTED: Final = "unlisted"  # a run claimed before the play that is not listed (by hand)
COUNTED: Final = frozenset({"schedule", "catch_up", "chain", "retry"})  # toward `per_task`
ALL_WORKERS: Final = 1_000_000_000  # no worker limit given
SEEN: Final = frozenset({"waiting", "skipped", "cancelled"})  # events that change a listing
HELD: Final = "held back: "  # the dispatcher's note on a run its task or group holds
TIMEOUT: Final = "waited longer than its dependency timeout"  # an upstream skip's words
REPLACED: Final = "replaces the run still going (overlap: replace)"
# notes the engine adds to a claimed run's reason while it waits (the forecast says its own)
WAIT_NOTES: Final = (HELD, "waiting for upstream ", "waited ", GIVEN_BACK)


def as_claimed(reason: str | None) -> str | None:
    """A run's stored reason as it was claimed, without the notes its waits added."""
    kept = [part for part in (reason or "").split("; ") if part and not part.startswith(
        WAIT_NOTES)]
    return "; ".join(kept) or None


def replaces_note(reason: str) -> bool:
    """Whether a run was stopped or cancelled by an overlap `replace`."""
    return reason.startswith("replaced by the fire at")


@dataclass(slots=True)
class _Claim:
    """A run the dispatcher claimed, as the forecast follows it."""

    task: Task
    kind: str  # fire | catch_up | chain | delayed (a retry) | busy (going now) | unlisted
    fire: str  # the fire time it stands for (UTC text, as claimed)
    at: float  # when it was claimed
    reason: str | None
    held: list[str] = field(default_factory=list)  # the limits that held it, in words


class _Ledger(MemoryLedger):
    """The memory ledger, telling the forecast of each claim it takes."""

    def __init__(self, forecast: Forecast) -> None:
        super().__init__()
        self.forecast = forecast

    def claim(self, row: tuple[Any, ...], done: Done) -> None:
        def claimed(run_id: int | None, error: BaseException | None) -> None:
            if run_id is not None:
                self.forecast.claimed(run_id, row)
            done(run_id, error)
        super().claim(row, claimed)


class _History:
    """The run history the dispatcher reads (`History`), from the World."""

    def __init__(self, world: World) -> None:
        self.world = world

    def latest(self, task_id: int, ts: float) -> Any:
        return self.world.latest(task_id, ts)

    def chain_successes(self, task_id: int, ups: frozenset[int]) -> set[int]:
        return set(self.world.chain_done.get(task_id, ()))

    def checkpoint(self, task_id: int, fire: datetime) -> str | None:
        return None


class Forecast:
    """The World played forward through the real dispatcher; see the module docstring."""

    def __init__(self, world: World, start: datetime, end: datetime, now: datetime,
                 limit: int, per_task: int, workers: int | None, *,
                 shortcut: bool = True, counted: bool = False,
                 plans: dict[tuple[Any, ...], recovery.CatchUp] | None = None) -> None:
        """`shortcut`: list lone tasks' fires without playing them (app/engine/lone.py);
        `counted`: leave them out of `run()`'s listing altogether, for a caller that counts
        them (app/engine/fires.py) from `lone_tasks` (each with its next fire, which may be
        before `start`) and `lone_catch_ups` (claimed at `catch_up_at`); `plans`: overdue
        tasks' catch-up plans kept between forecasts (a plan holds until its next fire)."""
        self.world = world
        self.plans = plans
        self.start_ts = start.timestamp()
        self.end = end
        self.end_ts = end.timestamp()
        self.now = now
        self.catch_up_at = max(now.timestamp(), self.start_ts)
        self.limit = limit
        self.per_task = per_task
        self.workers = workers or ALL_WORKERS
        self.tasks = {t.id: t for t in world.tasks}
        # a live engine claimed their catch-up (held), their next fire maybe not yet written
        self.caught = {task for _run, task, _fire, _attempt, trigger, _reason in world.unstarted
                       if trigger == "catch_up"}
        self.zones: dict[int, tzinfo] = {t.id: parse_timezone(t.spec.timezone)
                                         for t in world.tasks}
        self.claims: dict[int, _Claim] = {}
        self.counts: dict[int, int] = {}
        self.replacing: set[int] = set()  # tasks whose runs the next claim replaces
        self.out: list[Occurrence] = []
        self.lone_catch_ups: CatchUps = []
        alone = lone(world, workers) if shortcut else set()
        self.counted = counted
        first = self.origin if counted else self._first
        self.lone_tasks = [(t, first(t, self.lone_catch_ups)) for t in world.tasks
                           if t.id in alone]
        self.alone = alone
        self.start = start
        self.begin = min(start, now)  # the play's first instant (see the module docstring)
        self._engine: SimulatedEngine | None = None
        if not counted:
            self._set_up()

    def _set_up(self) -> SimulatedEngine:
        """The simulated engine over the tasks that are not lone, their first fires armed,
        the runs going now and the retries due claimed, the catch-ups planned."""
        world, end = self.world, self.end
        alone = self.alone
        catch_ups: CatchUps = []
        firsts = [dataclasses.replace(t, next_run_at=self._first(t, catch_ups))
                  for t in world.tasks if t.id not in alone]
        names = dict(world.names)
        self._engine = engine = SimulatedEngine(
            firsts, world.edges, start=self.begin, workers=self.workers, outcome=self._started,
            history=_History(world), names=names, ledger=_Ledger(self))
        engine.dispatcher.expected = self._expected
        engine.horizon.shared = {}  # tasks alike share their fire times
        engine.hub.subscribe(self._event)
        dispatcher = engine.dispatcher
        for task_id, started in world.busy:  # runs going now hold their task and group
            dispatcher.claim(self.tasks[task_id], datetime.fromtimestamp(started, UTC), 1,
                             "manual")
        for task_id, due, attempt in world.retries:
            if due <= end:
                dispatcher.claim(self.tasks[task_id], due, attempt, "retry",
                                 status="retrying", due_at=due,
                                 reason=f"retry (attempt {attempt}) after its backoff")
        at = self.catch_up_at
        if catch_ups and at <= self.end_ts:
            engine.clock.call_later(at - engine.clock.time(),
                                    lambda: engine.post(lambda: self._catch_up(catch_ups)))
        if world.unstarted:  # taken at `now`, after the catch-ups there (as a start does);
            # their fires' keys held from here, so a catch-up of one is claimed already
            taken = [(engine.ledger.taken(task_id, utc_text(fire), attempt), task_id, fire,
                      attempt, trigger, reason)
                     for _run, task_id, fire, attempt, trigger, reason in world.unstarted]
            engine.clock.call_later(self.now.timestamp() - engine.clock.time(),
                                    lambda: engine.post(lambda: self._adopt(taken)))
        return engine

    @property
    def engine(self) -> SimulatedEngine:
        return self._engine or self._set_up()

    def run(self) -> list[Occurrence]:
        """The listing (lone tasks' fires merged in, unless `counted`), a copy: what the play
        gathered is let go once it is listed (`SimulatedEngine.release`)."""
        engine = self.engine
        alone = [] if self.counted else LoneFires(
            self.world, self.zones, self.start_ts, self.end_ts, self.limit, self.per_task,
            self._cap_note).listing(self.lone_tasks, self.lone_catch_ups, self.catch_up_at)
        until = self.end
        if len(alone) >= self.limit:  # the dispatcher's listing past this is not needed
            until = min(until, alone[-1].fire_at)
        engine.run(until, enough=lambda: len(self.out) >= self.limit)
        merged = heapq.merge(self.out, alone, key=lambda o: o.fire_at)
        listing = list(itertools.islice(merged, self.limit))
        engine.release(self.out)
        return listing

    # -- set-up ---------------------------------------------------------------------------------

    def _first(self, task: Task, catch_ups: CatchUps) -> datetime | None:
        """The task's first fire in the window (its catch-up plan noted when overdue)."""
        spec = task.spec
        if spec.schedule.kind in ("manual", "after") or spec.schedule.is_startup:
            return None
        first = task.next_run_at
        if first is None:
            return None
        if first < self.now and task.id not in self.caught:  # overdue: no engine ran
            plan = self._plan(task)
            if plan.fires:
                catch_ups.append((task, plan.fires, plan.missed_text))
            first = plan.next_run_at
            if first is None:
                return None
        if first.timestamp() >= self.start_ts:
            return first
        if spec.schedule.kind == "date":
            return None
        trigger = build_trigger(spec.schedule, self.zones[task.id], task.anchor, spec.end_at)
        return first_fire(trigger, datetime.fromtimestamp(self.start_ts, UTC)) \
            if trigger is not None else None

    def _plan(self, task: Task) -> recovery.CatchUp:
        """An overdue task's catch-up plan at the instant it is claimed (`catch_up_at`): the
        fires missed up to then and the next one after, as an engine started then makes it
        (planned at `now` for a later window, the next fire fell at the window's start beside
        the catch-up). The kept one while that instant is before its next fire: until then
        the missed fires are the same."""
        at = datetime.fromtimestamp(self.catch_up_at, UTC)
        if self.plans is None:
            return recovery.missed_fires(task, at)
        later = at if at > self.now else None  # (a later window's plan is its own)
        key = (task.id, task.updated_at, task.next_run_at, later)
        kept = self.plans.get(key)
        if kept is None or (kept.next_run_at is not None and at >= kept.next_run_at):
            if len(self.plans) > 100_000:
                self.plans.clear()
            kept = self.plans[key] = recovery.missed_fires(task, at)
        return kept

    def origin(self, task: Task, catch_ups: CatchUps) -> datetime | None:
        """The task's next fire, from which its later ones follow (its catch-up plan noted
        when overdue): no trigger is stepped to the window's start."""
        if task.next_run_at is None or task.spec.schedule.kind in ("manual", "after"):
            return None  # (a cron @reboot has no next fire either)
        if task.next_run_at < self.now:
            return self._first(task, catch_ups)
        return task.next_run_at

    def _catch_up(self, catch_ups: CatchUps) -> None:
        """Claimed as the engine's start-up claims them (`recovery`)."""
        dispatcher = self.engine.dispatcher
        for task, fires, missed in catch_ups:
            for fire in fires:
                dispatcher.claim(task, fire, 1, "catch_up",
                                 reason=catch_up_reason(task.spec.catch_up, missed))

    def _adopt(self, taken: list[tuple[int, int, datetime, int, str, str | None]]) -> None:
        """The runs claimed and not started (a live engine's catch-up held by its group, a
        fire waiting on its upstream, a manual run queued): taken as the engine takes them,
        each holding its task from here, so a fire claimed beside one meets it (its overlap
        rule, the task's limit); listed when they start, but for those started by hand."""
        engine = self.engine
        dispatcher, now = engine.dispatcher, engine.clock.time()
        for run_id, task_id, fire, attempt, trigger, reason in taken:
            task = self.tasks[task_id]
            kind = KIND_OF.get(trigger, UNLISTED)
            self.claims[run_id] = _Claim(task, UNLISTED if kind == "busy" else kind,
                                         utc_text(fire), now, as_claimed(reason))
            dispatcher.admit(RunRecord(run_id, task, fire, attempt, QUEUED), adopted=True)
        dispatcher.pump()

    def _cap_note(self) -> str:
        return (f"this task fires more than {self.per_task:,} times in the window; "
                "later fires are not listed")

    def _expected(self, task: Task) -> str:
        duration = self.world.durations.get(task.id)
        return span(duration) if duration else ""

    # -- what the dispatcher does ---------------------------------------------------------------

    def claimed(self, run_id: int, row: tuple[Any, ...]) -> None:
        """The dispatcher claimed a run: (task, fire, attempt, status, trigger, …, reason …)."""
        task_id, fire, trigger, reason = row[0], row[1], row[4], row[6]
        task = self.tasks[task_id]
        kind = KIND_OF.get(trigger, trigger)
        if row[3] == "skipped":
            reason = None  # (the skip's reason comes with its event)
        elif kind == "chain" and reason:
            reason = reason.removeprefix("chain: ")
        self._note_stops()
        if task_id in self.replacing and row[3] != "skipped":
            self.replacing.discard(task_id)
            reason = f"{reason}; {REPLACED}" if reason else REPLACED
        if trigger in COUNTED and self.engine.clock.time() >= self.start_ts:
            count = self.counts[task_id] = self.counts.get(task_id, 0) + 1
            horizon = self.engine.horizon
            nxt = horizon.next_fire(task_id)
            if count >= self.per_task and nxt is not None and nxt <= self.end_ts:
                horizon.set(task_id, None)  # later fires are not listed
                note = self._cap_note()
                reason = f"{reason}; {note}" if reason else note
        self.claims[run_id] = _Claim(task, kind, fire, self.engine.clock.time(), reason)

    def _note_stops(self) -> None:
        """Runs an overlap `replace` stopped just now: the claim that follows replaces them."""
        stopped = self.engine.executor.stopped
        for _at, attempt in stopped:
            if replaces_note(attempt.cancel_reason):
                self.replacing.add(attempt.task_id)
        stopped.clear()

    def _event(self, event: Event) -> None:
        if not isinstance(event, RunChanged) or event.status not in SEEN:
            return
        claim = self.claims.get(event.run_id)
        if claim is None:
            return
        reason = event.reason or ""
        if event.status == "waiting" and reason.startswith(HELD):
            held = reason[len(HELD):]
            if held not in claim.held:
                claim.held.append(held)
        elif event.status == "skipped":
            del self.claims[event.run_id]
            if reason.startswith(TIMEOUT):
                reason = "would wait" + reason.removeprefix("waited")
            if claim.kind != "busy" and claim.reason and claim.reason != reason:
                reason = f"{claim.reason}; {reason}"
            if claim.kind != UNLISTED:
                self._list(claim, self.engine.clock.time(), "skipped", reason)
        elif event.status == "cancelled" and replaces_note(reason):
            del self.claims[event.run_id]
            self.replacing.add(claim.task.id)

    def _started(self, attempt: Attempt) -> tuple[float, str]:
        """The executor starts an attempt: list it; it runs its expected duration."""
        claim = self.claims.pop(attempt.run_id)
        now = self.engine.clock.time()
        duration = self.world.durations.get(claim.task.id) or 0.0
        if claim.kind == "busy":  # it ends at its expected end, and not before `now`
            started = datetime.fromisoformat(claim.fire).timestamp()
            return max(started + duration, self.now.timestamp()) - now, "succeeded"
        if claim.kind == UNLISTED:
            return duration, "succeeded"
        due = attempt.due_at.timestamp() if attempt.due_at is not None else claim.at
        late = now - due
        if late >= 0.5:  # (a wait for an upstream that ends at once is no delay)
            record = self.engine.dispatcher.runs.get(attempt.run_id)
            waited = [f"waited for upstream {self.engine.dispatcher.upstreams.name(u)}"
                      for u in (record.blocked_by if record is not None else ())]
            held = waited + claim.held or [f"all {self.workers} workers busy"]
            since = datetime.fromtimestamp(attempt.scheduled_for.timestamp(),
                                           self.zones[claim.task.id])
            note = (f"delayed {span(late)} from {since.isoformat(timespec='seconds')}: "
                    + "; ".join(held))
            claim.reason = f"{claim.reason}; {note}" if claim.reason else note
            self._list(claim, now, "delayed", claim.reason, attempt.scheduled_for)
        else:
            self._list(claim, now, claim.kind, claim.reason, attempt.scheduled_for)
        return duration, "succeeded"

    def _list(self, claim: _Claim, at: float, kind: str, reason: str | None,
              fire: datetime | None = None) -> None:
        task = claim.task
        wanted = self.world.wanted
        if (wanted is not None and task.id not in wanted) or at < self.start_ts:
            return
        tz = self.zones[task.id]
        scheduled = (fire or datetime.fromisoformat(claim.fire)).timestamp()
        moved = None if scheduled == at else datetime.fromtimestamp(scheduled, tz)
        self.out.append(Occurrence(task.id, task.name, datetime.fromtimestamp(at, tz), kind,
                                   reason, self.world.durations.get(task.id), moved))
