"""Which CPUs the Python workers run on: all of the engine's, except in a storm of short runs,
when they share one (`Packing`).

A trivial run costs its worker ~0.1 ms of CPU, yet takes two wake-ups between the engine and
the worker, and a wake-up from one CPU to another costs far more than within one (a
ping-pong over a socket pair here: 48 µs a round trip across two CPUs, 18–20 µs of CPU each
side; 4 µs on one). With eight workers free to run anywhere, the engine's threads and the
workers kept waking each other across the two CPUs. Measured, `python -m
benchmarks.engine_fire` (2026-12-06, speed probe 0.17 s):
- 10,000 Python runs due at once: 3,870–4,040 starts a second with the workers free,
  5,460–5,620 with all eight on one CPU and the engine free (4,860–5,060 with the engine
  pinned to the other; 3,130–3,390 with everything on one CPU; the workers as
  `SCHED_BATCH` instead, 4,540–4,590);
- 300,000 fires a minute for 30 s: 3,446 starts a second (p99 13.7 s late) free, 4,276
  (p99 7.0 s) on one CPU.

One CPU must not carry more than it can: packing is for many short runs, never for a
few heavy ones. The workers are packed while, over the last `WINDOW`, at least `MIN_RATE`
runs a second ended and their CPU time (each run's, as its worker counts it: its threads and
the children it waited for) came to at most `PACK_LOAD` of one CPU; they spread again once
it passes `SPREAD_LOAD` or the runs fall under half `MIN_RATE`, or a run used `HEAVY` CPU
seconds (then for `HOLD` seconds), or a run on a packed worker has gone on for LONG seconds:
its worker and every process it started are spread (`spread`; the pool's once-a-second
look, so within another second). An ordinary desktop's few runs a minute never pack. While
packed, a run sees one CPU in `os.sched_getaffinity`.

A run is handed over with the CPUs it is to run on (`wanted`, in its request); the worker
sets them before the run and puts them back after it (`knobs.Limits`), whatever the run did
— but a module's first run in a worker runs on all of them: a library it imports may size
its threads by the CPUs it sees (OpenBLAS, a thread pool's default), for the worker's life.
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
import time
from collections.abc import Callable

import psutil  # type: ignore[import-untyped]

WINDOW = 0.2  # seconds of run ends each decision looks at
MIN_RATE = 200  # runs a second, at least, for the workers to share one CPU
PACK_LOAD = 0.75  # of one CPU: the runs' CPU time a window may hold to pack ...
SPREAD_LOAD = 0.9  # ... and above this, packed, they spread again (one CPU is full)
HEAVY = 0.2  # CPU seconds: a run this heavy spreads the workers for HOLD seconds
HOLD = 10.0
LONG = 1.0  # seconds a run may go on on a packed worker before its worker is spread


def allowed() -> frozenset[int] | None:
    """The CPUs this process may run on (None where the platform does not say)."""
    get = getattr(os, "sched_getaffinity", None)
    if get is None or not hasattr(os, "sched_setaffinity"):
        return None
    try:
        return frozenset(get(0))
    except OSError:
        return None


class Packing:
    """Whether the runs handed over now share one CPU (`wanted`), from the runs that ended
    (`ended`, the pool's reader thread); any thread may ask. The one CPU is chosen by the
    process's id among the engine's but the first, so two engines (or an engine and a
    Celery worker) on a machine with more CPUs than two are unlikely to pack onto the same
    one — each measures only its own runs, not what else keeps that CPU busy."""

    def __init__(self, cpus: frozenset[int] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        cpus = allowed() if cpus is None else cpus
        self.all = cpus
        # never the first (it takes most interrupts: here 3,510 starts a second on CPU 0
        # at 300,000 fires a minute, 3,690 on CPU 1), else by the process's id
        rest = sorted(cpus)[1:] if cpus is not None else []
        self.one = [rest[-1 - os.getpid() % len(rest)]] if rest else None
        self._clock = clock
        self._lock = threading.Lock()
        self._start = clock()  # the window's start
        self._runs = 0  # ends in it ...
        self._cpu = 0.0  # ... and their CPU seconds
        self._packed = False
        self._hold_until = -math.inf

    @property
    def packed(self) -> bool:
        with self._lock:
            self._roll(self._clock())
            return self._packed

    def wanted(self) -> list[int] | None:
        """The CPUs for a run handed over now (None: all of the engine's)."""
        return self.one if self.packed else None

    def ended(self, cpu: float | None) -> None:
        """A run ended, having used `cpu` seconds (None: not known)."""
        with self._lock:
            now = self._clock()
            self._roll(now)
            self._runs += 1
            if cpu is not None and cpu > 0:
                self._cpu += cpu
                if cpu >= HEAVY:
                    self._hold(now)

    def hold(self) -> None:
        """A heavy or long run: spread, and stay spread for HOLD seconds."""
        with self._lock:
            self._hold(self._clock())

    def _hold(self, now: float) -> None:
        self._hold_until = now + HOLD
        self._packed = False

    def gone_long(self, pid: int, began: float, now: float) -> bool:
        """A run on a packed worker `pid`, begun at `began` (monotonic): once it has gone on
        LONG seconds, its worker and all it started are spread, and packing waits (True)."""
        if now - began < LONG or self.all is None:
            return False
        self.hold()
        spread(pid, self.all)
        return True

    def _roll(self, now: float) -> None:
        """A window has passed: decide from it (one that saw no end packs nothing). Packed,
        the runs stay so while half the rate that packed them goes on, within SPREAD_LOAD
        (lock held)."""
        elapsed = now - self._start
        if elapsed < WINDOW:
            return
        if self.one is not None:
            if elapsed >= 2 * WINDOW or now < self._hold_until:  # quiet, or held spread
                self._packed = False
            else:
                load = self._cpu / elapsed
                if self._packed:
                    self._packed = (self._runs >= MIN_RATE / 2 * elapsed
                                    and load <= SPREAD_LOAD)
                else:
                    self._packed = self._runs >= MIN_RATE * elapsed and load <= PACK_LOAD
        self._start, self._runs, self._cpu = now, 0, 0.0


def spread(pid: int, cpus: frozenset[int]) -> None:
    """Let every thread of process `pid` and of every process under it run on `cpus` (what
    a packed worker's long run started inherited its one CPU)."""
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return
    for proc in procs:
        with contextlib.suppress(psutil.Error, OSError):
            for thread in proc.threads():
                with contextlib.suppress(OSError):
                    os.sched_setaffinity(thread.id, cpus)
