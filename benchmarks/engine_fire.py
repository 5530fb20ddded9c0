"""Tickwork's engine under load: one-shot tasks spread uniformly over a window.

Every run is recorded durably in the ledger (WAL, synchronous=FULL, group commit); the
figures come from the ledger itself: fired = runs recorded, missed = tasks that never ran,
lateness = started_at - scheduled_for as the engine recorded it. CPU and peak RSS are this
process's (the engine runs in it) over the window; commands are started by launcher
processes, whose CPU is given apart (`launcher_cpu_seconds`), as is the CPU of the commands
they reaped (`commands_cpu_seconds`). `starts_per_s` is the runs started divided by the time
from the first start to the last: with `--burst N` (N tasks due at the same instant, the
top of an hour) it is the rate the engine starts commands at, to set beside the bare
`posix_spawn` loop of benchmarks/spawn_baseline.py. Tasks are written straight into the
store before the engine starts, with the first fire `--lead` seconds after the engine has
finished starting, so start-up does not count as lateness.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks import _tasks
from benchmarks._common import (
    ResourceMeter,
    common_parser,
    effective_window,
    emit,
    environment_info,
    log,
    percentiles,
)


def run_case(rate: int, window: float, *, action: dict[str, Any], workers: int,
             lead: float = 3.0, tail: float = 20.0) -> dict[str, Any]:
    from app.engine.engine import Engine
    from app.store.database import Store
    from app.store.models import db

    n = int(rate * window / 60)
    home = Path(tempfile.mkdtemp(prefix="tw-bench-")) / "home"
    store = Store.open(home)
    # placeholder start: moved to just after engine start below
    far = datetime.now(UTC) + timedelta(days=1)
    t_add = time.perf_counter()
    _tasks.one_shots(n, far, window, action)
    add_seconds = time.perf_counter() - t_add
    engine = Engine(store, workers=workers, metrics=False)
    # Shift every fire to start `lead` seconds from now, in one statement.
    start = datetime.now(UTC) + timedelta(seconds=lead)
    shift = (start - far).total_seconds()
    db.execute_sql(
        "UPDATE task SET next_run_at = strftime('%Y-%m-%dT%H:%M:%f000+00:00', "
        "next_run_at, ?), schedule = json_set(schedule, '$.at', strftime("
        "'%Y-%m-%dT%H:%M:%f000+00:00', json_extract(schedule, '$.at'), ?))",
        (f"{shift:+.6f} seconds", f"{shift:+.6f} seconds"))
    t0 = time.perf_counter()
    engine.start()
    start_seconds = time.perf_counter() - t0
    log(f"rate {rate}/min: {n} tasks, engine up in {start_seconds:.2f}s")
    deadline = time.monotonic() + lead + window + tail
    with ResourceMeter() as meter:
        while time.monotonic() < deadline:
            time.sleep(0.5)
            if time.monotonic() > deadline - tail and engine.stats.finished >= n:
                break
    launchers = _launcher_cpu()
    engine.stop(grace=5)
    con = db.connection()
    rows = con.execute("SELECT status, lateness_ms FROM run").fetchall()
    stages = con.execute(
        "SELECT (julianday(queued_at) - julianday(scheduled_for)) * 86400.0,"
        " (julianday(started_at) - julianday(queued_at)) * 86400.0 FROM run"
        " WHERE started_at IS NOT NULL").fetchall()
    span = con.execute("SELECT count(*), (julianday(max(started_at)) - julianday("
                       "min(started_at))) * 86400.0 FROM run WHERE started_at IS NOT NULL"
                       ).fetchone()
    ran = sum(1 for s, _ in rows if s in ("succeeded", "failed"))
    lateness = [ms / 1000.0 for s, ms in rows if ms is not None]
    store.close()
    shutil.rmtree(home.parent, ignore_errors=True)
    return {
        "tasks": n, "fired": ran, "missed": n - ran,
        "lateness_ms": percentiles(lateness),
        "stage_fire_to_claim_ms": percentiles([a for a, _ in stages]),
        "stage_claim_to_start_ms": percentiles([b for _, b in stages]),
        "cpu_seconds": round(meter.cpu_seconds, 2),
        "cpu_cores": round(meter.cpu_seconds / max(meter.wall_seconds, 1e-9), 2),
        **launchers,
        "starts_per_s": round(span[0] / span[1], 1) if span[1] else None,
        "peak_rss_mb": round(meter.peak_rss_mb, 1),
        "engine_start_s": round(start_seconds, 3), "bulk_add_s": round(add_seconds, 2),
        "writer_batches": engine.writer.batches, "writer_max_batch_s":
            round(engine.writer.max_batch_seconds, 4),
    }


def _launcher_cpu() -> dict[str, Any]:
    """CPU seconds of this process's launcher processes and of the commands they reaped."""
    import psutil

    from app.engine.launcher.client import LAUNCHERS

    own = reaped = 0.0
    for pid in LAUNCHERS.pids():
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.Error:
            continue
        own += times.user + times.system
        reaped += times.children_user + times.children_system
    return {"launchers": len(LAUNCHERS.pids()), "launcher_cpu_seconds": round(own, 2),
            "commands_cpu_seconds": round(reaped, 2)}


def main() -> None:
    parser = common_parser(__doc__ or "")
    parser.add_argument("--command", action="store_true",
                        help="run /bin/true commands instead of a trivial Python action")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--burst", type=int, default=0,
                        help="instead of --rates: N tasks due at the same instant")
    args = parser.parse_args()
    window = effective_window(args)
    if args.burst:  # N fires in one millisecond: the rate that spreads them so
        args.rates, window = [args.burst * 60_000], 0.001
    action = _tasks.TRUE_CMD if args.command else _tasks.PY_NOOP
    cases = {}
    for rate in args.rates:
        cases[str(rate)] = run_case(rate, window, action=action, workers=args.workers)
        log(f"  {cases[str(rate)]}")
    emit({"benchmark": "engine_fire", "action": "command /bin/true" if args.command
          else "python noop", "window_s": window, "workers": args.workers,
          "environment": environment_info(), "cases": cases}, args.out)


if __name__ == "__main__":
    main()
