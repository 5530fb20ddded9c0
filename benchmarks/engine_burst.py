"""Tickwork's engine under bursts as real schedules make them: many tasks due at one instant.

Two cases, each a fresh store and engine in this process, every run durable in the ledger
(figures read from it, as in `benchmarks.engine_fire`):

- `burst`: `--per-second` (167) Python tasks with the cron `* * * * * *`, so all of them are
  due at the same second, every second (10,000 fires a minute), for `--minutes` (2 in
  `make bench`; the issue's figure is for 20: `--minutes 20`). Lateness p50/p99/p99.9/max and
  how many runs started more than 1 s late; target p99 ≤ 100 ms, max ≤ 1 s.
- `top_of_hour`: `--tasks` (10,000) tasks with one cron `M * * * *` whose minute M is the next
  one at least `--lead` seconds after the tasks are written — the top of the hour, moved to a
  minute the benchmark can wait for without touching the engine's clock (the same trigger,
  every task due at the same instant). Python (noop) and commands (`/bin/true`): how long
  after the minute the last one started (target: Python ≤ 2 s), starts per second, and
  missed runs (target 0). Commands run `--command-workers` (64) at once, as the other command
  rows and the bare `posix_spawn` loop they are compared with; `top_command_default` is the
  same case with the engine's default 8 at once, where each run's round trip through a
  launcher, not the CPU, sets the pace.

CPU seconds are this process's over the case (the engine runs in it): on a shared machine
they say more than lateness does.
"""

from __future__ import annotations

import argparse
import math
import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks import _tasks
from benchmarks._common import ResourceMeter, emit, environment_info, log, percentiles, quantile

EVERY_SECOND = "* * * * * *"


def _engine(n: int, expr: str, first: datetime, action: dict[str, Any],
            workers: int) -> tuple[Any, Any, Path]:
    """A new store with n tasks on `expr` (next due at `first`) and an engine over it."""
    from app.engine.engine import Engine
    from app.store.database import Store

    home = Path(tempfile.mkdtemp(prefix="tw-burst-")) / "home"
    store = Store.open(home)
    _tasks.same_cron(n, expr, first, action)
    return store, Engine(store, workers=workers, metrics=False), home


def _lateness(since: datetime, until: datetime) -> tuple[list[float], int, list[float]]:
    """(lateness in seconds of the runs scheduled in [since, until), runs not run, start
    times as epoch seconds) from the ledger."""
    from app.store.models import db

    lo, hi = since.isoformat(timespec="microseconds"), until.isoformat(timespec="microseconds")
    rows = db.connection().execute(
        "SELECT status, lateness_ms, started_at FROM run WHERE scheduled_for >= ? AND "
        "scheduled_for < ?", (lo, hi)).fetchall()
    late = [ms / 1000.0 for s, ms, _ in rows if ms is not None and s in ("succeeded", "failed")]
    starts = [datetime.fromisoformat(at).timestamp() for _, _, at in rows if at]
    return late, sum(1 for s, _, _ in rows if s not in ("succeeded", "failed")), starts


def _short_seconds(since: datetime, until: datetime, per_second: int) -> dict[str, int]:
    """Scheduled seconds in [since, until) with fewer runs than tasks (at most 10): which
    fires went missing, if any."""
    from app.store.models import db

    lo, hi = since.isoformat(timespec="microseconds"), until.isoformat(timespec="microseconds")
    counts = dict(db.connection().execute(
        "SELECT scheduled_for, COUNT(*) FROM run WHERE scheduled_for >= ? AND scheduled_for < ?"
        " AND status IN ('succeeded', 'failed') GROUP BY scheduled_for", (lo, hi)).fetchall())
    short: dict[str, int] = {}
    at = since
    while at < until and len(short) < 10:
        key = at.isoformat(timespec="microseconds")
        if counts.get(key, 0) < per_second:
            short[key] = counts.get(key, 0)
        at += timedelta(seconds=1)
    return short


def _stages(since: datetime, until: datetime) -> dict[str, Any]:
    """Where the lateness comes from: fire → claimed (committed), claimed → started."""
    from app.store.models import db

    lo, hi = since.isoformat(timespec="microseconds"), until.isoformat(timespec="microseconds")
    rows = db.connection().execute(
        "SELECT (julianday(queued_at) - julianday(scheduled_for)) * 86400.0,"
        " (julianday(started_at) - julianday(queued_at)) * 86400.0 FROM run"
        " WHERE started_at IS NOT NULL AND scheduled_for >= ? AND scheduled_for < ?",
        (lo, hi)).fetchall()
    return {"stage_fire_to_claim_ms": percentiles([a for a, _ in rows]),
            "stage_claim_to_start_ms": percentiles([b for _, b in rows])}


def _tail(late: list[float]) -> dict[str, Any]:
    out: dict[str, Any] = dict(percentiles(late))
    out["p99_9"] = round(quantile(sorted(late), 0.999) * 1000, 3) if late else None
    return out


def burst(per_second: int, minutes: float, workers: int, lead: float = 5.0,
          warm: float = 5.0) -> dict[str, Any]:
    """`per_second` Python tasks due together every second for `minutes`."""
    from app.core.schedule import Schedule, next_fire_times, parse_timezone

    first = next_fire_times(Schedule(kind="cron", expr=EVERY_SECOND), parse_timezone("UTC"),
                            datetime.now(UTC) + timedelta(seconds=lead), 1)[0]
    store, engine, home = _engine(per_second, EVERY_SECOND, first, _tasks.PY_NOOP, workers)
    engine.start()
    # the first seconds warm the caches, and a start slower than `lead` folds the fires it
    # missed into one catch-up: neither is counted
    since = max(first, datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)) + \
        timedelta(seconds=warm)
    until = since + timedelta(minutes=minutes)
    log(f"burst: {per_second} tasks every second, measured {since:%H:%M:%S}–{until:%H:%M:%S}")
    with ResourceMeter() as meter:
        while datetime.now(UTC) < until + timedelta(seconds=2):
            time.sleep(0.5)
    engine.stop(grace=5)
    late, missed, _ = _lateness(since, until)
    short = _short_seconds(since, until, per_second)
    stages = _stages(since, until)
    store.close()
    shutil.rmtree(home.parent, ignore_errors=True)
    expected = per_second * int((until - since).total_seconds())
    return {
        "tasks": per_second, "fires_per_min": per_second * 60, "minutes": minutes,
        "expected_runs": expected, "runs": len(late), "not_run": missed,
        "missed": expected - len(late),
        "lateness_ms": _tail(late), "over_1s": sum(1 for x in late if x > 1.0),
        "seconds_short": short, **stages,
        "cpu_seconds": meter.cpu_seconds,
        "cpu_cores": round(meter.cpu_seconds / max(meter.wall_seconds, 1e-9), 2),
        "peak_rss_mb": meter.peak_rss_mb,
    }


def top_of_hour(n: int, action: dict[str, Any], workers: int, lead: float = 15.0,
                tail: float = 60.0) -> dict[str, Any]:
    """n tasks with one cron minute: all due at the same instant."""
    now = datetime.now(UTC) + timedelta(seconds=lead)
    due = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    expr = f"{due.minute} * * * *"
    store, engine, home = _engine(n, expr, due, action, workers)
    t0 = time.perf_counter()
    engine.start()
    start_s = time.perf_counter() - t0
    log(f"top of the hour: {n} tasks '{expr}', engine up in {start_s:.1f}s, due {due:%H:%M:%S}"
        f" (in {(due - datetime.now(UTC)).total_seconds():.0f}s)")
    ready_before = datetime.now(UTC) < due
    with ResourceMeter() as meter:
        end = due + timedelta(seconds=tail)
        while datetime.now(UTC) < end and engine.stats.finished < n:
            time.sleep(0.2)
        time.sleep(1.0)  # the last results reach the ledger
    engine.stop(grace=5)
    late, missed, starts = _lateness(due, due + timedelta(seconds=1))
    stages = _stages(due, due + timedelta(seconds=1))
    store.close()
    shutil.rmtree(home.parent, ignore_errors=True)
    span = max(starts) - due.timestamp() if starts else math.nan
    return {
        "tasks": n, "workers": workers, "engine_start_s": round(start_s, 2),
        "engine_ready_before_due": ready_before,
        "runs": len(late), "missed": n - len(late), "not_run": missed,
        "lateness_ms": _tail(late),
        "all_started_within_s": round(span, 3),
        "starts_per_s": round(len(starts) / span, 1) if starts and span > 0 else None,
        **stages, "cpu_seconds": meter.cpu_seconds, "peak_rss_mb": meter.peak_rss_mb,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-second", type=int, default=167)
    parser.add_argument("--minutes", type=float, default=2.0,
                        help="length of the burst case (default %(default)s; the issue: 20)")
    parser.add_argument("--tasks", type=int, default=10_000, help="top-of-the-hour tasks")
    parser.add_argument("--cases", default="burst,top_python,top_command,top_command_default")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--command-workers", type=int, default=64,
                        help="runs at once in the top_command case (default %(default)s)")
    parser.add_argument("--quick", action="store_true", help="a 0.5-minute burst")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    cases = set(args.cases.split(","))
    minutes = 0.5 if args.quick else args.minutes
    result: dict[str, Any] = {"benchmark": "engine_burst", "workers": args.workers,
                              "environment": environment_info()}
    if "burst" in cases:
        result["burst"] = burst(args.per_second, minutes, args.workers)
        log(f"  {result['burst']}")
    if "top_python" in cases:
        result["top_of_hour_python"] = top_of_hour(args.tasks, _tasks.PY_NOOP, args.workers)
        log(f"  {result['top_of_hour_python']}")
    if "top_command" in cases:
        result["top_of_hour_command"] = top_of_hour(args.tasks, _tasks.TRUE_CMD,
                                                    args.command_workers)
        log(f"  {result['top_of_hour_command']}")
    if "top_command_default" in cases:
        result["top_of_hour_command_default"] = top_of_hour(args.tasks, _tasks.TRUE_CMD,
                                                            args.workers)
        log(f"  {result['top_of_hour_command_default']}")
    emit(result, args.out)


if __name__ == "__main__":
    main()
