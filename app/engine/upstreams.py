"""The dependency rules (`app.engine.dependencies`) applied to this engine's runs.

Dispatcher thread only. The engine tells this class what happens to the fires of tasks that
others wait on (`booked`), hands it every claimed run of a task with upstreams (`admit`), and
reports successes (`succeeded`, for chain triggers). It answers by enqueueing runs that may
go, recording `waiting` runs with their reason, skipping runs whose upstream failed or whose
dependency timeout passed (which may skip their own downstreams in turn), and claiming chain
fires. Every status it writes is committed before its `RunChanged` event is sent.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from app.core.task import Task
from app.engine import sync
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
from app.engine.events import RunChanged
from app.store import ledger

if TYPE_CHECKING:
    from app.engine.engine import Engine

log = logging.getLogger("tickwork.engine")


@dataclass(slots=True)
class Held:
    """The engine's side of a waiting run."""

    task: Task
    fire: datetime
    attempt: int
    reason: str | None  # the reason it was claimed with (catch-up, retry …)
    blocked_by: list[int] = field(default_factory=list)  # upstreams it has waited for


class Upstreams:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.graph = Graph()
        self.names: dict[int, str] = {}
        self.book = FireBook()
        self.gate = Gate(self._judge)
        self.chains = Chains(self._chain_successes)
        self._todo: deque[int | None] = deque()  # upstreams whose waiters need a look
        self._reviewing = False
        self.frozen = False  # the engine is stopping: release and skip nothing more

    # -- the graph ----------------------------------------------------------------------------

    @property
    def booked(self) -> frozenset[int]:
        return self.graph.waited_on

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
        self.engine.booked = graph.waited_on
        self.engine.levels = graph.levels
        self.engine.wait_ups = graph.wait_ups
        self.engine.chain_downs = graph.trigger_downs
        return True

    def name(self, task_id: int) -> str:
        name = self.names.get(task_id)
        if name is None:
            task = self.engine._tasks.get(task_id)
            name = task.name if task is not None else f"task {task_id}"
        return name

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
        for waiter in self.gate:
            if waiter.task_id == task_id:
                self.gate.remove(waiter.run_id)
        self.book.forget(task_id)

    def adopted(self, task_id: int, run_id: int, fire: datetime) -> None:
        """A manual run (queued by a service) was taken."""
        self.chains.ran(task_id)
        if task_id in self.graph.waited_on:
            self.book.record(task_id, fire.timestamp(), PENDING, run_id)

    def succeeded(self, task: Task, run_id: int) -> None:
        """A run succeeded: fire the chain tasks whose upstreams have now all succeeded."""
        for chain_id in self.chains.succeeded(task.id, self.graph):
            self._fire_chain(chain_id, run_id)

    def fire_complete_chains(self) -> None:
        """At start-up: chains whose last upstream succeeded just before the engine died."""
        for chain_id in self.chains.complete(self.graph):
            self._fire_chain(chain_id, None)

    def _fire_chain(self, chain_id: int, parent_run_id: int | None) -> None:
        task = sync.task(self.engine, chain_id)
        if task is None or not task.spec.enabled:
            return
        ups = sorted(self.name(u) for u in self.graph.trigger_ups.get(chain_id, ()))
        reason = f"chain: after {_and(ups)} succeeded"
        if parent_run_id is None:
            reason += " (found at engine start)"
        self.engine._claim(task, datetime.now(UTC), 1, "chain", reason=reason,
                           parent_run_id=parent_run_id)

    # -- waiting runs ---------------------------------------------------------------------------

    def admit(self, task: Task, run_id: int, fire: datetime, attempt: int,
              ups: tuple[int, ...], reason: str | None) -> None:
        """A claimed run of a task with upstreams: start it, hold it or skip it."""
        now = time.time()
        timeout = task.spec.dependency_timeout
        waiter = Waiter(run_id, task.id, fire.timestamp(), ups, now,
                        now + timeout if timeout else None,
                        data=Held(task, fire, attempt, reason))
        verdict = self.gate.judge(waiter)
        if verdict.action == GO:
            self.engine._enqueue(task, run_id, fire, attempt)
        elif verdict.action == SKIP:
            self._skip(waiter, verdict.reason or "an upstream did not succeed")
        else:
            self.gate.hold(waiter)
            self._waiting(waiter, verdict)

    def remove(self, run_id: int) -> Waiter | None:
        return self.gate.remove(run_id)

    def waiting_count(self, task_id: int) -> int:
        return self.gate.count(task_id)

    def tick(self) -> None:
        """Skip the runs that waited longer than their task's dependency timeout."""
        if self.frozen:
            return
        for waiter in self.gate.expired(time.time()):
            held: Held = waiter.data
            limit = held.task.spec.dependency_timeout or 0
            self._skip(waiter, f"waited longer than its dependency timeout ({limit:g}s): "
                               f"{waiter.reason or 'upstreams not done'}")

    def review(self, upstream: int | None) -> None:
        """Re-judge the waiters of an upstream (all when None), cascading skips downstream."""
        if self.frozen:
            return
        self._todo.append(upstream)
        if self._reviewing:
            return
        self._reviewing = True
        released = False
        try:
            while self._todo:
                for waiter, verdict in self.gate.review(self._todo.popleft()):
                    if verdict.action == GO:
                        self._release(waiter)
                        released = True
                    elif verdict.action == SKIP:
                        self._skip(waiter, verdict.reason or "an upstream did not succeed")
                    else:
                        self._waiting(waiter, verdict)
        finally:
            self._reviewing = False
        if released:  # all released together, then started best first
            self.engine._pump()

    def _judge(self, waiter: Waiter) -> Verdict:
        return judge(waiter.upstreams, waiter.ts, book=self.book, lookup=self._lookup,
                     next_fire=self.engine.horizon.next_fire, name=self.name)

    def _lookup(self, task_id: int, ts: float) -> Fire | None:
        with self.engine.store.read():
            found = ledger.latest_fire(task_id, datetime.fromtimestamp(ts, UTC))
        if found is None:
            return None
        run_id, fire, status = found
        return Fire(fire.timestamp(), fire_state(status), run_id)

    def _waiting(self, waiter: Waiter, verdict: Verdict) -> None:
        held: Held = waiter.data
        waiter.reason = verdict.reason
        if verdict.upstream is not None and verdict.upstream not in held.blocked_by:
            held.blocked_by.append(verdict.upstream)
        text = f"{held.reason}; {verdict.reason}" if held.reason else verdict.reason
        self._write(waiter, "waiting", {"status": "waiting", "reason": text}, verdict.reason)

    def _release(self, waiter: Waiter) -> None:
        held: Held = waiter.data
        waited = time.time() - waiter.since
        names = _and([self.name(u) for u in held.blocked_by]) or "upstreams"
        note = f"waited {waited:.1f}s for {names}"
        reason = f"{held.reason}; {note}" if held.reason else note
        self._write(waiter, "queued", {"status": "queued", "reason": reason}, reason)
        self.engine._enqueue(held.task, waiter.run_id, held.fire, held.attempt)

    def _skip(self, waiter: Waiter, reason: str) -> None:
        held: Held = waiter.data
        now = datetime.now(UTC)
        text = f"{held.reason}; {reason}" if held.reason else reason
        self._write(waiter, "skipped", {"status": "skipped", "finished_at": now,
                                        "reason": text}, reason, now)
        self.settled(held.task.id, held.fire, "skipped", waiter.run_id)

    def _write(self, waiter: Waiter, status: str, values: dict[str, Any], reason: str | None,
               at: datetime | None = None) -> None:
        held: Held = waiter.data
        event = RunChanged(waiter.run_id, held.task.id, held.task.name, status,
                           at or datetime.now(UTC), held.attempt, reason=reason)
        run_id = waiter.run_id
        hub = self.engine.hub

        def done(_result: Any, error: BaseException | None) -> None:
            if error is None:
                hub.emit(event)
        self.engine.writer.submit(lambda: ledger.update(run_id, values), done)

    # -- chains ---------------------------------------------------------------------------------

    def _chain_successes(self, task_id: int, ups: frozenset[int]) -> set[int]:
        with self.engine.store.read():
            return chain_successes(task_id, ups)


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
