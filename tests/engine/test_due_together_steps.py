"""Many fires due at one instant (the top of an hour) on the real dispatcher, played by
`SimulatedEngine`: they are handled a step of `batch.STEP` at a time, best first.

10,000 tasks due together were one dispatcher step of 0.3 s: the claims committed meanwhile,
a run's end, a cancel all waited behind it, and the first run started 0.36 s after the hour
while the workers stood idle. Now the first runs start while the rest are still being fired,
and the fires are taken in the ready queue's order (`ready_queue.fire_rank`), so the best
of them are still the first to start."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from app.core.schedule import Schedule
from app.core.task import Action, Task, TaskSpec
from app.engine.batch import STEP, Batch
from app.engine.executor import Attempt
from app.engine.simulated import SimulatedEngine

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
DUE = T0 + timedelta(seconds=1)
N = 3 * STEP + 17


def _task(task_id: int, priority: int = 0) -> Task:
    spec = TaskSpec(name=f"t{task_id}", action=Action(kind="python", target="x:y"),
                    schedule=Schedule(kind="date", at=DUE), priority=priority,
                    notify_on_failure=False)
    return Task(task_id, spec, next_run_at=DUE)


def _engine(tasks: list[Task]) -> tuple[SimulatedEngine, list[tuple[int, int]]]:
    """The engine (one worker), and for each start (task id, fires handled by then)."""
    sim = SimulatedEngine(tasks, [], start=T0, workers=1,
                          outcome=lambda _attempt: (1.0, "succeeded"))
    starts: list[tuple[int, int]] = []
    start = sim.executor.start

    def recorded(attempt: Attempt) -> None:
        starts.append((attempt.task_id, sim.dispatcher.stats.fired))
        start(attempt)
    sim.executor.start = recorded  # type: ignore[method-assign]
    return sim, starts


def test_the_first_run_starts_before_every_fire_due_with_it_is_handled() -> None:
    sim, starts = _engine([_task(i) for i in range(1, N + 1)])
    sim.run(enough=lambda: bool(starts))
    assert starts, "nothing started"
    _first, fired = starts[0]
    assert fired <= STEP < N, f"the first run started after {fired} of {N} fires were handled"
    sim.run()
    assert len(starts) == N and len({task for task, _ in starts}) == N  # each once


def test_the_best_of_many_due_together_start_first_though_fired_last() -> None:
    """The tasks of highest priority come last in the order the fires arrive in."""
    tasks = [_task(i) for i in range(1, N + 1)]
    tasks[-1] = _task(N, priority=9)
    tasks[-2] = _task(N - 1, priority=5)
    sim, starts = _engine(tasks)
    sim.run(enough=lambda: len(starts) >= 2)
    assert [task for task, _ in starts[:2]] == [N, N - 1]



class _Inbox:
    """The dispatcher's inbox, stepped by hand."""

    def __init__(self) -> None:
        self.steps: list[Callable[[], None]] = []

    def post(self, fn: Callable[[], None]) -> None:
        self.steps.append(fn)

    def step(self) -> None:
        self.steps.pop(0)()


def test_a_clock_jump_drops_what_waited_with_the_step_and_not_what_came_after() -> None:
    inbox = _Inbox()
    handled: list[int] = []
    steady = [True, False]
    batch = Batch(inbox.post, handled.append, first=lambda: steady.pop(0) if steady else True,
                  most=2)
    batch.extend([(n,) for n in range(5)])
    inbox.step()
    assert handled == [0, 1] and len(inbox.steps) == 1  # the rest: a step behind
    batch.add((9,))  # comes before that step: it waited with them
    inbox.step()  # the clock jumped: 2, 3, 4 and 9 are dropped (their fires are redone)
    assert handled == [0, 1] and not inbox.steps
    batch.add((10,))  # after: a batch of its own
    inbox.step()
    assert handled == [0, 1, 10] and not inbox.steps


def test_a_step_that_raises_still_leaves_the_rest_a_step() -> None:
    inbox = _Inbox()
    handled: list[int] = []
    fail = [True]

    def after() -> None:
        if fail:
            fail.pop()
            raise RuntimeError("a bug in a step")
    batch = Batch(inbox.post, handled.append, after, most=2)
    batch.extend([(n,) for n in range(3)])
    with pytest.raises(RuntimeError):
        inbox.step()
    inbox.step()
    assert handled == [0, 1, 2] and not inbox.steps


def test_an_item_that_cannot_be_ranked_still_goes_last_and_the_rest_flow() -> None:
    inbox = _Inbox()
    handled: list[int] = []

    def rank(n: int) -> tuple[int]:
        if n == 0:
            raise KeyError("a bug in the rank")
        return (-n,)
    batch = Batch(inbox.post, handled.append, most=2, rank=rank)
    batch.extend([(n,) for n in range(5)])
    while inbox.steps:
        inbox.step()
    assert handled == [4, 3, 2, 1, 0]
    batch.add((7,))  # a later step still comes
    inbox.step()
    assert handled[-1] == 7 and not inbox.steps


def test_an_item_is_ranked_once_at_most_however_many_steps_it_waits() -> None:
    inbox = _Inbox()
    asked: list[int] = []

    def rank(n: int) -> tuple[int]:
        asked.append(n)
        return (n,)
    batch = Batch(inbox.post, lambda n: None, most=2, rank=rank)
    batch.extend([(n,) for n in range(10)])
    for more in range(10, 20):  # one comes at every step
        inbox.step()
        batch.add((more,))
    while inbox.steps:
        inbox.step()
    assert len(asked) == len(set(asked)) >= 10  # (one step's worth alone needs no rank)
