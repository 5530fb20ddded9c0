"""How the pool of Python workers (app/engine/pyworkers/pool.py) gives runs to workers: a
run that finds every worker busy waits for the first one free, not behind a new worker's
start-up; workers are started ahead of the first Python fire; a worker that cannot start
fails one waiting run and no more (one killed while it starts interrupts it). Real worker
processes, real runs."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.core.task import Action
from app.engine.attempts import Attempt, Outcome
from app.engine.executor import Executor, RunContext
from app.engine.pyworkers import pool as pool_module
from app.engine.pyworkers import process
from app.engine.pyworkers.pool import PythonWorkers
from tests.engine.conftest import finished_runs, wait_until

ACTIONS = "tests.engine.worker_actions"


class Ends:
    """A sink that keeps each run's outcome."""

    def __init__(self) -> None:
        self.outcomes: dict[int, Outcome] = {}
        self.started: set[int] = set()
        self.lock = threading.Lock()

    def on_started(self, attempt: Attempt) -> None:
        self.started.add(attempt.run_id)

    def on_output(self, attempt: Attempt, stream: str, text: str) -> None: ...
    def on_checkpoint(self, attempt: Attempt, state: Any) -> None: ...
    def on_progress(self, attempt: Attempt, fraction: float | None, message: str) -> None: ...

    def on_finished(self, attempt: Attempt, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes[attempt.run_id] = outcome

    def secret(self, name: str) -> str | None:
        return None

    def end(self, attempt: Attempt, timeout: float = 20) -> Outcome:
        return wait_until(lambda: self.outcomes.get(attempt.run_id), timeout)  # type: ignore[no-any-return]


_ids = iter(range(1, 1 << 30))


def attempt(target: str, **kwargs: Any) -> Attempt:
    return Attempt(run_id=next(_ids), task_id=1, task_name=target,
                   scheduled_for=datetime.now(UTC), attempt=1,
                   action=Action("python", target=f"{ACTIONS}:{target}", kwargs=kwargs))


@pytest.fixture
def ends() -> Ends:
    return Ends()


@pytest.fixture
def pool(ends: Ends) -> Any:
    workers = PythonWorkers(ends, RunContext, most=8)
    yield workers
    workers.close()


def test_warming_starts_a_worker_per_cpu_and_never_more_than_may_run(ends: Ends) -> None:
    cpus = os.cpu_count() or 1
    for most, expected in ((8, min(cpus, 8)), (1, 1)):
        workers = PythonWorkers(ends, RunContext, most=most)
        try:
            workers.warm()
            workers.warm()  # (a second load of Python tasks starts none more)
            wait_until(lambda w=workers, n=expected: w.idle() == n, 20)
            assert len(workers.pids()) == workers.started == expected
        finally:
            workers.close()


def test_a_run_that_finds_every_worker_busy_takes_the_first_one_free(
        pool: PythonWorkers, ends: Ends, tmp_path: Path) -> None:
    """Not a worker started for it: an interpreter's start-up takes 30 ms and more (several
    starting at once on a loaded machine took 0.3–0.5 s), a busy worker's run ends in one."""
    pool.warm()
    warm = len(wait_until(lambda: pool.idle() == min(os.cpu_count() or 1, 8)
                          and pool.pids(), 20))
    go = tmp_path / "go"
    blocked = [attempt("wait_for_file", path=str(go)) for _ in range(warm)]
    for a in blocked:
        pool.hand(a)
    wait_until(lambda: all(a.pid is not None for a in blocked) and pool.idle() == 0, 20)
    busy = {a.pid for a in blocked}
    who = tmp_path / "who"
    late = attempt("whoami", path=str(who))
    pool.hand(late)  # every worker busy: it waits, and one more worker starts
    assert late.pid is None and pool.started == warm + 1
    go.touch()  # the busy runs end at once
    for a in blocked:
        assert ends.end(a).status == "succeeded"
    assert ends.end(late).status == "succeeded"
    assert int(who.read_text()) in busy  # a worker that was busy, not the one starting
    wait_until(lambda: pool.idle() == warm + 1, 20)  # the new one joins the idle ones


def test_a_fenced_engine_hands_no_waiting_run_to_a_worker_that_comes_free(
        ends: Ends, tmp_path: Path) -> None:
    """A leader stopped past its lease (SIGSTOP, a suspended VM) is fenced as it wakes: its
    successor may be retrying what it had handed over. A run waiting here for a worker was
    handed over before the stop, so the dispatcher's own check never sees it; the worker
    that comes free takes it only once the engine proves its lease again, and a step-down's
    stop ends it where it waits."""
    fenced = [False]
    pool = PythonWorkers(ends, RunContext, most=1, fenced=lambda: fenced[0])
    try:
        go = tmp_path / "go"
        ahead = attempt("wait_for_file", path=str(go))
        pool.hand(ahead)
        wait_until(lambda: ahead.pid is not None, 20)
        who, gone = tmp_path / "who", tmp_path / "gone"
        waits, dropped = attempt("whoami", path=str(who)), attempt("whoami", path=str(gone))
        pool.hand(waits)
        pool.hand(dropped)  # both wait: no room for a second worker
        fenced[0] = True
        go.touch()
        assert ends.end(ahead).status == "succeeded"
        wait_until(lambda: pool.idle() == 1, 10)  # free, and kept idle
        time.sleep(0.3)  # (what it would hand over, it would have by now)
        assert waits.pid is None and not who.exists()
        dropped.cancel("fenced off", "interrupted")  # a step-down's stop
        assert ends.end(dropped).status == "interrupted" and not gone.exists()
        fenced[0] = False  # the lease proved again
        assert ends.end(waits).status == "succeeded" and who.exists()
    finally:
        pool.close()


def test_a_fenced_engine_hands_over_nothing_it_had_queued(ends: Ends, tmp_path: Path) -> None:
    """The executor's queue, as the pool's line: attempts queued before the stop stay there
    while the engine is fenced; the stop of a step-down ends them, a proved lease lets them
    go."""
    fenced = [True]
    executor = Executor(ends, 2, fenced=lambda: fenced[0])
    try:
        who, never = tmp_path / "who", tmp_path / "never"
        queued, dropped = attempt("whoami", path=str(who)), attempt("whoami", path=str(never))
        executor.start_many([queued])
        executor.start_many([dropped])  # (behind the first, on the one Python thread)
        time.sleep(0.3)  # (what it would hand over, it would have by now)
        assert not ends.started and not ends.outcomes and not who.exists()
        dropped.cancel("fenced off", "interrupted")
        assert ends.end(dropped).status == "interrupted" and not never.exists()
        fenced[0] = False
        assert ends.end(queued).status == "succeeded" and who.exists()
    finally:
        executor.shutdown(5)


def test_a_worker_that_cannot_start_fails_one_waiting_run_and_no_more(
        pool: PythonWorkers, ends: Ends, monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    monkeypatch.setenv("PYTHONHOME", str(tmp_path / "no-python-here"))  # it dies starting
    pool.warm()  # warm workers that die with no run waiting fail nothing
    wait_until(lambda: pool.started >= 1 and not pool.pids(), 20)
    first = attempt("whoami", path=str(tmp_path / "who"))
    pool.hand(first)
    outcome = ends.end(first)
    assert outcome.status == "failed"
    assert (outcome.error or "").startswith("the Python worker could not start (exit code")
    wait_until(lambda: not pool.pids(), 20)
    assert list(ends.outcomes) == [first.run_id]
    monkeypatch.delenv("PYTHONHOME")
    again = attempt("whoami", path=str(tmp_path / "who"))
    pool.hand(again)
    assert ends.end(again).status == "succeeded"  # the next run gets a worker that starts


def test_a_start_that_closes_its_channel_and_lingers_fails_its_run(
        ends: Ends, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker that closes its channel without a hello and does not exit is stopped by the
    pool: a broken start (`failed`), not one stopped from outside — it was the pool's own
    SIGTERM that ended it, and read as a kill from outside it made the run `interrupted`."""
    monkeypatch.setattr(process, "worker_argv", lambda run_fd, control_fd: [
        sys.executable, "-c", "import os, time\n"
        f"os.close({run_fd}); os.close({control_fd}); time.sleep(60)"])
    workers = PythonWorkers(ends, RunContext, most=1)
    try:
        run = attempt("whoami", path="unused")
        workers.hand(run)
        outcome = ends.end(run)
        assert outcome.status == "failed", outcome
        assert outcome.error == ("the Python worker could not start (it closed its channel, "
                                 "and was stopped)")
        wait_until(lambda: not workers.pids(), 20)
    finally:
        workers.close()


def test_a_start_killed_from_outside_interrupts_one_waiting_run_for_its_retries(
        ends: Ends, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A worker killed while it starts (a person, the OOM killer) is not a broken
    interpreter: the run it was started for ends `interrupted`, as when a worker is killed
    under its run, so the task's retries follow; the next start serves the other run."""
    slow = tmp_path / "slow"
    real = process.worker_argv
    monkeypatch.setattr(process, "worker_argv", lambda run_fd, control_fd: [
        sys.executable, "-c", "import os, sys, time\n"
        f"while os.path.exists({str(slow)!r}): time.sleep(0.02)\n"
        "os.execv(sys.argv[1], sys.argv[1:])", *real(run_fd, control_fd)])
    slow.touch()
    workers = PythonWorkers(ends, RunContext, most=1)
    try:
        first, second = (attempt("whoami", path=str(tmp_path / "who")) for _ in range(2))
        workers.hand(first)
        workers.hand(second)
        starting = wait_until(workers.pids, 10)
        os.kill(starting[0], signal.SIGKILL)
        outcome = ends.end(first)
        assert (outcome.status, outcome.error) == (
            "interrupted", "the Python worker could not start (killed by signal SIGKILL)")
        slow.unlink()
        assert ends.end(second).status == "succeeded"
    finally:
        workers.close()


def test_a_run_waiting_behind_one_killed_at_its_timeout_gets_a_new_worker(
        ends: Ends, tmp_path: Path) -> None:
    """The only worker is killed when its run times out: the run that waited behind it
    is not left waiting for a run that may never come to start another."""
    workers = PythonWorkers(ends, RunContext, most=1)
    try:
        hung = attempt("spin", path=str(tmp_path / "spin"))
        hung.timeout = 0.5
        behind = attempt("whoami", path=str(tmp_path / "who"))
        workers.hand(hung)
        workers.hand(behind)
        assert ends.end(hung).status == "timed_out"
        assert ends.end(behind).status == "succeeded"
    finally:
        workers.close()


def test_a_waiting_run_is_stopped_where_it_waits_and_a_hung_start_is_killed(
        ends: Ends, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Workers whose interpreter hangs before saying hello (a stalled network drive, a
    site hook that blocks): the runs waiting for them still time out and can be cancelled,
    and the hung workers are killed after `START_TIMEOUT`, each failing one waiting run."""
    monkeypatch.setattr(process, "worker_argv", lambda run_fd, control_fd: [
        sys.executable, "-c", "import time; time.sleep(120)"])
    monkeypatch.setattr(pool_module, "START_TIMEOUT", 2.0)
    workers = PythonWorkers(ends, RunContext, most=2)
    try:
        timed = attempt("whoami", path=str(tmp_path / "who"))
        timed.timeout = 0.5
        cancelled = attempt("whoami", path=str(tmp_path / "who"))
        last = attempt("whoami", path=str(tmp_path / "who"))
        handed = time.monotonic()
        for a in (timed, cancelled, last):
            workers.hand(a)
        assert workers.started == 2  # no more than `most`, however many wait
        cancelled.cancel("cancelled by a person")
        assert ends.end(cancelled).status == "cancelled"
        outcome = ends.end(timed)
        assert outcome.status == "timed_out" and outcome.error == "timed out after 0.5 s"
        assert time.monotonic() - handed < 1.9  # at its timeout, not at the kill
        outcome = ends.end(last)
        assert outcome.status == "failed"
        assert outcome.error == "the Python worker could not start (did not start within 2 s)"
        wait_until(lambda: not workers.pids(), 20)
        assert timed.pid is None and cancelled.pid is None and last.pid is None
    finally:
        workers.close()
    assert len(ends.outcomes) == 3


def test_a_run_waiting_for_a_worker_when_the_engine_stops_is_interrupted(
        ends: Ends, tmp_path: Path) -> None:
    # one worker at most: the second run waits for it whatever the machine's pace (with
    # room for more, a second worker that started before the stop took it, under load)
    workers = PythonWorkers(ends, RunContext, most=1)
    first = attempt("wait_for_file", path=str(tmp_path / "never"))
    second = attempt("whoami", path=str(tmp_path / "who"))
    workers.hand(first)
    wait_until(lambda: first.pid is not None, 20)
    workers.hand(second)  # waits: the one worker is busy
    closing = threading.Thread(target=workers.close)
    closing.start()
    closing.join(10)
    assert ends.end(first).status == "interrupted"
    outcome = ends.end(second)
    assert outcome.status == "interrupted" and second.pid is None
    assert "before a worker took it" in (outcome.error or "")


@pytest.mark.parametrize("made", ["before the engine starts", "while it runs"])
def test_workers_are_up_before_the_first_python_fire(engine: Any, service: Any,
                                                     tmp_path: Path, made: str) -> None:
    """A Python task falling due within the horizon (3 s: read at start-up) or made while
    the engine runs has its workers started then, so its first fire does not wait for an
    interpreter to start."""
    at = datetime.now(UTC) + timedelta(seconds=2.5)
    who = tmp_path / "who"
    task = {"name": "soon", "timezone": "UTC",
            "schedule": {"kind": "date", "at": at.isoformat()},
            "action": {"kind": "python", "target": f"{ACTIONS}:whoami",
                       "kwargs": {"path": str(who)}}}
    if made == "before the engine starts":
        service.create_task(task)
    engine.start()
    pool = engine.executor.python
    if made == "while it runs":
        assert pool.pids() == []  # no Python task yet: no worker
        service.create_task(task)
    warm = min(os.cpu_count() or 1, engine.workers)
    wait_until(lambda: pool.idle() == warm, 20)
    assert not finished_runs(service, "soon") and datetime.now(UTC) < at
    (run,) = wait_until(lambda: finished_runs(service, "soon"), 20)
    assert run.status == "succeeded", run.error
    assert int(who.read_text()) in pool.pids()
    assert pool.started == warm  # the run found a worker ready


def test_as_many_workers_as_python_fires_due_together_are_up_before_them(
        store: Any, service: Any) -> None:
    """More Python tasks due at the same instant (the top of an hour, small) than the engine
    has CPUs: all its workers are up before it, not one per CPU with the rest started among
    the first runs, their interpreters' start taking those runs' CPU."""
    from app.engine.engine import Engine

    most = (os.cpu_count() or 1) + 2
    engine = Engine(store, workers=most, metrics=False)
    service.subscribe(engine.on_service_change)
    at = datetime.now(UTC) + timedelta(seconds=5)
    names = [f"top-{n}" for n in range(most + 2)]
    for name in names:
        service.create_task({"name": name, "timezone": "UTC",
                             "schedule": {"kind": "date", "at": at.isoformat()},
                             "action": {"kind": "python", "target": f"{ACTIONS}:counted"}})
    engine.start()
    try:
        pool = engine.executor.python
        wait_until(lambda: pool.idle() == most, 20)
        assert datetime.now(UTC) < at and not any(finished_runs(service, n) for n in names)
        for name in names:
            (run,) = wait_until(lambda name=name: finished_runs(service, name), 20)
            assert run.status == "succeeded", run.error
        assert pool.started == most  # none more started for them
    finally:
        engine.stop(grace=0.5)
