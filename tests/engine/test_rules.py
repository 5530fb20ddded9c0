"""The dependency rules and the ready queue as plain logic: no threads, no store, no clock."""

from __future__ import annotations

from typing import Any

from app.engine.dependencies import (
    GO,
    PENDING,
    SKIP,
    WAIT,
    Chains,
    Fire,
    FireBook,
    Gate,
    Graph,
    Waiter,
    judge,
)
from app.engine.ready_queue import BY_GROUP, BY_TASK, Pending, ReadyQueue

NAMES = {1: "A", 2: "B", 3: "C", 4: "D"}


def _judge(ups: tuple[int, ...], ts: float, book: FireBook, *,
           stored: dict[int, Fire] | None = None,
           next_fire: dict[int, float] | None = None) -> Any:
    stored = stored or {}
    nf = next_fire or {}
    return judge(ups, ts, book=book,
                 lookup=lambda t, at: f if (f := stored.get(t)) and f.ts <= at else None,
                 next_fire=nf.get, name=NAMES.__getitem__)


def test_latest_fire_at_or_before_decides() -> None:
    book = FireBook()
    book.record(1, 100.0, "succeeded", 11)
    book.record(1, 200.0, "failed", 12)
    assert _judge((1,), 150.0, book).action == GO  # the 100 fire is the latest ≤ 150
    verdict = _judge((1,), 250.0, book)
    assert verdict.action == SKIP and verdict.upstream == 1
    assert verdict.reason is not None
    # the note's time: UTC, said so, to the second (stored, read in any zone)
    assert verdict.reason == "upstream A (run 12 at 1970-01-01 00:03:20 UTC) failed"
    book.record(1, 200.0, PENDING)  # a retry of the 200 fire is coming
    assert _judge((1,), 250.0, book).action == WAIT


def test_an_unclaimed_fire_at_or_before_is_waited_for() -> None:
    book = FireBook()
    book.record(1, 100.0, "succeeded", 11)
    verdict = _judge((1,), 200.0, book, next_fire={1: 200.0})
    assert verdict.action == WAIT and "to fire at" in (verdict.reason or "")
    assert _judge((1,), 200.0, book, next_fire={1: 260.0}).action == GO


def test_no_run_at_all_is_nothing_to_wait_for_and_skip_beats_wait() -> None:
    book = FireBook()
    assert _judge((1, 2), 100.0, book).action == GO
    book.record(1, 90.0, PENDING, 5)
    book.record(2, 95.0, "skipped", 6)
    verdict = _judge((1, 2), 100.0, book)
    assert verdict.action == SKIP and "B" in (verdict.reason or "") and "was skipped" in (
        verdict.reason or "")


def test_the_store_answers_for_older_fires_and_the_book_wins_a_tie() -> None:
    book = FireBook()
    stored = {1: Fire(100.0, "failed", 3)}
    assert _judge((1,), 150.0, book, stored=stored).action == SKIP
    book.record(1, 100.0, "succeeded", 3)  # fresher than the (uncommitted) store
    assert _judge((1,), 150.0, book, stored=stored).action == GO
    stored = {1: Fire(120.0, PENDING, 4)}  # a manual run queued elsewhere, newer
    assert _judge((1,), 150.0, book, stored=stored).action == WAIT


def test_book_keeps_a_bounded_number_per_task() -> None:
    book = FireBook()
    for i in range(FireBook.KEEP + 10):
        book.record(1, float(i), "succeeded")
    assert book.latest(1, 5.0) is None  # pruned: the store answers for it
    fire = book.latest(1, 1e9)
    assert fire is not None and fire.ts == FireBook.KEEP + 9
    book.drop(1, fire.ts)
    again = book.latest(1, 1e9)
    assert again is not None and again.ts == FireBook.KEEP + 8


def test_gate_reviews_waiters_of_one_upstream_and_expires_deadlines() -> None:
    book = FireBook()
    book.record(1, 10.0, PENDING, 1)
    gate = Gate(lambda w: _judge(w.upstreams, w.ts, book))
    a = Waiter(100, 3, 20.0, (1,), since=0.0, deadline=None)
    b = Waiter(101, 4, 20.0, (1,), since=0.0, deadline=5.0)
    for w in (a, b):
        w.reason = gate.judge(w).reason
        gate.hold(w)
    assert gate.count(3) == 1 and 101 in gate and len(gate) == 2
    assert gate.review(2) == []  # not their upstream
    assert [w.run_id for w in gate.expired(6.0)] == [101]
    book.record(1, 10.0, "succeeded", 1)
    ((waiter, verdict),) = gate.review(1)
    assert waiter is a and verdict.action == GO
    assert len(gate) == 0 and gate.count(3) == 0


def test_graph_from_edges() -> None:
    graph = Graph.from_edges([(2, 1, "wait"), (3, 1, "trigger"), (3, 2, "trigger"),
                              (4, 3, "wait"), (4, 1, "wait")])
    assert graph.wait_ups == {2: (1,), 4: (3, 1)}
    assert graph.trigger_ups == {3: frozenset({1, 2})}
    assert graph.trigger_downs == {1: (3,), 2: (3,)}
    assert graph.waited_on == {1, 3}
    assert graph.levels == {2: 1, 3: 2, 4: 3}
    assert graph.ancestors[4] == {1, 2, 3}
    assert Graph.from_edges([]) == Graph()


def test_chain_fires_once_each_time_all_upstreams_succeeded() -> None:
    graph = Graph.from_edges([(3, 1, "trigger"), (3, 2, "trigger")])
    loads: list[int] = []
    chains = Chains(lambda task, ups: (loads.append(task), set())[1])
    assert chains.succeeded(1, graph) == []
    assert chains.succeeded(1, graph) == []  # twice A is still not B
    assert chains.succeeded(2, graph) == [3]
    assert chains.succeeded(2, graph) == []  # marks cleared by the fire
    assert chains.succeeded(1, graph) == [3]
    assert loads == [3]  # the store was asked once
    chains.succeeded(1, graph)
    chains.ran(3)  # a manual run of C: count afresh
    assert chains.succeeded(2, graph) == []


def test_chain_state_comes_from_the_store_and_completes_at_start() -> None:
    graph = Graph.from_edges([(3, 1, "trigger"), (3, 2, "trigger")])
    chains = Chains(lambda task, ups: {1, 2, 99})
    assert chains.complete(graph) == [3]
    assert chains.complete(graph) == []
    changed = Graph.from_edges([(3, 1, "trigger")])
    chains.graph_changed(graph, changed)
    assert chains.succeeded(1, changed) == [3]


def pending(run_id: int, task: int, prio: int = 0, ts: float = 0.0, **kw: Any) -> Pending:
    return Pending(run_id=run_id, task_id=task, priority=prio, scheduled_ts=ts, **kw)


def test_ready_queue_order_priority_then_time_then_level() -> None:
    q = ReadyQueue(workers=10)
    q.push(pending(1, 1, prio=0, ts=1.0))
    q.push(pending(2, 2, prio=5, ts=3.0))
    q.push(pending(3, 3, prio=5, ts=2.0, level=1))
    q.push(pending(4, 4, prio=5, ts=2.0, level=0))
    assert [p.run_id for p in q.take()] == [4, 3, 2, 1]


def test_a_ready_run_does_not_wait_for_its_upstreams_other_fires() -> None:
    """A chain run is ready once its upstream succeeded; that upstream's backlog of later
    fires (overlap: queue) must not starve it."""
    q = ReadyQueue(workers=1)
    for i in range(5):
        q.push(pending(10 + i, 1, prio=0, ts=float(i), max_instances=1))
    q.push(pending(20, 2, prio=0, ts=3.0, level=1))
    started = [p.run_id for p in q.take()]
    assert started == [10]
    q.finished(10)
    assert [p.run_id for p in q.take()] == [11]
    q.finished(11)
    assert [p.run_id for p in q.take()] == [12]
    q.finished(12)
    assert [p.run_id for p in q.take()] == [13]  # same time as 20: the upstream task first
    q.finished(13)
    assert [p.run_id for p in q.take()] == [20]


def test_many_held_runs_cost_nothing_per_take() -> None:
    q = ReadyQueue(workers=2)
    q.push(pending(1, 1))
    for i in range(2, 2002):
        q.push(pending(i, 1, ts=float(i)))  # all held by max instances 1
    assert [p.run_id for p in q.take()] == [1]
    q.held.clear()
    for _ in range(100):
        q.push(pending(10_000 + _, 2 + _))
        assert len(q.take()) == 1
        assert len(q._heap) <= 1  # the held ones wait aside, not in the heap
        q.finished(10_000 + _)
    q.finished(1)
    assert [p.run_id for p in q.take()] == [2]


def test_holds_by_task_and_group_are_reported_once() -> None:
    q = ReadyQueue(workers=5)
    for i in range(3):
        q.push(pending(i, 7, max_instances=1))
    q.push(pending(10, 8, group="disk", group_limit=1))
    q.push(pending(11, 9, group="disk", group_limit=1))
    started = q.take()
    assert [p.run_id for p in started] == [0, 10]
    assert sorted((p.run_id, p.held) for p in q.held) == [
        (1, BY_TASK), (2, BY_TASK), (11, BY_GROUP)]
    q.held.clear()
    assert q.take() == [] and q.held == []  # not reported again
    q.finished(10)
    assert [p.run_id for p in q.take()] == [11]
