"""How long the engine's dispatcher is busy when the wall clock jumps, with many tasks.

A jump is handled on the dispatcher (app/engine/jumps.py), so no fire is handled meanwhile:
set back, every task's next fire is computed again from the new now; forward (a resume from
suspend), what fell due follows the catch-up policy. N daily cron tasks at spread-out times
(`_tasks.cron_tasks`: a few hundred distinct schedules, none due during the run) are written
into a fresh store, made two days ago; the engine starts on a wall clock that the benchmark
then sets back `--jump` seconds and, once that is handled, forward again, then a day on (a
laptop resumed after a day asleep: every task's fire missed, one `catch_up` run each) — for
the engine and APScheduler alike (it reads `datetime.now`), monotonic time going on, as in a
real jump. Each `_s` figure is the time the dispatcher spent in `after_clock_jump`; after the
day asleep, also how long until every catch-up run had ended.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from app.engine.clock import ShiftedClock
from benchmarks._common import emit, environment_info, log


def run_case(n: int, back: float) -> dict[str, Any]:
    import apscheduler.schedulers.base as aps_base

    from app.engine import jumps
    from app.engine.dispatcher import Dispatcher
    from app.engine.engine import Engine
    from app.store.database import Store
    from app.store.models import TaskRow
    from benchmarks import _tasks

    clock = ShiftedClock()

    class Jumped(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return datetime.now(tz) + timedelta(seconds=clock.shift)

    aps_base.datetime = Jumped
    handled: list[float] = []
    handle = jumps.after_clock_jump

    def timed(store: Store, d: Dispatcher, jump: float) -> None:
        t0 = time.perf_counter()
        handle(store, d, jump)
        handled.append(time.perf_counter() - t0)

    jumps.after_clock_jump = timed
    home = Path(tempfile.mkdtemp(prefix="tw-jump-")) / "home"
    store = Store.open(home)
    _tasks.cron_tasks(n)
    TaskRow.update(created_at=datetime.now(UTC) - timedelta(days=2)).execute()
    engine = Engine(store, metrics=False, backups=False, clock=clock, pace=1.0)
    engine.start()
    time.sleep(2.0)
    out: dict[str, Any] = {"tasks": n}
    before = 0  # runs ended before the last jump (setting the clock forward again catches
    # up the fires of the hour it skips)
    for name, shift in (("back_s", -back), ("forward_s", 0.0), ("day_asleep_s", 86400.0)):
        seen = len(handled)
        settle = time.monotonic() + 120
        while engine.dispatcher.runs and time.monotonic() < settle:  # the last catch-up's
            time.sleep(0.1)
        time.sleep(0.5)
        before = engine.stats.finished
        clock.shift = shift
        jumped = time.monotonic()
        while len(handled) == seen and time.monotonic() < jumped + 120:
            time.sleep(0.05)
        out[name] = round(handled[-1], 3) if len(handled) > seen else None
    # a day asleep: every task's fire of that day missed, one `catch_up` run each (`once`)
    while engine.stats.finished - before < n and time.monotonic() < jumped + 300:
        time.sleep(0.1)
    out["day_asleep_caught_up"] = engine.stats.finished - before
    out["day_asleep_all_ran_s"] = round(time.monotonic() - jumped, 1)
    engine.stop(grace=2)
    store.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--jump", type=float, default=3600.0, help="seconds set back")
    parser.add_argument("--quick", action="store_true", help="10,000 tasks")
    parser.add_argument("--out")
    args = parser.parse_args()
    n = 10_000 if args.quick else args.tasks
    log(f"clock jump: {n} tasks, {args.jump:g} s back and forward again")
    case = run_case(n, args.jump)
    log(f"  {case}")
    emit({"benchmark": "clock_jump", "jump_s": args.jump, "environment": environment_info(),
          "case": case}, args.out)


if __name__ == "__main__":
    main()
