"""Engine fixtures: a real engine on the temp store, and helpers to wait on real time."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.engine.engine import Engine
from app.engine.events import Event


def wait_until(predicate: Callable[[], Any], timeout: float = 10.0,
               interval: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {predicate}")


def soon(seconds: float = 1.0) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


class Recorder:
    def __init__(self) -> None:
        self.events: list[Event] = []

    def __call__(self, event: Event) -> None:
        self.events.append(event)

    def of(self, kind: type) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]


@pytest.fixture
def engine(store: Any, service: Any) -> Iterator[Engine]:
    eng = Engine(store, workers=4, metrics=False)
    service.subscribe(eng.on_service_change)
    yield eng
    eng.stop(grace=2)


@pytest.fixture
def events(engine: Engine) -> Recorder:
    rec = Recorder()
    engine.subscribe(rec)
    return rec


def finished_runs(service: Any, task: str) -> list[Any]:
    from app.core.task import FINISHED_STATUSES

    return [r for r in service.list_runs(task=task, limit=1000)
            if r.status in FINISHED_STATUSES]
