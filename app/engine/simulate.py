"""What would run: the engine's own dispatcher played forward in time, nothing run and
nothing written.

`simulate(service, start, hours)` lists the occurrences of the enabled tasks in the window
[start, start + hours], in time order, each with what moved or dropped it. It reads a
`World` from the store (app/engine/world.py) and hands it to `Forecast`
(app/engine/forecast.py), which runs the real `Dispatcher` on a simulated clock through
`SimulatedEngine` (app/engine/simulated.py) and lists what the dispatcher did:

- fire times come from the tasks' own triggers, exactly as the engine computes them (the
  stored next fire first, then `next_after` the previous one), so DST rules hold;
- overdue tasks (their next fire is before `now`: no engine ran) get their catch-up policy,
  claimed at `now` (at the window's start when that is later) as an engine started then
  claims them (kind "catch_up"): the fires missed up to that instant, the next one after;
- chain tasks fire when all their upstreams have succeeded since their last run (kind
  "chain"), starting from what the ledger says has succeeded already;
- a run's expected duration is the median of its task's last 20 successful runs (None
  without history, and then it is taken to end at once); the simulated executor "runs"
  each attempt that long, so the dispatcher applies `max_instances` and the overlap policy
  (kind "skipped" for skip, "delayed" for queue), concurrency group limits ("delayed") and
  dependency waits ("delayed", or "skipped" when the upstream's latest run in the ledger
  failed, or past the dependency timeout) as it would;
- every simulated run is assumed to succeed.

Not simulated: the global worker limit (it belongs to the engine process, not the store;
pass `workers=` to apply one), cron `@reboot` tasks and manual runs. Runs going now are
claimed first and hold their task and group until their expected end (not listed); what
they chain runs then, listed only when that falls in the window. Runs claimed and not
started yet (queued, held back, waiting on an upstream) are taken at `now`, as an engine
takes them, and listed when they start (a manual run's not listed, but it holds its task).

The work is bounded: at most `limit` occurrences in all (the earliest ones: when the result
has `limit` items, the window was cut at the last one's time), and at most `per_task` per
task (the last one listed says that more were left out); the play stops at the limit, so
its cost follows `limit`, not the length of the window. Fires nothing can move or drop
(app/engine/lone.py) are listed without playing them, and fire sequences shared by several
tasks are computed once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Final

from app.engine.forecast import Forecast
from app.engine.occurrence import Occurrence
from app.engine.world import World

if TYPE_CHECKING:
    from app.service import Service

KINDS: Final = ("fire", "catch_up", "chain", "skipped", "delayed")
PER_TASK: Final = 2_000  # occurrences listed per task at most
HISTORY: Final = 20  # successful runs a typical duration is taken from


def simulate(service: Service, start: datetime, hours: float, *,
             task_ids: set[int] | None = None, limit: int = 100_000,
             now: datetime | None = None, per_task: int = PER_TASK,
             workers: int | None = None) -> list[Occurrence]:
    """The occurrences in [start, start + hours], earliest first, at most `limit`."""
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("start must be timezone-aware")
    now = now if now is not None else datetime.now(UTC)
    try:
        end = start + timedelta(hours=hours)
    except OverflowError:  # a window past the year 9999 ends where time does
        end = datetime.max.replace(tzinfo=UTC)
    if limit <= 0 or end < start:
        return []
    world = World.read(service.store, task_ids, now)
    return Forecast(world, start, end, now, limit, per_task, workers).run()


__all__ = ["KINDS", "PER_TASK", "Occurrence", "World", "simulate"]
