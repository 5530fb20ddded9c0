"""Baseline: stock APScheduler 3.11 under a burst of one-shot jobs.

Measures APScheduler configured as its documentation shows, so Tickwork's engine can
be compared against it in the same run on the same machine (see DESIGN.md,
"Performance suite")::

    BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(url="sqlite:///<tmpfile>")},  # or MemoryJobStore()
        executors={"default": ThreadPoolExecutor(10)},
        job_defaults={"misfire_grace_time": None, "coalesce": False},
    )

For every (store, rate) case, ``N = rate * window / 60`` one-shot jobs (``"date"``
trigger) are scheduled at evenly spaced instants over ``[first, first + window)``.
Each job is the module-level function :func:`record_fire` (a real reference, so the
SQLAlchemy store can pickle it) called with its own scheduled time; it appends
``(time.time(), scheduled)`` to a list, from which lateness is computed.

How adding is kept out of lateness
----------------------------------
A ``"date"`` job's run time is fixed when it is added, and adding one job to the
SQLAlchemy store costs ~1.5 ms (one INSERT + COMMIT each), so 150,000 jobs take
minutes. Run times therefore have to be chosen before adding but lie after it:

1. *Calibrate*: add ``min(N, 1000)`` jobs to a throwaway scheduler with the same
   store type (its own temp SQLite file), far in the future, and time it.
2. Start the real scheduler with ``start(paused=True)`` (a documented option: job
   stores are open but no job is processed), estimate the add time as
   ``N * per_job * 1.3 + 1 s``, set ``t0 = now + estimate`` and give the jobs run
   times from ``first = t0 + lead`` on.
3. Add all N jobs (timed: ``add_seconds``), then ``resume()``. Nothing is processed
   while adding, so there is no add/fire overlap, and the first job is due ``lead``
   seconds after the estimated end of adding (``idle_before_first_s`` reports the
   real margin).
4. If adding overran so that less than ``lead / 2`` remained before the first run
   time, the attempt is discarded and redone once on a fresh store with the
   measured per-job cost; ``add_attempts`` reports this and ``add_overran`` stays
   true if even the second attempt overran (its lateness then includes add time).

Firing and the guard
--------------------
After ``resume()`` the script waits until every job fired (or was reported missed)
or until ``first + window + tail`` passed; jobs not fired by then are counted as
``unfired`` and included in ``missed`` together with ``EVENT_JOB_MISSED`` events.
Percentiles in ``lateness_ms`` cover fired jobs only; an overloaded scheduler's
backlog would be hidden by that, so ``lateness_ms_unfired_as_lower_bound`` also
counts each unfired job as late by (end of wait - its scheduled time), a lower
bound. ``cpu_seconds`` is the process CPU time (all threads) from 0.2 s before the
first run time (``resume()`` happens earlier, right after adding; the scheduler is
idle in between) to the end of the wait, ``fire_wall_seconds`` that span;
``peak_rss_mb`` is the peak over the whole case (calibration, adding and firing).

Each case runs in its own child process (``--case STORE:RATE``): memory and threads
left by one case cannot leak into the next, and ``shutdown(wait=False)`` cannot hang
the run -- APScheduler's ``shutdown`` takes the job-store lock, which the scheduler
thread holds while it works through a whole due batch, so after an overloaded case
it can block for minutes. The child snapshots its figures first, tries
``shutdown(wait=False)`` for up to 10 s, prints its JSON and leaves with
``os._exit``. The parent prints one JSON object combining all cases.

Observed with 3.11.3: ``shutdown`` sets the state to STOPPED *before* taking that
lock, so when it interrupts a due batch the scheduler thread's next ``remove_job``
looks among the pending jobs, raises ``JobLookupError`` and the thread dies
("Exception in thread APScheduler" on stderr), which releases the lock. That is
stock behaviour, happens after the figures were taken, and does not affect them.

Usage::

    python -m benchmarks.baseline_apscheduler [--rates 10000,100000,300000]
        [--window 30] [--stores sqlalchemy,memory] [--quick] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from importlib.metadata import version
from typing import Any

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    JobEvent,
)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import BaseJobStore
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from benchmarks._common import (  # run as ``python -m benchmarks.baseline_apscheduler``
    ResourceMeter,
    common_parser,
    effective_window,
    emit,
    environment_info,
    log,
    percentiles,
)

STORES = ("sqlalchemy", "memory")
DEFAULT_LEAD = 2.0  # s between the (estimated) end of adding and the first run time
DEFAULT_TAIL = 15.0  # s waited after the window before giving up on unfired jobs
CALIBRATION_JOBS = 1000
ADD_SAFETY = 1.3  # multiplier on the calibrated per-job add cost
ADD_SLACK = 1.0  # s added to the add-time estimate
SHUTDOWN_TIMEOUT = 10.0  # s allowed for shutdown(wait=False) before giving up on it
POOL_SIZE = 10
FIRE_METER_HEADSTART = 0.2  # s before the first run time at which CPU metering starts

# --- state shared with the job function (one case per process) -----------------------

_FIRES: list[tuple[float, float]] = []  # (time fired, time scheduled), appended by jobs
_LOCK = threading.Lock()
_DONE = threading.Event()
_COUNTS = {"missed": 0, "errors": 0, "max_instances": 0}
_TARGET = 0


def _check_done() -> None:
    if _TARGET and len(_FIRES) + _COUNTS["missed"] >= _TARGET:
        _DONE.set()


def record_fire(scheduled: float) -> None:
    """The benchmark job: record when it ran relative to its scheduled time."""
    _FIRES.append((time.time(), scheduled))  # list.append is atomic under the GIL
    _check_done()


def _on_event(event: JobEvent) -> None:
    with _LOCK:
        if event.code == EVENT_JOB_MISSED:
            _COUNTS["missed"] += 1
        elif event.code == EVENT_JOB_ERROR:
            _COUNTS["errors"] += 1
        elif event.code == EVENT_JOB_MAX_INSTANCES:
            _COUNTS["max_instances"] += 1
    _check_done()


def _reset(target: int) -> None:
    global _TARGET
    _FIRES.clear()
    _DONE.clear()
    for key in _COUNTS:
        _COUNTS[key] = 0
    _TARGET = target


# --- one case (child process) ----------------------------------------------------------


def make_scheduler(store: str, sqlite_path: str) -> BackgroundScheduler:
    """The documented configuration, with a SQLAlchemy (SQLite) or memory job store."""
    jobstore: BaseJobStore
    if store == "sqlalchemy":
        jobstore = SQLAlchemyJobStore(url=f"sqlite:///{sqlite_path}")
    elif store == "memory":
        jobstore = MemoryJobStore()
    else:
        raise ValueError(f"unknown store {store!r}")
    return BackgroundScheduler(
        jobstores={"default": jobstore},
        executors={"default": ThreadPoolExecutor(POOL_SIZE)},
        job_defaults={"misfire_grace_time": None, "coalesce": False},
    )


def _add_jobs(scheduler: BackgroundScheduler, first: float, step: float, n: int) -> list[float]:
    """Add *n* one-shot jobs at ``first + i * step``; return their scheduled timestamps."""
    scheduled: list[float] = []
    for i in range(n):
        run_date = datetime.fromtimestamp(first + i * step, tz=UTC)
        when = run_date.timestamp()  # microsecond-rounded, exactly what the trigger holds
        scheduler.add_job(record_fire, "date", run_date=run_date, args=(when,))
        scheduled.append(when)
    return scheduled


def calibrate(store: str, workdir: str, n: int) -> float:
    """Seconds per ``add_job`` call, measured on a throwaway scheduler and store."""
    scheduler = make_scheduler(store, os.path.join(workdir, "calibration.sqlite"))
    scheduler.start(paused=True)
    try:
        started = time.perf_counter()
        _add_jobs(scheduler, time.time() + 86_400.0, 0.001, n)
        return (time.perf_counter() - started) / n
    finally:
        scheduler.shutdown(wait=False)


def _shutdown_with_timeout(scheduler: BackgroundScheduler) -> float | None:
    """``shutdown(wait=False)`` in a helper thread; seconds taken, or None if it hung."""
    started = time.perf_counter()
    thread = threading.Thread(
        target=scheduler.shutdown, kwargs={"wait": False}, name="shutdown", daemon=True
    )
    thread.start()
    thread.join(SHUTDOWN_TIMEOUT)
    if thread.is_alive():
        return None
    return round(time.perf_counter() - started, 3)


def run_case(store: str, rate: int, window: float, lead: float, tail: float) -> dict[str, Any]:
    """Run one (store, rate) case in this process and return its figures."""
    n = max(1, round(rate * window / 60.0))
    step = window / n
    workdir = tempfile.mkdtemp(prefix="tickwork-bench-apscheduler-")
    label = f"{store} @ {rate}/min"
    try:
        with ResourceMeter() as case_meter:
            per_job = calibrate(store, workdir, min(n, CALIBRATION_JOBS))
            log(f"{label}: calibrated add cost {per_job * 1000:.3f} ms/job; adding {n} jobs")

            attempts = 0
            while True:
                attempts += 1
                _reset(n)
                sqlite_path = os.path.join(workdir, f"jobs-{attempts}.sqlite")
                scheduler = make_scheduler(store, sqlite_path)
                scheduler.add_listener(
                    _on_event, EVENT_JOB_MISSED | EVENT_JOB_ERROR | EVENT_JOB_MAX_INSTANCES
                )
                scheduler.start(paused=True)
                estimate = n * per_job * ADD_SAFETY + ADD_SLACK
                first = time.time() + estimate + lead
                with ResourceMeter() as add_meter:
                    scheduled = _add_jobs(scheduler, first, step, n)
                add_end = time.time()
                margin = first - add_end
                overran = margin < lead / 2
                log(
                    f"{label}: added {n} jobs in {add_meter.wall_seconds:.2f} s "
                    f"(estimate {estimate:.2f} s); first run in {margin:.2f} s"
                )
                if overran and attempts == 1:
                    per_job = add_meter.wall_seconds / n
                    log(f"{label}: adding overran the estimate; retrying on a fresh store")
                    scheduler.shutdown(wait=False)
                    continue
                break

            scheduler.resume()
            # Nothing is due before `first`; start the firing-window meter just before it so
            # the add-time safety margin does not dilute the CPU figures.
            time.sleep(max(0.0, first - FIRE_METER_HEADSTART - time.time()))
            deadline = first + window + tail
            next_log = time.time() + 5.0
            with ResourceMeter() as fire_meter:
                while True:
                    now = time.time()
                    if _DONE.is_set() or now >= deadline:
                        break
                    _DONE.wait(min(0.5, deadline - now))
                    if time.time() >= next_log:
                        log(f"{label}: fired {len(_FIRES)}/{n}")
                        next_log += 5.0
            waited_until = time.time()
            fires = list(_FIRES)
            with _LOCK:
                counts = dict(_COUNTS)
        # Figures are snapshotted; now stop the scheduler (may block, see module doc).
        shutdown_seconds = _shutdown_with_timeout(scheduler)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    fired = len(fires)
    unfired = max(0, n - fired - counts["missed"])
    lateness = [fired_at - sched for fired_at, sched in fires]
    fired_scheduled = {sched for _, sched in fires}
    not_run = [waited_until - sched for sched in scheduled if sched not in fired_scheduled]
    last_fire = max((fired_at for fired_at, _ in fires), default=first)
    achieved = fired / (last_fire - first) * 60.0 if fired > 1 and last_fire > first else None
    timed_out = not _DONE.is_set()
    fire_cpu = fire_meter.cpu_seconds
    fire_wall = fire_meter.wall_seconds
    log(
        f"{label}: fired {fired}/{n}, missed {counts['missed'] + unfired}, "
        f"p99 {percentiles(lateness)['p99']} ms{' (timed out)' if timed_out else ''}"
    )
    return {
        "store": store,
        "rate_per_min": rate,
        "window_s": window,
        "jobs": n,
        "fired": fired,
        "missed": counts["missed"] + unfired,
        "missed_events": counts["missed"],
        "unfired": unfired,
        "job_errors": counts["errors"],
        "max_instances_events": counts["max_instances"],
        "lateness_ms": percentiles(lateness),
        "lateness_ms_unfired_as_lower_bound": percentiles(lateness + not_run),
        "achieved_fires_per_min": round(achieved) if achieved is not None else None,
        "add_seconds": add_meter.wall_seconds,
        "add_ms_per_job": round(add_meter.wall_seconds / n * 1000.0, 4),
        "add_cpu_seconds": add_meter.cpu_seconds,
        "add_estimate_seconds": round(estimate, 3),
        "add_attempts": attempts,
        "add_overran": overran,
        "calibrated_add_ms_per_job": round(per_job * 1000.0, 4),
        "idle_before_first_s": round(margin, 3),
        "cpu_seconds": fire_cpu,
        "fire_wall_seconds": fire_wall,
        "cpu_percent_of_one_core": round(100.0 * fire_cpu / fire_wall, 1) if fire_wall else None,
        "peak_rss_mb": case_meter.peak_rss_mb,
        "start_rss_mb": case_meter.start_rss_mb,
        "timed_out": timed_out,
        "shutdown_seconds": shutdown_seconds,
    }


# --- driver (parent process) -----------------------------------------------------------


def _run_child(store: str, rate: int, window: float, lead: float, tail: float) -> dict[str, Any]:
    n = max(1, round(rate * window / 60.0))
    # Hard stop well beyond anything legitimate (10 ms per added job + the firing phase).
    timeout = n * 0.010 + lead + window + tail + SHUTDOWN_TIMEOUT + 120.0
    command = [
        sys.executable,
        "-m",
        "benchmarks.baseline_apscheduler",
        "--case",
        f"{store}:{rate}",
        "--window",
        str(window),
        "--lead",
        str(lead),
        "--tail",
        str(tail),
    ]
    try:
        proc = subprocess.run(
            command, stdout=subprocess.PIPE, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return {"store": store, "rate_per_min": rate, "error": f"killed after {timeout:.0f} s"}
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    if proc.returncode != 0 or not lines:
        return {
            "store": store,
            "rate_per_min": rate,
            "error": f"child exited with {proc.returncode}",
        }
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = common_parser(__doc__.splitlines()[0] if __doc__ else "APScheduler baseline")
    parser.add_argument(
        "--stores",
        default=",".join(STORES),
        help="job stores to measure, comma separated (default: %(default)s)",
    )
    parser.add_argument(
        "--lead",
        type=float,
        default=DEFAULT_LEAD,
        help="seconds from the estimated end of adding to the first run (default: %(default)s)",
    )
    parser.add_argument(
        "--tail",
        type=float,
        default=DEFAULT_TAIL,
        help="seconds waited after the window for stragglers (default: %(default)s)",
    )
    parser.add_argument("--case", default=None, help=argparse.SUPPRESS)  # STORE:RATE, internal
    args = parser.parse_args(argv)
    stores = [s.strip() for s in args.stores.split(",") if s.strip()]
    unknown = [s for s in stores if s not in STORES]
    if unknown or not stores:
        parser.error(f"--stores must be among {','.join(STORES)}, got {args.stores!r}")
    args.stores = stores
    return args


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    window = effective_window(args)

    if args.case:  # child: one case, one JSON line, then leave without waiting on threads
        store, _, rate_text = args.case.partition(":")
        result = run_case(store, int(rate_text), window, args.lead, args.tail)
        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)

    started = time.perf_counter()
    results: list[dict[str, Any]] = []
    for store in args.stores:
        for rate in args.rates:
            log(f"case {store} @ {rate}/min, window {window:g} s")
            results.append(_run_child(store, rate, window, args.lead, args.tail))
    emit(
        {
            "benchmark": "baseline_apscheduler",
            "apscheduler_version": version("APScheduler"),
            "sqlalchemy_version": version("SQLAlchemy"),
            "configuration": {
                "scheduler": "BackgroundScheduler",
                "executor": f"ThreadPoolExecutor({POOL_SIZE})",
                "job_defaults": {"misfire_grace_time": None, "coalesce": False},
                "stores": {
                    "sqlalchemy": "SQLAlchemyJobStore(url='sqlite:///<fresh temp file>')",
                    "memory": "MemoryJobStore()",
                },
                "trigger": "date (one-shot), evenly spaced over the window",
            },
            "window_s": window,
            "lead_s": args.lead,
            "tail_s": args.tail,
            "rates_per_min": args.rates,
            "stores": args.stores,
            "environment": environment_info(),
            "results": results,
            "total_seconds": round(time.perf_counter() - started, 1),
        },
        args.out,
    )
    return 0 if all("error" not in r for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
