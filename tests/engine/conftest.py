"""Engine fixtures: a real engine on the temp store, and helpers to wait on real time."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.engine.engine import Engine
from app.engine.events import Event
from app.store.lock import EngineLock
from faults.harness import wait_until
from tests.conftest import ROOT
from tests.support import tickwork

PACE = "0.1"  # engines here idle a tenth as long between polls (app/engine/engine.py)


@pytest.fixture(autouse=True)
def quick_engines(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every engine of these tests, in this process or a `tickwork engine` child, notices a
    CLI edit, a free lock or a finished run's retention look in tens of milliseconds."""
    monkeypatch.setenv("TICKWORK_PACE", PACE)


def soon(seconds: float = 1.0) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


class Recorder:
    def __init__(self) -> None:
        self.events: list[Event] = []

    def __call__(self, event: Event) -> None:
        self.events.append(event)

    def of(self, kind: type) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]

    def phases(self) -> list[str]:
        """The engine's states as it passed through them: a state said anew with a new
        detail (a stall's cause as it is now) is the same phase."""
        from app.engine.events import EngineState

        states = [e.state for e in self.of(EngineState)]
        return [s for i, s in enumerate(states) if i == 0 or states[i - 1] != s]

    def busy_samples(self, run_id: int) -> list[dict[str, Any]]:
        """The run's resource samples that show it busy: ≥ 100 MB resident, ≥ 10 % CPU."""
        from app.engine.events import MetricsSampled

        return [e.values for e in self.of(MetricsSampled)
                if e.run_id == run_id and e.values["rss_mb"] >= 100 and e.values["cpu"] >= 10]


@pytest.fixture
def engine(store: Any, service: Any) -> Iterator[Engine]:
    eng = Engine(store, workers=4, metrics=False)
    service.subscribe(eng.on_service_change)
    yield eng
    eng.stop(grace=0.5)  # what a test left running is interrupted: no test looks after this


@pytest.fixture
def events(engine: Engine) -> Recorder:
    rec = Recorder()
    engine.subscribe(rec)
    return rec


@contextlib.contextmanager
def metered_engine(store: Any, service: Any, workers: int) -> Iterator[Recorder]:
    """A started engine that samples resources (metrics on), hearing the service; what it
    said, recorded. Stopped at the block's end (grace 2 s)."""
    eng = Engine(store, workers=workers, metrics=True)
    service.subscribe(eng.on_service_change)
    recorded = Recorder()
    eng.subscribe(recorded)
    eng.start()
    try:
        yield recorded
    finally:
        eng.stop(grace=2)


def finished_runs(service: Any, task: str) -> list[Any]:
    from app.core.task import FINISHED_STATUSES

    return [r for r in service.list_runs(task=task, limit=1000)
            if r.status in FINISHED_STATUSES]


class EngineProcess:
    def __init__(self, home: Path, log: Path, grace: float = 2.0,
                 store: str | None = None, cwd: Path = ROOT,
                 env: Mapping[str, str] | None = None) -> None:
        self.log = log
        shared = ["--store", store] if store else []
        with log.open("w") as err:  # `tickwork engine`, started by the test zygote
            self.proc = tickwork.start(["--home", str(home), *shared, "engine", "--grace",
                                        str(grace)],
                                       cwd=cwd, stdout=subprocess.DEVNULL, stderr=err, env=env)

    def text(self) -> str:
        return self.log.read_text()

    def wait_for(self, needle: str, timeout: float = 15) -> None:
        wait_until(lambda: needle in self.text(), timeout)

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self, signum: int = signal.SIGTERM) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signum)
            try:
                return self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                return -9
        return int(self.proc.returncode)


def freeze(pid: int) -> None:
    """SIGSTOP `pid` and wait until every thread of it is stopped: a stop signal is taken by
    one thread, which then stops the others, so another thread may still run for a moment
    after kill() returns (a worker's control thread heard its engine die in that moment and
    killed what the run had started, which the test meant it not to see: 1 run in 8)."""
    os.kill(pid, signal.SIGSTOP)

    def stopped() -> bool:
        states = []
        with contextlib.suppress(OSError):
            for tid in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{tid}/stat", "rb") as fh:
                    stat = fh.read()
                states.append(stat[stat.rindex(b")") + 2:stat.rindex(b")") + 3])
        return bool(states) and all(state in (b"T", b"t") for state in states)
    wait_until(stopped, 10)


def holding_engine(home: Path, log: Path, grace: float = 2.0) -> EngineProcess:
    """A `tickwork engine` on `home`, once it holds the store's lock (the caller stops it)."""
    home.mkdir(parents=True, exist_ok=True)
    tickwork.warm()
    proc = EngineProcess(home, log, grace)
    try:
        wait_until(lambda: (EngineLock(home).holder() or {}).get("engine", "").count(":") == 2,
                   30)
    except BaseException:
        proc.stop()
        raise
    return proc


@pytest.fixture
def spawn(home: Path, tmp_path: Path) -> Iterator[Any]:
    tickwork.warm()  # the test's head starts count from its own clock, not the zygote's start
    procs: list[EngineProcess] = []

    def start(name: str = "engine", grace: float = 2.0, cwd: Path = ROOT) -> EngineProcess:
        proc = EngineProcess(home, tmp_path / f"{name}.log", grace, cwd=cwd)
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        proc.stop()
