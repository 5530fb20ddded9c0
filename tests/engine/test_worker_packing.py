"""Where the Python workers run (app/engine/pyworkers/cpus.py): in a storm of short runs
they share one CPU; a lone run, a heavy one, a long one and whatever it started have every
CPU the engine has; a run cannot keep the CPUs it chose for itself for the next one. The
rules with an injected clock; the rest with real workers and real runs."""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from app.core.task import Action
from app.engine.attempts import Attempt
from app.engine.executor import RunContext
from app.engine.pyworkers import cpus as cpus_module
from app.engine.pyworkers.cpus import HEAVY, HOLD, MIN_RATE, WINDOW, Packing
from app.engine.pyworkers.pool import PythonWorkers
from faults.harness import wait_until
from tests.engine.test_python_pool import Ends, attempt

ALL = frozenset({0, 1, 2, 3})
OTHER_IDS = itertools.count(1 << 40)  # (runs of another module than test_python_pool's)
MANY = int(MIN_RATE * WINDOW) + 1  # short runs in a window: enough to pack


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def packed_after_a_storm(clock: Clock, cpu: float = 0.0001) -> Packing:
    packing = Packing(ALL, clock)
    for _ in range(MANY):
        packing.ended(cpu)
    clock.now += WINDOW
    return packing


def test_a_storm_of_short_runs_packs_the_next_runs_onto_one_cpu() -> None:
    clock = Clock()
    packing = packed_after_a_storm(clock)
    assert packing.one is not None and len(packing.one) == 1 and packing.one[0] in ALL
    assert packing.one[0] != min(ALL)  # never the first: it takes most interrupts
    assert packing.wanted() == packing.one
    for _ in range(MANY):  # it goes on: they stay packed
        packing.ended(0.0001)
    clock.now += WINDOW
    assert packing.wanted() == packing.one
    clock.now += 2 * WINDOW  # the storm is over: a lone run has them all
    assert packing.wanted() is None


def test_packed_runs_that_slow_to_a_few_a_second_spread_again() -> None:
    """Packed by a storm, then a few medium runs a second (a review: they stayed on the one
    CPU for good, queueing there while the others idled)."""
    clock = Clock()
    packing = packed_after_a_storm(clock)
    assert packing.wanted() == packing.one
    for _ in range(int(MIN_RATE * WINDOW / 2) - 1):  # under half the rate that packed them
        packing.ended(0.001)
    clock.now += WINDOW
    assert packing.wanted() is None


def test_a_few_runs_never_pack() -> None:
    """A desktop's runs, even a few at once, run where they like."""
    clock = Clock()
    packing = Packing(ALL, clock)
    for _ in range(60):
        for _ in range(MANY - 1):
            packing.ended(0.0001)
        clock.now += WINDOW
        assert packing.wanted() is None


def test_runs_that_would_fill_one_cpu_never_pack_and_packed_ones_spread_when_they_do() -> None:
    clock = Clock()
    packing = Packing(ALL, clock)
    for _ in range(MANY):  # 0.8 of a CPU in all: more than one CPU should carry
        packing.ended(0.8 * WINDOW / MANY)
    clock.now += WINDOW
    assert packing.wanted() is None
    packing = packed_after_a_storm(clock)
    assert packing.wanted() == packing.one
    for _ in range(MANY):  # packed, the runs grew to fill their CPU
        packing.ended(0.95 * WINDOW / MANY)
    clock.now += WINDOW
    assert packing.wanted() is None


def test_one_heavy_run_spreads_them_for_a_while() -> None:
    clock = Clock()
    packing = packed_after_a_storm(clock)
    packing.ended(HEAVY)
    assert packing.wanted() is None  # at once
    while clock.now < 100 + HOLD:  # however many short runs follow, for HOLD seconds
        for _ in range(MANY):
            packing.ended(0.0001)
        clock.now += WINDOW
        assert packing.wanted() is None
    for _ in range(MANY):
        packing.ended(0.0001)
    clock.now += WINDOW
    assert packing.wanted() == packing.one


def test_one_cpu_packs_nothing() -> None:
    clock = Clock()
    packing = Packing(frozenset({5}), clock)
    for _ in range(MANY):
        packing.ended(0.0001)
    clock.now += WINDOW
    assert packing.wanted() is None


# -- real workers ------------------------------------------------------------------------------

OWN = cpus_module.allowed()
several = pytest.mark.skipif(OWN is None or len(OWN) < 2, reason="needs two CPUs or more")


@pytest.fixture
def ends() -> Ends:
    return Ends()


@pytest.fixture
def pool(ends: Ends) -> Iterator[PythonWorkers]:
    """One worker: every run after the storm's goes to the worker that ran the storm (a
    module's first run in a worker is never packed)."""
    workers = PythonWorkers(ends, RunContext, most=1)
    yield workers
    workers.close()


def pack(pool: PythonWorkers, ends: Ends) -> Clock:
    """Real short runs end on real workers (once first, so every worker has imported what
    they run) and, a window later on the pool's clock, it packs the runs it hands over."""
    warm = [attempt("noop") for _ in range(MANY)]
    for each in warm:
        pool.hand(each)
    for each in warm:
        assert ends.end(each).status == "succeeded"
    clock = Clock()
    assert OWN is not None
    pool.packing = Packing(OWN, clock)
    runs = [attempt("noop") for _ in range(MANY)]
    for each in runs:
        pool.hand(each)
    for each in runs:
        assert ends.end(each).status == "succeeded"
    clock.now += WINDOW
    assert pool.packing.packed
    return clock


def noted(path: Path) -> Any:
    return json.loads(wait_until(lambda: path.exists() and path.read_text(), 20))


@several
def test_in_a_storm_a_run_sees_one_cpu_and_a_lone_run_after_it_every_one(
        pool: PythonWorkers, ends: Ends, tmp_path: Path) -> None:
    assert OWN is not None
    clock = pack(pool, ends)
    during, after = tmp_path / "during", tmp_path / "after"
    pool.hand(probe := attempt("cpus", path=str(during)))
    assert ends.end(probe).status == "succeeded"
    assert noted(during) == pool.packing.one
    clock.now += 2 * WINDOW  # no more ends for a while
    pool.hand(lone := attempt("cpus", path=str(after)))
    assert ends.end(lone).status == "succeeded"
    assert noted(after) == sorted(OWN)


@several
def test_a_run_that_takes_every_cpu_gives_them_back_to_the_next_packed_run(
        ends: Ends, tmp_path: Path) -> None:
    """One worker: the packed run that pinned itself elsewhere leaves the worker on the one
    CPU for the next packed run, and a run handed over unpacked gets the worker's own."""
    assert OWN is not None
    workers = PythonWorkers(ends, RunContext, most=1)
    try:
        clock = pack(workers, ends)
        taker, second, lone = (tmp_path / name for name in ("taker", "second", "lone"))
        elsewhere = [min(OWN - set(workers.packing.one or ()))]
        workers.hand(first := attempt("cpus", path=str(taker), take=elsewhere))
        assert ends.end(first).status == "succeeded"
        assert noted(taker) == elsewhere
        workers.hand(next_one := attempt("cpus", path=str(second)))
        assert ends.end(next_one).status == "succeeded"
        assert noted(second) == workers.packing.one
        clock.now += 2 * WINDOW
        workers.hand(last := attempt("cpus", path=str(lone)))
        assert ends.end(last).status == "succeeded"
        assert noted(lone) == sorted(OWN)
    finally:
        workers.close()


@several
def test_a_modules_first_run_in_a_worker_is_not_packed(
        pool: PythonWorkers, ends: Ends, tmp_path: Path) -> None:
    """It may import a library that sizes its threads by the CPUs it sees (OpenBLAS, a
    thread pool's default), and keeps them for the worker's life (a review)."""
    assert OWN is not None
    pack(pool, ends)
    first, second = tmp_path / "first", tmp_path / "second"
    for path in (first, second):
        run = Attempt(run_id=next(OTHER_IDS), task_id=2, task_name="other", attempt=1,
                      scheduled_for=datetime.now(UTC), action=Action(
                          "python", target="tests.engine.actions:cpus",
                          kwargs={"path": str(path)}))
        pool.hand(run)
        assert ends.end(run).status == "succeeded"
    assert noted(first) == sorted(OWN)
    assert noted(second) == pool.packing.one


def allowed_of(pid: int) -> frozenset[int]:
    return frozenset(os.sched_getaffinity(pid))


@several
def test_a_long_run_on_a_packed_worker_is_spread_with_the_child_it_started(
        pool: PythonWorkers, ends: Ends, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A heavy program a Python action starts in a storm must not stay on one CPU for its
    life: within the pool's once-a-second look after LONG seconds, the worker and its child
    run anywhere again, and the runs after it are not packed for a while."""
    assert OWN is not None
    monkeypatch.setattr(cpus_module, "LONG", 3.0)  # (its first look must not come first)
    pack(pool, ends)
    one = pool.packing.one
    assert one is not None
    noted_pid, go = tmp_path / "child", tmp_path / "go"
    pool.hand(long := attempt("child_then_wait", path=str(noted_pid), go=str(go)))
    child = int(wait_until(lambda: noted_pid.exists() and noted_pid.read_text(), 20))
    assert allowed_of(child) == set(one)
    wait_until(lambda: allowed_of(child) == OWN, 12)
    assert long.pid is not None and allowed_of(long.pid) == OWN
    assert not pool.packing.packed
    go.write_text("")
    assert ends.end(long).status == "succeeded"  # (its child: killed with its worker)
