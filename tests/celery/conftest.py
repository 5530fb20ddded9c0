"""Runs on Celery workers, for real: the session's own `redis-server` (tests/support/redis.py),
`tickwork worker` subprocesses, and a real engine in the test process. Skipped with one line
where redis-server is absent."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from faults.harness import wait_until
from tests.conftest import ROOT
from tests.support.processes import stop
from tests.support.redis import RedisServer, redis_server, redis_session

__all__ = ["redis_server", "redis_session"]

BEAT = "0.5"  # seconds between a worker's heartbeats here: a lost worker is seen in ~1.5-2 s


@pytest.fixture
def broker(redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch) -> str:
    """The broker URL, given to the engine and the workers through their environment."""
    monkeypatch.setenv("TICKWORK_BROKER", redis_server.url)
    monkeypatch.setenv("TICKWORK_CELERY_BEAT", BEAT)
    monkeypatch.setenv("TICKWORK_PACE", "0.1")  # the engine notices a CLI edit at once
    return redis_server.url


class WorkerProcess:
    """One `tickwork worker` subprocess and its log."""

    def __init__(self, name: str, log: Path, queue: str | None, home: Path | None,
                 *options: str, env: dict[str, str] | None = None) -> None:
        self.name = name
        self.log = log
        args = [sys.executable, "-m", "app.cli", *(["--home", str(home)] if home else []),
                "worker", "--concurrency", "2", "--name", name,
                *(["--queue", queue] if queue else []), *options]
        with log.open("w") as out:
            self.proc = subprocess.Popen(args, cwd=ROOT, stdin=subprocess.DEVNULL,
                                         stdout=out, stderr=subprocess.STDOUT,
                                         env=None if env is None else {**os.environ, **env})
        wait_until(lambda: self.proc.poll() is not None or f"{name} ready." in self.text(),
                   60)
        assert self.proc.poll() is None, self.text()

    def text(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def start_worker(broker: str, tmp_path: Path, home: Path
                 ) -> Iterator[Callable[..., WorkerProcess]]:
    """`tickwork worker` as on the engine's machine, its home the engine's (its runs'
    secrets open with the key in that home's keyring slot); `home=None` and `env` make it
    another machine's."""
    started: list[WorkerProcess] = []

    def start(name: str = "w1@test", queue: str | None = None, *options: str,
              home: Path | None = home, env: dict[str, str] | None = None) -> WorkerProcess:
        worker = WorkerProcess(name, tmp_path / f"{name}.log", queue, home, *options, env=env)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        stop(worker.proc, 15)


@pytest.fixture
def engine(broker: str, store: Any, service: Any) -> Iterator[Any]:
    from app.engine.engine import Engine

    eng = Engine(store, workers=4, metrics=False)
    service.subscribe(eng.on_service_change)
    eng.start()
    yield eng
    eng.stop(grace=3.0)
