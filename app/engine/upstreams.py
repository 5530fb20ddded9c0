"""The dependency holds applied to this engine's runs: a collaborator of the `Dispatcher`.

Dispatcher thread only. The dispatcher tells this class what happens to the fires of tasks
others wait on (`booked`), asks it for a `verdict` on every claimed run of a task with
upstreams (READY, or it holds the run `waiting`, or it skips it), and reports successes
(`succeeded` answers with the chain fires to claim). Runs it lets go later are handed back
through `release`, runs it skips through `forget`. Every status it writes is committed
before its `RunChanged` event is sent. The rule itself is `app.core.rules.judge`.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from app.core import rules
from app.core.task import Task
from app.engine.clock import Clock
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
from app.engine.events import EventHub, RunChanged
from app.engine.ports import History, Ledger
from app.engine.records import WAITING, RunRecord
from app.store import ledger
from app.store.database import Store

log = logging.getLogger("tickwork.engine")

ChainFire = tuple[Task, str]  # a chain task to claim now, with its reason


class Upstreams:
    def __init__(self, history: History, writer: Ledger, hub: EventHub, clock: Clock,
                 next_fire: Callable[[int], float | None],
                 task_of: Callable[[int], Task | None], *,
                 release: Callable[[list[RunRecord]], None],
                 forget: Callable[[RunRecord], None]) -> None:
        self.history = history
        self.writer = writer
        self.hub = hub
        self.clock = clock
        self._next_fire = next_fire
        self._task_of = task_of  # a task by id (the cache, else the store)
        self._release_runs = release  # runs let go: queue them, then start the best
        self._forget = forget  # a run skipped: the dispatcher drops it
        self.graph = Graph()
        # the graph as the dispatcher's hot path reads it
        self.booked: frozenset[int] = frozenset()  # tasks others wait on
        self.wait_ups: Mapping[int, tuple[int, ...]] = {}  # task -> upstreams it waits on
        self.chain_downs: Mapping[int, tuple[int, ...]] = {}  # task -> chain tasks after it
        self.levels: Mapping[int, int] = {}  # task -> topological level (0 when absent)
        self.names: dict[int, str] = {}
        self._deleted: dict[int, str] = {}  # names of linked tasks deleted since
        self.book = FireBook()
        self.gate = Gate(self._judge)
        self.chains = Chains(history.chain_successes)
        self._todo: deque[int | None] = deque()  # upstreams whose waiters need a look
        self._reviewing = False
        self.frozen = False  # the engine is stopping: release and skip nothing more

    # -- the graph ----------------------------------------------------------------------------

    def set_graph(self, edges: list[tuple[int, int, str]], names: dict[int, str]) -> bool:
        """Install the edges read from the store; False when nothing changed."""
        graph = Graph.from_edges(edges)
        self.names = names
        if graph == self.graph:
            return False
        old, self.graph = self.graph, graph
        self.chains.graph_changed(old, graph)
        for task_id in old.waited_on - graph.waited_on:
            self.book.forget(task_id)
        for waiter in self.gate:  # re-file every waiter under its task's current upstreams
            self.gate.remove(waiter.run_id)
            waiter.upstreams = graph.wait_ups.get(waiter.task_id, ())
            self.gate.hold(waiter)
        self.booked = graph.waited_on
        self.levels = graph.levels
        self.wait_ups = graph.wait_ups
        self.chain_downs = graph.trigger_downs
        return True

    def name(self, task_id: int) -> str:
        """As the links name it; else as the task is named now, or was when it was deleted
        (a run let go because its task no longer waits on one, or it is gone, said "waited
        0.9 s for task 4")."""
        name = self.names.get(task_id)
        if name is None:
            task = self._task_of(task_id)
            name = task.name if task is not None else self._deleted.get(task_id)
        return name if name is not None else f"task {task_id}"

    # -- what the engine reports ----------------------------------------------------------------

    def claiming(self, task_id: int, fire: datetime, status: str) -> None:
        """A fire of a booked task is being claimed (not yet committed)."""
        self.book.record(task_id, fire.timestamp(), fire_state(status))

    def claim_lost(self, task_id: int, fire: datetime) -> None:
        """The claim found the fire claimed already: the store knows its state, not us."""
        self.book.drop(task_id, fire.timestamp())
        self.review(task_id)

    def settled(self, task_id: int, fire: datetime, status: str,
                run_id: int | None = None) -> None:
        """A booked task's fire changed state (pending again for a retry, or finished)."""
        if task_id in self.graph.waited_on:
            self.book.record(task_id, fire.timestamp(), fire_state(status), run_id)
            self.review(task_id)

    def drop_task(self, task_id: int) -> None:
        """A task was deleted (its runs with it): forget its waiting runs and fires."""
        if task_id in self.names:
            self._deleted[task_id] = self.names[task_id]
        for waiter in self.gate:
            if waiter.task_id == task_id:
                self.gate.remove(waiter.run_id)
        self.book.forget(task_id)

    def adopted(self, task_id: int, run_id: int, fire: datetime) -> None:
        """A manual run (queued by a service) was taken."""
        self.chains.ran(task_id)
        if task_id in self.graph.waited_on:
            self.book.record(task_id, fire.timestamp(), PENDING, run_id)

    def succeeded(self, task_id: int) -> list[ChainFire]:
        """A run succeeded: the chain tasks whose upstreams have now all succeeded."""
        return self._chain_fires(self.chains.succeeded(task_id, self.graph), "")

    def complete_chains(self) -> list[ChainFire]:
        """At start-up: chains whose last upstream succeeded just before the engine died."""
        return self._chain_fires(self.chains.complete(self.graph), " (found at engine start)")

    def _chain_fires(self, chain_ids: list[int], note: str) -> list[ChainFire]:
        out: list[ChainFire] = []
        for chain_id in chain_ids:
            task = self._task_of(chain_id)
            if task is None or not task.spec.enabled:
                continue
            ups = sorted(self.name(u) for u in self.graph.trigger_ups.get(chain_id, ()))
            out.append((task, f"chain: after {_and(ups)} succeeded{note}"))
        return out

    # -- waiting runs ---------------------------------------------------------------------------

    def verdict(self, record: RunRecord, ups: tuple[int, ...]) -> str:
        """A claimed run of a task with upstreams: READY to queue, or WAIT (held here,
        `waiting`) or SKIP (skipped here, and forgotten by the dispatcher)."""
        now = self.clock.time()
        since = now if record.since is None else min(now, record.since.timestamp())
        timeout = record.task.spec.dependency_timeout
        waiter = Waiter(record.run_id, record.task.id, record.fire.timestamp(), ups, since,
                        since + timeout if timeout else None, data=record)
        verdict = self.gate.judge(waiter)
        if verdict.action == GO:
            return rules.READY
        if verdict.action == SKIP:
            self._skip(waiter, verdict.reason or "an upstream did not succeed")
            return rules.SKIP
        if waiter.deadline is not None and waiter.deadline <= now:  # (it waited under an
            waiter.reason = verdict.reason  # engine before this one, and long enough)
            self._timed_out(waiter)
            return rules.SKIP
        record.phase = WAITING
        self.gate.hold(waiter)
        self._waiting(waiter, verdict)
        return rules.WAIT

    def remove(self, run_id: int) -> Waiter | None:
        return self.gate.remove(run_id)

    def waiting(self) -> bool:
        """Whether any run waits on its upstreams."""
        return bool(self.gate)

    def waiting_count(self, task_id: int) -> int:
        return self.gate.count(task_id)

    def waiting_of(self, task_id: int) -> list[int]:
        """The runs of a task that wait on their upstreams."""
        return [w.run_id for w in self.gate if w.task_id == task_id]

    def tick(self) -> None:
        """Skip the runs that waited longer than their task's dependency timeout."""
        if self.frozen or not self.gate:
            return
        for waiter in self.gate.expired(self.clock.time()):
            self._timed_out(waiter)

    def _timed_out(self, waiter: Waiter) -> None:
        held: RunRecord = waiter.data
        limit = held.task.spec.dependency_timeout or 0
        self._skip(waiter, f"waited longer than its dependency timeout ({limit:g} s): "
                           f"{waiter.reason or 'upstreams not done'}")

    def review(self, upstream: int | None) -> None:
        """Re-judge the waiters of an upstream (all when None), cascading skips downstream."""
        if self.frozen:
            return
        self._todo.append(upstream)
        if self._reviewing:
            return
        self._reviewing = True
        released: list[RunRecord] = []
        try:
            while self._todo:
                for waiter, verdict in self.gate.review(self._todo.popleft()):
                    if verdict.action == GO:
                        released.append(self._release(waiter))
                    elif verdict.action == SKIP:
                        self._skip(waiter, verdict.reason or "an upstream did not succeed")
                    else:
                        self._waiting(waiter, verdict)
        finally:
            self._reviewing = False
        if released:  # all released together, then started best first
            self._release_runs(released)

    def _judge(self, waiter: Waiter) -> Verdict:
        return judge(waiter.upstreams, waiter.ts, book=self.book, lookup=self.history.latest,
                     next_fire=self._next_fire, name=self.name)

    def _waiting(self, waiter: Waiter, verdict: Verdict) -> None:
        held: RunRecord = waiter.data
        waiter.reason = verdict.reason
        if verdict.upstream is not None and verdict.upstream not in held.blocked_by:
            held.blocked_by.append(verdict.upstream)
        text = f"{held.reason}; {verdict.reason}" if held.reason else verdict.reason
        self._write(waiter, "waiting", {"status": "waiting", "reason": text}, verdict.reason)

    def _release(self, waiter: Waiter) -> RunRecord:
        held: RunRecord = waiter.data
        waited = self.clock.time() - waiter.since
        names = _and([self.name(u) for u in held.blocked_by]) or "upstreams"
        note = f"waited {waited:.1f} s for {names}"
        reason = f"{held.reason}; {note}" if held.reason else note
        self._write(waiter, "queued", {"status": "queued", "reason": reason}, reason)
        return held

    def _skip(self, waiter: Waiter, reason: str) -> None:
        held: RunRecord = waiter.data
        now = self.clock.now()
        text = f"{held.reason}; {reason}" if held.reason else reason
        self._write(waiter, "skipped", {"status": "skipped", "finished_at": now,
                                        "reason": text}, reason, now)
        self._forget(held)
        self.settled(held.task.id, held.fire, "skipped", waiter.run_id)

    def _write(self, waiter: Waiter, status: str, values: dict[str, Any], reason: str | None,
               at: datetime | None = None) -> None:
        held: RunRecord = waiter.data
        event = RunChanged(waiter.run_id, held.task.id, held.task.name, status,
                           at or self.clock.now(), held.attempt, reason=reason)
        run_id = waiter.run_id
        hub = self.hub

        def done(_result: Any, error: BaseException | None) -> None:
            if error is None:
                hub.emit(event)
        self.writer.submit(lambda: ledger.update(run_id, values), done)


class StoreHistory:
    """The run history in the store (`History`), read on the dispatcher thread."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def latest(self, task_id: int, ts: float) -> Fire | None:
        with self.store.read():
            found = ledger.latest_fire(task_id, datetime.fromtimestamp(ts, UTC))
        if found is None:
            return None
        run_id, fire, status = found
        return Fire(fire.timestamp(), fire_state(status), run_id)

    def chain_successes(self, task_id: int, ups: frozenset[int]) -> set[int]:
        with self.store.read():
            return chain_successes(task_id, ups)

    def checkpoint(self, task_id: int, fire: datetime) -> str | None:
        with self.store.read():
            return ledger.latest_checkpoint(task_id, fire)


def chain_successes(task_id: int, ups: frozenset[int]) -> set[int]:
    """Upstreams of a chain task whose newest success ended after the task last fired (or,
    when it never fired, after it was created). Inside a read transaction."""
    since = ledger.last_fire_time(task_id) or ledger.created_at(task_id)
    if since is None:
        return set()
    done: set[int] = set()
    for up in ups:
        end = ledger.last_success_end(up)
        if end is not None and end > since:
            done.add(up)
    return done


def _and(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
