"""Dependency holds, skips and timeouts, retries under a wait, and concurrency groups: the
real dispatcher played in simulated time (`SimulatedEngine`), each in milliseconds.

What needs a real engine (python and command actions, the store's manual runs and chains,
cancels, a stop) stays in tests/engine/test_dependencies.py."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from app.core.schedule import Schedule
from app.core.task import Action, Task, TaskSpec
from app.engine.events import RunChanged
from app.engine.executor import Attempt
from app.engine.simulated import SimulatedEngine

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
AT = T0 + timedelta(seconds=1)  # when every task here falls due

EPSILON = timedelta(milliseconds=1)
Behaviour = Callable[[Attempt], tuple[float, str]]  # (seconds it runs, how it ends)


def task(task_id: int, name: str, **extra: Any) -> Task:
    spec = TaskSpec(name=name, action=Action(kind="python", target="x:y"),
                    schedule=Schedule(kind="date", at=AT), notify_on_failure=False, **extra)
    return Task(task_id, spec, next_run_at=AT, created_at=T0)


def takes(seconds: float, status: str = "succeeded") -> Behaviour:
    return lambda attempt: (seconds, status)


class Played:
    """Tasks by name, played through the dispatcher; starts and ends by task name."""

    def __init__(self, tasks: dict[str, tuple[Behaviour, dict[str, Any]]],
                 waits: dict[str, list[str]], workers: int = 4) -> None:
        ids = {name: i + 1 for i, name in enumerate(tasks)}
        self.names = {i: name for name, i in ids.items()}
        self.behaviour = {ids[n]: b for n, (b, _) in tasks.items()}
        edges = [(ids[n], ids[u], "wait") for n, ups in waits.items() for u in ups]
        self.spans: dict[str, list[tuple[float, float, str]]] = {n: [] for n in tasks}
        self.sim = SimulatedEngine([task(ids[n], n, **extra) for n, (_, extra) in tasks.items()],
                                   edges, start=T0, workers=workers, outcome=self._outcome)
        self.sim.run()

    def _outcome(self, attempt: Attempt) -> tuple[float, str]:
        seconds, status = self.behaviour[attempt.task_id](attempt)
        start = round(self.sim.clock.time() - T0.timestamp(), 6)  # (epoch float noise)
        self.spans[self.names[attempt.task_id]].append((start, round(start + seconds, 6),
                                                        status))
        return seconds, status

    def events(self, name: str, status: str | None = None) -> list[RunChanged]:
        return [e for e in self.sim.events if isinstance(e, RunChanged)
                and e.task_name == name and (status is None or e.status == status)]

    def most_at_once(self, names: list[str]) -> int:
        edges = sorted((t, step) for n in names for s, e, _ in self.spans[n]
                       for t, step in ((s, 1), (e, -1)))  # an end sorts before a start
        most = now = 0
        for _t, step in edges:
            now += step
            most = max(most, now)
        return most


def test_downstream_due_at_the_same_time_waits_for_its_upstream() -> None:
    p = Played({"A": (takes(0.6), {}), "B": (takes(0.1), {})}, {"B": ["A"]})
    ((a_start, a_end, a_status),), ((b_start, _, b_status),) = p.spans["A"], p.spans["B"]
    assert a_start == 1.0 and a_status == b_status == "succeeded"
    assert b_start == a_end  # at once when its upstream succeeds, not before
    (waiting,) = p.events("B", "waiting")
    assert waiting.reason is not None and "upstream A" in waiting.reason
    queued = p.events("B", "queued")[-1]
    assert queued.reason == "waited 0.6 s for A"


def test_a_failed_upstream_skips_the_downstream_chain_with_the_reason() -> None:
    p = Played({"A": (takes(0.2, "failed"), {}), "B": (takes(0.1), {}),
                "C": (takes(0.1), {})}, {"B": ["A"], "C": ["B"]})
    assert [s for _, _, s in p.spans["A"]] == ["failed"]
    assert p.spans["B"] == p.spans["C"] == []  # never started
    (a,) = p.events("A", "queued")[:1]
    (b,), (c,) = p.events("B", "skipped"), p.events("C", "skipped")
    assert b.reason is not None and f"upstream A (run {a.run_id} at" in b.reason
    assert b.reason.endswith("failed")
    assert c.reason is not None and f"upstream B (run {b.run_id}" in c.reason
    assert "was skipped" in c.reason
    assert b.at == c.at and abs(b.at - (AT + timedelta(seconds=0.2))) < EPSILON  # (A's end)


def test_a_retrying_upstream_keeps_the_downstream_waiting() -> None:
    def fails_once(attempt: Attempt) -> tuple[float, str]:
        return 0.1, "failed" if attempt.attempt == 1 else "succeeded"

    p = Played({"A": (fails_once, {"retries": 1, "retry_delay": 0.3}),
                "B": (takes(0.1), {})}, {"B": ["A"]})
    first, second = p.spans["A"]
    assert first[2] == "failed" and second[2] == "succeeded"
    assert 0.1 + 0.27 <= second[0] - first[0] <= 0.1 + 0.33  # its backoff, ± 10 % jitter
    ((b_start, _, b_status),) = p.spans["B"]
    assert b_status == "succeeded" and b_start == second[1]
    assert p.events("B", "skipped") == []


def test_a_wait_longer_than_the_dependency_timeout_ends_skipped() -> None:
    p = Played({"A": (takes(5.0), {}), "B": (takes(0.1), {"dependency_timeout": 0.5})},
               {"B": ["A"]})
    assert p.spans["B"] == []
    (skipped,) = p.events("B", "skipped")
    assert skipped.reason is not None and "dependency timeout (0.5 s)" in skipped.reason
    # when its timeout ran out, not at A's end
    assert abs(skipped.at - (AT + timedelta(seconds=0.5))) < EPSILON
    assert p.spans["A"] == [(1.0, 6.0, "succeeded")]  # A runs on regardless


def test_twenty_tasks_in_a_group_of_two_never_run_more_than_two_at_once() -> None:
    names = [f"g{i:02d}" for i in range(20)]
    p = Played({n: (takes(0.15), {"group": "pool", "group_limit": 2}) for n in names}, {})
    assert all(len(p.spans[n]) == 1 and p.spans[n][0][2] == "succeeded" for n in names)
    assert p.most_at_once(names) == 2
    last = max(e for n in names for _, e, _ in p.spans[n])
    assert abs(last - (1.0 + 10 * 0.15)) < 1e-3  # two at a time, with no gap between
    held = [e for n in names for e in p.events(n, "waiting")]
    assert len(held) == 18 and all("group pool runs at most 2" in (e.reason or "")
                                   for e in held)


def test_groups_and_dependencies_together_do_not_deadlock() -> None:
    waits = {"A": [], "B": ["A"], "C": ["A"], "D": ["B", "C"], "E": [], "F": ["E"],
             "G": ["D", "F"]}
    rng = random.Random(7)
    for _ in range(20):  # random priorities: none of them can wedge the mutex
        p = Played({n: (takes(0.05), {"group": "mutex", "group_limit": 1,
                                      "priority": rng.randint(0, 3)}) for n in waits}, waits)
        assert all(len(p.spans[n]) == 1 and p.spans[n][0][2] == "succeeded" for n in waits)
        assert p.most_at_once(list(waits)) == 1
        for name, ups in waits.items():
            for up in ups:
                assert p.spans[name][0][0] >= p.spans[up][0][1]
