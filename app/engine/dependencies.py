"""The state the dependency rules of DESIGN.md read, as plain logic: `FireBook`, `Gate`,
`Graph`, `Chains`. The verdict itself (`judge`, `Verdict`, `Fire`) is a pure function in
`app.core.rules`, re-exported here.

No threads, no store, no clock of its own: the dispatcher's `Upstreams` feeds these classes
what happens and acts on their answers, and `SimulatedEngine` and the tests drive them
the same way.

**Waits.** A run of a task with upstreams (`depends_on`) starts only once the latest fire of
each upstream at or before the run's own scheduled time has succeeded. The latest fire is the
one with the greatest scheduled time ≤ s; its state is its newest attempt's (a failed attempt
with a retry coming is still pending). Per upstream:

- it has a fire at or before s that nobody has claimed yet (its next fire time ≤ s, e.g. both
  fire at 02:00 and the upstream's claim has not been made): wait for it;
- that fire is pending (claimed, queued, waiting, running, retrying): wait;
- it succeeded: satisfied;
- it failed, timed out, was interrupted, cancelled or skipped: the run is `skipped`, and the
  reason names the upstream, its run and how it ended (so a failure skips the whole
  downstream chain, each run saying which upstream it followed);
- the upstream has no fire at or before s at all (it never ran): nothing to wait for.

A skip wins over a wait. A run waits as long as it must, unless its task has a dependency
timeout: a wait longer than that (counted from when the wait began) ends `skipped`.

**Finding "the latest fire at or before s" efficiently.** Two sources, the newer answer wins:

1. the `FireBook`: what this engine has seen of the fires of tasks that others wait on
   (claims as they are made, outcomes, retries), in memory, a bounded number per task. It is
   fresher than the store: it knows claims the writer has not committed yet.
2. the store, for older history and runs made elsewhere (a manual run queued by the CLI):
   `SELECT … FROM run WHERE task_id = ? AND scheduled_for <= ? ORDER BY scheduled_for DESC,
   attempt DESC LIMIT 1`, a single seek on the run ledger's unique index
   (task_id, scheduled_for, attempt). No extra index is needed, so claims (the hot path)
   pay nothing more to write.

Only tasks that something waits on are booked; every other task costs the engine one set
lookup per claim.

**Chains (fan-in).** A task triggered by upstreams (`--after A,B`) runs once each time all of
them have succeeded since its own last run: each success marks its upstream; when every
upstream is marked, the task fires and the marks clear. Failures leave marks as they are.
The marks are derived from the store when first needed (upstreams whose newest success ended
after the task's newest run), so a chain whose last upstream succeeded just before a crash
fires at the next start.

**Order.** Upstream before downstream is these rules' work: a run is not ready before the
upstream fires it depends on succeeded. Among ready runs the `ReadyQueue` orders by priority,
then scheduled time, then `Graph.levels` (upstream tasks first).
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.core import dag
from app.core.rules import (
    ALL_CLEAR,
    PENDING,
    SKIP,
    SUCCEEDED,
    WAIT,
    Fire,
    Lookup,
    Verdict,
    fire_state,
    judge,
    latest_fire,
    when_text,
)
from app.core.rules import READY as GO

__all__ = ["ALL_CLEAR", "GO", "PENDING", "SKIP", "SUCCEEDED", "WAIT", "Chain", "Chains", "Fire",
           "FireBook", "Gate", "Graph", "Lookup", "Verdict", "Waiter", "fire_state", "judge",
           "latest_fire", "when_text"]

class FireBook:
    """The fires of booked tasks this engine has seen, oldest first, `KEEP` per task."""

    KEEP = 64

    def __init__(self) -> None:
        self._times: dict[int, list[float]] = {}
        self._fires: dict[int, list[Fire]] = {}

    def record(self, task_id: int, ts: float, state: str, run_id: int | None = None) -> None:
        times = self._times.setdefault(task_id, [])
        fires = self._fires.setdefault(task_id, [])
        i = bisect_left(times, ts)
        if i < len(times) and times[i] == ts:
            fire = fires[i]
            fire.state = state
            if run_id is not None:
                fire.run_id = run_id
            return
        times.insert(i, ts)
        fires.insert(i, Fire(ts, state, run_id))
        if len(times) > self.KEEP:
            del times[0]
            del fires[0]

    def drop(self, task_id: int, ts: float) -> None:
        """Forget one fire (its claim lost to an earlier one: the store knows better)."""
        times = self._times.get(task_id)
        if times is None:
            return
        i = bisect_left(times, ts)
        if i < len(times) and times[i] == ts:
            del times[i]
            del self._fires[task_id][i]

    def forget(self, task_id: int) -> None:
        self._times.pop(task_id, None)
        self._fires.pop(task_id, None)

    def latest(self, task_id: int, ts: float) -> Fire | None:
        """The booked fire with the greatest scheduled time ≤ ts."""
        times = self._times.get(task_id)
        if not times:
            return None
        i = bisect_right(times, ts)
        return self._fires[task_id][i - 1] if i else None


@dataclass(slots=True)
class Waiter:
    """A claimed run held back by its upstreams."""

    run_id: int
    task_id: int
    ts: float  # its scheduled time
    upstreams: tuple[int, ...]
    since: float  # wall time the wait began
    deadline: float | None  # wall time it gives up (the task's dependency timeout)
    reason: str | None = None  # why it waits, as last written
    data: Any = None  # the engine's own bookkeeping for the run


class Gate:
    """The runs waiting on upstreams, re-judged whenever one of their upstreams changes."""

    def __init__(self, judge: Callable[[Waiter], Verdict]) -> None:
        self._judge = judge
        self._waiters: dict[int, Waiter] = {}
        self._by_upstream: dict[int, set[int]] = {}
        self._by_task: dict[int, int] = {}
        self._deadlines: list[tuple[float, int]] = []

    def __len__(self) -> int:
        return len(self._waiters)

    def __contains__(self, run_id: int) -> bool:
        return run_id in self._waiters

    def __iter__(self) -> Any:
        return iter(list(self._waiters.values()))

    def get(self, run_id: int) -> Waiter | None:
        return self._waiters.get(run_id)

    def count(self, task_id: int) -> int:
        """How many runs of a task are waiting."""
        return self._by_task.get(task_id, 0)

    def judge(self, waiter: Waiter) -> Verdict:
        return self._judge(waiter)

    def hold(self, waiter: Waiter) -> None:
        self._waiters[waiter.run_id] = waiter
        self._by_task[waiter.task_id] = self._by_task.get(waiter.task_id, 0) + 1
        for up in waiter.upstreams:
            self._by_upstream.setdefault(up, set()).add(waiter.run_id)
        if waiter.deadline is not None:
            heapq.heappush(self._deadlines, (waiter.deadline, waiter.run_id))

    def remove(self, run_id: int) -> Waiter | None:
        waiter = self._waiters.pop(run_id, None)
        if waiter is None:
            return None
        left = self._by_task[waiter.task_id] - 1
        if left:
            self._by_task[waiter.task_id] = left
        else:
            del self._by_task[waiter.task_id]
        for up in waiter.upstreams:
            ids = self._by_upstream.get(up)
            if ids is not None:
                ids.discard(run_id)
                if not ids:
                    del self._by_upstream[up]
        return waiter

    def review(self, upstream: int | None = None) -> list[tuple[Waiter, Verdict]]:
        """Re-judge the waiters of one upstream (all when None). Those that may go or must be
        skipped are removed and returned; those still waiting for a new reason are returned
        and kept (the caller records the new reason)."""
        if upstream is None:
            ids = list(self._waiters)
        else:
            ids = sorted(self._by_upstream.get(upstream, ()))
        out: list[tuple[Waiter, Verdict]] = []
        for run_id in ids:
            waiter = self._waiters.get(run_id)
            if waiter is None:
                continue
            verdict = self._judge(waiter)
            if verdict.action != WAIT:
                self.remove(run_id)
                out.append((waiter, verdict))
            elif verdict.reason != waiter.reason:
                out.append((waiter, verdict))
        return out

    def next_deadline(self) -> float | None:
        """The earliest dependency timeout of a waiter still here."""
        deadlines = self._deadlines
        while deadlines and deadlines[0][1] not in self._waiters:
            heapq.heappop(deadlines)
        return deadlines[0][0] if deadlines else None

    def expired(self, now: float) -> list[Waiter]:
        """Waiters whose dependency timeout has passed, removed."""
        out: list[Waiter] = []
        while self._deadlines and self._deadlines[0][0] <= now:
            _deadline, run_id = heapq.heappop(self._deadlines)
            waiter = self.remove(run_id)
            if waiter is not None:
                out.append(waiter)
        return out


@dataclass(frozen=True, slots=True)
class Graph:
    """The dependency edges by task id, and what the engine derives from them."""

    wait_ups: Mapping[int, tuple[int, ...]] = field(default_factory=dict)
    trigger_ups: Mapping[int, frozenset[int]] = field(default_factory=dict)
    trigger_downs: Mapping[int, tuple[int, ...]] = field(default_factory=dict)
    waited_on: frozenset[int] = frozenset()  # tasks some task waits on (booked)
    levels: Mapping[int, int] = field(default_factory=dict)  # only tasks with upstreams
    ancestors: Mapping[int, frozenset[int]] = field(default_factory=dict)  # likewise

    @classmethod
    def from_edges(cls, edges: Iterable[tuple[int, int, str]]) -> Graph:
        """From (task, upstream, kind) rows; kind is 'wait' or 'trigger'."""
        wait: dict[int, list[int]] = {}
        trig: dict[int, set[int]] = {}
        downs: dict[int, list[int]] = {}
        ups: dict[int, set[int]] = {}
        for task, up, kind in edges:
            if kind == "trigger":
                trig.setdefault(task, set()).add(up)
                downs.setdefault(up, []).append(task)
            elif up not in wait.setdefault(task, []):
                wait[task].append(up)
            ups.setdefault(task, set()).add(up)
        levels = {k: v for k, v in dag.levels(ups).items() if v}
        ancestors = {k: v for k, v in dag.ancestors(ups).items() if v}
        return cls(
            wait_ups={k: tuple(v) for k, v in wait.items()},
            trigger_ups={k: frozenset(v) for k, v in trig.items()},
            trigger_downs={k: tuple(sorted(v)) for k, v in downs.items()},
            waited_on=frozenset(u for v in wait.values() for u in v),
            levels=levels, ancestors=ancestors,
        )


@dataclass(slots=True)
class Chain:
    """Which upstreams of a chain task have succeeded since its last run."""

    done: set[int]


class Chains:
    """Fan-in bookkeeping for chain-triggered tasks.

    `load(task, upstreams)` says which upstreams succeeded since the task's last run (from the
    store); it is asked once per chain task, the first time one of its upstreams succeeds.
    """

    def __init__(self, load: Callable[[int, frozenset[int]], set[int]]) -> None:
        self._load = load
        self._state: dict[int, Chain] = {}

    def state(self, task_id: int, upstreams: frozenset[int]) -> Chain:
        chain = self._state.get(task_id)
        if chain is None:
            chain = self._state[task_id] = Chain(self._load(task_id, upstreams) & upstreams)
        return chain

    def succeeded(self, upstream: int, graph: Graph) -> list[int]:
        """An upstream succeeded: the chain tasks that are now due (their marks cleared)."""
        due: list[int] = []
        for task_id in graph.trigger_downs.get(upstream, ()):
            ups = graph.trigger_ups.get(task_id, frozenset())
            chain = self.state(task_id, ups)
            chain.done.add(upstream)
            if chain.done >= ups:
                chain.done.clear()
                due.append(task_id)
        return due

    def ran(self, task_id: int) -> None:
        """The chain task ran by other means (a manual run): start counting afresh."""
        chain = self._state.get(task_id)
        if chain is not None:
            chain.done.clear()

    def complete(self, graph: Graph) -> list[int]:
        """Chain tasks whose upstreams have all succeeded already (checked at start-up)."""
        due: list[int] = []
        for task_id, ups in graph.trigger_ups.items():
            chain = self.state(task_id, ups)
            if ups and chain.done >= ups:
                chain.done.clear()
                due.append(task_id)
        return due

    def graph_changed(self, old: Graph, new: Graph) -> None:
        """Drop what we knew of chain tasks whose upstreams changed (reloaded when needed)."""
        for task_id in list(self._state):
            if old.trigger_ups.get(task_id) != new.trigger_ups.get(task_id):
                del self._state[task_id]
