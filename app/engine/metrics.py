"""Resource samples for the live plots: the system once a second, and each running
command's process tree (CPU %, RSS). Samples are written through the engine's writer and
pruned past the retention period; each one is also sent to listeners as an event."""

from __future__ import annotations

import json
import logging
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import psutil  # type: ignore[import-untyped]  # no stubs installed

from app.engine.clock import Clock
from app.engine.dispatcher import Dispatcher
from app.engine.events import EventHub, MetricsSampled
from app.engine.stats import Stats
from app.engine.writer import Writer
from app.store import ledger


class Sampled(Protocol):
    """What the sampler reads of the engine."""

    @property
    def home(self) -> Path: ...
    @property
    def stats(self) -> Stats: ...
    @property
    def writer(self) -> Writer: ...
    @property
    def hub(self) -> EventHub: ...
    @property
    def clock(self) -> Clock: ...
    @property
    def dispatcher(self) -> Dispatcher: ...
    def running_count(self) -> int: ...

log = logging.getLogger(__name__)

INTERVAL = 1.0
RETENTION = timedelta(hours=48)


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class MetricsSampler:
    def __init__(self, engine: Sampled, interval: float = INTERVAL) -> None:
        self.engine = engine
        self.interval = interval
        self._stop = threading.Event()
        self._procs: dict[int, psutil.Process] = {}
        self._thread = threading.Thread(target=self._loop, name="tickwork-metrics", daemon=True)
        self._last_fired = 0
        self._last_prune = 0.0

    def start(self) -> None:
        psutil.cpu_percent(None)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.sample()
            except Exception:
                log.exception("metrics sample failed")

    def sample(self, now: datetime | None = None) -> dict[str, Any]:
        now = now or self.engine.clock.now()
        engine = self.engine
        recent = engine.stats.recent_lateness(60.0)
        fired = engine.stats.fired
        values: dict[str, Any] = {
            "cpu": psutil.cpu_percent(None),
            "memory": psutil.virtual_memory().percent,
            "disk": psutil.disk_usage(str(engine.home)).percent,
            "running": engine.running_count(),
            "queued": engine.dispatcher.queued_count(),
            "fires_per_min": len(recent),
            "fired_total": fired,
            "lateness_p99_ms": percentile(recent, 0.99),
            "writer_backlog": engine.writer.backlog,
        }
        self._write(now, "system", values, None)
        for attempt in engine.dispatcher.running():
            if attempt.pid is not None:
                self._sample_run(now, attempt.run_id, attempt.pid)
        if engine.clock.monotonic() - self._last_prune > 600:
            self._last_prune = engine.clock.monotonic()
            engine.writer.submit(lambda: ledger.prune_metrics(now - RETENTION))
        return values

    def _sample_run(self, now: datetime, run_id: int, pid: int) -> None:
        try:
            root = self._procs.get(pid)
            if root is None:
                root = self._procs[pid] = psutil.Process(pid)
                root.cpu_percent(None)
            procs = [root, *root.children(recursive=True)]
            cpu = 0.0
            rss = 0
            for proc in procs:
                with proc.oneshot():
                    cpu += proc.cpu_percent(None) if proc is root else 0.0
                    rss += proc.memory_info().rss
            self._write(now, "run", {"cpu": cpu, "rss_mb": rss / 2**20,
                                     "processes": len(procs)}, run_id)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            self._procs.pop(pid, None)

    def _write(self, now: datetime, kind: str, values: dict[str, Any], run_id: int | None) -> None:
        text = json.dumps(values)
        self.engine.writer.submit(lambda: ledger.add_metric(now, kind, text, run_id))
        self.engine.hub.emit(MetricsSampled(now, kind, values, run_id))
