"""Engine start-up time, idle CPU and memory with many tasks defined.

Each case runs in a fresh child process (so RSS is the engine's own): N daily cron tasks are
written into a new store, then the child starts the engine, times `Engine.start()` (lock,
recovery, index of next fire times, horizon), and measures process CPU (its nanosecond CPU
clock) over `--idle` seconds of nothing falling due, and RSS after start and at the end.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

from benchmarks._common import emit, environment_info, log


def child(n: int, idle: float) -> dict[str, Any]:
    from app.engine.engine import Engine
    from app.store.database import Store
    from benchmarks import _tasks

    home = Path(tempfile.mkdtemp(prefix="tw-idle-")) / "home"
    store = Store.open(home)
    _tasks.cron_tasks(n)
    store.close()
    proc = psutil.Process()
    rss_before = proc.memory_info().rss / 2**20
    t0 = time.perf_counter()
    store = Store.open(home)
    engine = Engine(store, metrics=True)
    engine.start()
    start_s = time.perf_counter() - t0
    rss_started = proc.memory_info().rss / 2**20
    time.sleep(1.0)  # let the first refill and metrics sample settle
    # the process's CPU clock (nanoseconds): psutil's cpu_times counts 10 ms ticks, a third
    # of the 0.1 % target over 30 s, so 0.067 % and 0.1 % were the same idle engine
    cpu0 = time.process_time()
    time.sleep(idle)
    cpu = time.process_time() - cpu0
    rss_end = proc.memory_info().rss / 2**20
    armed = engine.timing.job_count()
    engine.stop(grace=1)
    return {
        "tasks": n, "start_s": round(start_s, 3), "idle_cpu_percent": round(100 * cpu / idle, 3),
        "rss_mb_before_engine": round(rss_before, 1), "rss_mb_started": round(rss_started, 1),
        "rss_mb_end": round(rss_end, 1), "apscheduler_jobs_held": armed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", default="10000,100000")
    parser.add_argument("--idle", type=float, default=30.0)
    parser.add_argument("--quick", action="store_true", help="idle 5 s")
    parser.add_argument("--out")
    parser.add_argument("--case", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    idle = 5.0 if args.quick else args.idle
    if args.case is not None:
        print(json.dumps(child(args.case, idle)))
        return
    cases = {}
    for n in (int(x) for x in args.tasks.split(",")):
        log(f"engine idle: {n} tasks")
        out = subprocess.run([sys.executable, "-m", "benchmarks.engine_idle", "--case", str(n),
                              "--idle", str(idle)], capture_output=True, text=True, check=True)
        cases[str(n)] = json.loads(out.stdout.strip().splitlines()[-1])
        log(f"  {cases[str(n)]}")
    emit({"benchmark": "engine_idle", "idle_s": idle, "environment": environment_info(),
          "cases": cases}, args.out)


if __name__ == "__main__":
    main()
