"""Resource samples for the live plots: the system, and each running command's process tree
(CPU %, RSS). Samples are written through the engine's writer and pruned past the retention
period; each one is also sent to listeners as an event.

How often: every `INTERVAL` (1 s) while runs go or wait, or while someone watches live (a
window in this process subscribed through `Engine.subscribe`); every `IDLE_INTERVAL` (30 s)
otherwise, so an idle headless engine costs next to nothing: it then sleeps through the
idle period, woken by a run that changes or a window that starts watching. A viewer window
of another engine process reads the stored samples, so it sees an idle engine's every 30 s.
(Each idle sample cost 3–8 ms of CPU in all, this thread's psutil reads, the writer's
commit and the store thread's look at it: every 10 s, that was half an idle engine's CPU.)

A run's figures cover its whole process tree — the command's leader and every descendant
— not just the leader, and what is left in the leader's process group without its parent
(`sh -c 'x &'`: the launcher, the subreaper of its commands, adopts x), with what those
started: CPU % is their CPU time (their own time plus that of the children they reaped) over
the time since the last sample; RSS is the sum over the live processes. One look at /proc's
process table a sample serves every run. A process that ends between the listing and the
reading is skipped. Processes that left both (`setsid`, then a parent's exit) are not
counted: finding them means reading every process's environment (the run token,
app/engine/processes.py), which costs more than the sample itself.

A process's CPU time counts in clock ticks (10 ms): over the few milliseconds between a run's
start and its first sample (the sampler is woken by the run) one tick read as 120 % for one
thread. A span under `MIN_SPAN` says no CPU yet (0 at a run's first sample, else the last
reading) and leaves the time to the next sample, which counts it all."""

from __future__ import annotations

import json
import logging
import os
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import psutil  # type: ignore[import-untyped]  # no stubs installed

from app.engine.attempts import Attempt
from app.engine.clock import Clock
from app.engine.dispatcher import Dispatcher
from app.engine.events import Event, EventHub, MetricsSampled, RunChanged
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
    def watched(self) -> bool: ...

log = logging.getLogger(__name__)

INTERVAL = 1.0  # seconds between samples while runs go or a window watches
IDLE_INTERVAL = 30.0  # ... and while the engine idles unwatched
_GONE = (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied)
MIN_SPAN = 0.25  # seconds: a CPU time in ticks of 10 ms over less says little of a rate
RETENTION = timedelta(hours=48)


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class MetricsSampler:
    def __init__(self, engine: Sampled, interval: float = INTERVAL,
                 idle_interval: float = IDLE_INTERVAL) -> None:
        self.engine = engine
        self.interval = interval
        self.idle_interval = idle_interval
        self._stop = threading.Event()
        self._wake = threading.Event()  # set: look now (a run changed, a window watches)
        self._resting = False  # the thread sleeps through an idle period
        self._trees: dict[int, RunTree] = {}  # run id -> its process tree, as last sampled
        self._last_sample = float("-inf")
        self._thread = threading.Thread(target=self._loop, name="tickwork-metrics", daemon=True)
        self._last_fired = 0
        self._last_prune = 0.0

    def start(self) -> None:
        psutil.cpu_percent(None)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(5)

    def wake(self) -> None:
        """Look now: a window started watching."""
        self._wake.set()

    def on_event(self, event: Event) -> None:
        """An engine listener: a run that changes while the thread rests wakes it, so a run
        that starts is sampled within a second (any thread; one flag test per event)."""
        if self._resting and isinstance(event, RunChanged):
            self._resting = False
            self._wake.set()

    def busy(self) -> bool:
        """Sample at the fast rate: runs go or wait, or a listener watches live."""
        engine = self.engine
        return bool(engine.running_count() or engine.dispatcher.queued_count()
                    or engine.watched())

    def _loop(self) -> None:
        # every `interval` while busy; idle, it rests until the idle period is over or a run
        # changes or a window watches (each wake-up of an idle engine costs ~0.3 ms of CPU)
        wait = self.interval
        while True:
            self._wake.wait(wait)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                mono = self.engine.clock.monotonic()
                self._resting = True  # (before the look: a run starting after it wakes us)
                busy = self.busy()
                since = mono - self._last_sample
                # busy, a wake within `interval` of the last sample (a run that changed while
                # it was taken) waits out the rest: it sampled again at once, as often as runs
                # changed (a soak: 1.1 to 2.2 system samples a second; a test: 17 in 3 ms)
                if since >= self.idle_interval or (busy and since >= self.interval):
                    self._last_sample = mono
                    self.sample()
                    since = 0.0
                if busy:
                    self._resting = False
                wait = self.interval - since if busy else max(
                    self.interval, self._last_sample + self.idle_interval - mono)
            except Exception:
                log.exception("metrics sample failed")

    def sample(self, now: datetime | None = None) -> dict[str, Any]:
        now = now or self.engine.clock.now()
        engine = self.engine
        recent = engine.stats.recent_lateness(60.0)  # (catch-ups aside: app/engine/stats.py)
        catch_ups = engine.stats.recent_catch_ups(60.0)
        fired = engine.stats.fired
        values: dict[str, Any] = {
            "cpu": psutil.cpu_percent(None),
            "memory": psutil.virtual_memory().percent,
            "disk": self._disk_use(),
            "running": engine.running_count(),
            "queued": engine.dispatcher.queued_count(),
            "fires_per_min": len(recent) + catch_ups,  # every start, catch-ups too
            "catch_ups_per_min": catch_ups,  # not in the lateness (an older engine: no key)
            "started_total": engine.stats.started,  # runs started in a minute, to the run
            "fired_total": fired,
            "lateness_p99_ms": percentile(recent, 0.99),
            "writer_backlog": engine.writer.backlog,
        }
        self._write(now, "system", values, None)
        live: set[int] = set()
        table: ProcessTable | None = None
        for attempt in engine.dispatcher.running():
            if attempt.pid is not None:
                live.add(attempt.run_id)
                if table is None:
                    table = ProcessTable()
                self._sample_run(now, attempt.run_id, attempt.pid, attempt, table)
        for run_id in set(self._trees) - live:
            del self._trees[run_id]
        if engine.clock.monotonic() - self._last_prune > 600:
            self._last_prune = engine.clock.monotonic()
            engine.writer.submit(lambda: ledger.prune_metrics(now - RETENTION))
        return values

    def _disk_use(self) -> float | None:
        """The home's disk use in %; None while the home is not there (moved or deleted under
        the engine, which stops it: its store's watcher says so); it was a traceback a
        second until the engine stopped."""
        try:
            return float(psutil.disk_usage(str(self.engine.home)).percent)
        except OSError:
            return None

    def _sample_run(self, now: datetime, run_id: int, pid: int, attempt: Attempt,
                    table: ProcessTable) -> None:
        tree = self._trees.get(run_id)
        if tree is None or tree.pid != pid:
            try:
                tree = self._trees[run_id] = RunTree(pid)
                tree.since(attempt.worker_cpu, attempt.started_at)  # a Python run's worker
            except _GONE:
                return  # the command already ended
        values = tree.sample(self.engine.clock.time(), table)
        if values is None:
            del self._trees[run_id]  # the leader is gone: the run is ending
            return
        self._write(now, "run", values, run_id)

    def _write(self, now: datetime, kind: str, values: dict[str, Any], run_id: int | None) -> None:
        text = json.dumps(values)
        self.engine.writer.submit(lambda: ledger.add_metric(now, kind, text, run_id))
        self.engine.hub.emit(MetricsSampled(now, kind, values, run_id))


class ProcessTable:
    """Every process's children and every process group's members, from one look at /proc
    (empty without it)."""

    def __init__(self) -> None:
        self.children: dict[int, list[int]] = {}
        self.groups: dict[int, list[int]] = {}
        try:
            names = os.listdir("/proc")
        except OSError:
            return
        for name in names:
            if not name.isdecimal():
                continue
            try:
                with open(f"/proc/{name}/stat", "rb") as fh:
                    stat = fh.read()
                fields = stat[stat.rindex(b")") + 2:].split()  # state, ppid, pgrp, ...
                parent, group = int(fields[1]), int(fields[2])
            except (OSError, ValueError, IndexError):
                continue  # gone since the listing
            self.children.setdefault(parent, []).append(int(name))
            self.groups.setdefault(group, []).append(int(name))

    def __bool__(self) -> bool:
        return bool(self.children)

    def members(self, leader: int) -> set[int]:
        """`leader`'s descendants and its group's processes, with theirs (a group's id is its
        leader's pid, given to no other process while the group has a member)."""
        todo = [leader, *self.groups.get(leader, ())]
        seen = set(todo)
        while todo:
            for child in self.children.get(todo.pop(), ()):
                if child not in seen:
                    seen.add(child)
                    todo.append(child)
        seen.discard(leader)
        return seen


class RunTree:
    """One run's process tree between samples: its CPU time then, to turn into a CPU %."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.root = psutil.Process(pid)
        self.procs: dict[int, psutil.Process] = {pid: self.root}
        # before the first sample the tree had used no CPU, at the leader's start
        self.cpu_seconds = 0.0
        self.at = float(self.root.create_time())
        self.cpu = 0.0  # the last CPU % read

    def since(self, cpu_seconds: float | None, started: datetime | None) -> None:
        """Count from a run's start, not the process's: a Python worker serves many runs."""
        if cpu_seconds is not None and started is not None:
            self.cpu_seconds, self.at = cpu_seconds, started.timestamp()

    def sample(self, at: float, table: ProcessTable | None = None) -> dict[str, Any] | None:
        """{"cpu": % of one core, "rss_mb", "processes"} of the run's processes now (`table`:
        the process table, looked at once for every run); None once its leader is gone."""
        if not self.root.is_running():
            return None
        table = ProcessTable() if table is None else table
        try:
            members = table.members(self.pid) if table else [
                p.pid for p in self.root.children(recursive=True)]
        except _GONE:
            return None
        procs = {self.pid: self.root}
        for pid in members:  # the same Process object across samples keeps pid reuse out
            if pid not in procs:
                try:
                    procs[pid] = self.procs.get(pid) or psutil.Process(pid)
                except _GONE:
                    continue
        self.procs = procs
        cpu_seconds = 0.0
        rss = 0
        counted = 0
        for proc in procs.values():
            try:
                with proc.oneshot():
                    times = proc.cpu_times()
                    rss += proc.memory_info().rss
            except _GONE:
                continue  # ended between the listing and the reading
            # its own time, and the time of the children it waited for (a shell's `wait`)
            cpu_seconds += times.user + times.system + times.children_user + times.children_system
            counted += 1
        if self.pid not in procs or not counted:
            return None
        elapsed = at - self.at
        if elapsed >= MIN_SPAN:
            self.cpu = max(0.0, cpu_seconds - self.cpu_seconds) / elapsed * 100.0
            self.cpu_seconds, self.at = cpu_seconds, at
        return {"cpu": round(self.cpu, 2), "rss_mb": rss / 2**20, "processes": counted}

