"""Wall-clock jumps and resume from suspend, handled where fires are handled.

APScheduler reads the wall clock: after a jump forward (a clock change, an NTP step, a
resume from suspend) every fire the horizon arms is already due, and each fire's next one
too — the engine would run the whole backlog as `schedule` fires before a periodic check saw
the jump. So the dispatcher looks for a jump (`JumpDetector`: two monotonic reads and one of
the wall clock) at the start of every batch of fires and every tick, and the store thread
asks it to look every `CLOCK_CHECK` seconds while nothing else does (`ClockJumps.steady`).
The look that sees a jump handles it at once, on the dispatcher, and drops the batch's fires:
their tasks' stored next runs have not moved, so the catch-up counts them.

- Forward (or a resume): what fell due follows each task's catch-up policy, exactly as after
  downtime (`recovery.redo_due`): `skip` runs nothing, `once` the latest missed fire, `all`
  every missed fire (up to 100), as `catch_up` runs.
- Back: no next fire waits out the length of the jump (`rewind`). A cron, calendar or
  combined schedule means wall-clock times: its next fire is the first at or after the new
  now (a fire that already ran before the jump is a no-op: the ledger's unique key refuses
  its claim, logged at info). An interval (`--every`) is elapsed time: its next fire keeps
  the time that remained (stored next + jump), and so does a retry waiting out its backoff.
  A one-shot (`--at`) stays at its instant. (A cron or calendar window counts from the
  task's creation: a task made while the clock was wrong fires no earlier than that time.)
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from app.core.nouns import plural
from app.core.schedule import build_trigger, parse_timezone
from app.core.schedule.triggers import first_fire
from app.engine.clock import JumpDetector
from app.engine.dispatcher import Dispatcher
from app.engine.records import RETRYING
from app.engine.recovery import redo_due, stepping_key
from app.store import runs as run_store
from app.store import task_queries
from app.store.database import Store

log = logging.getLogger("tickwork.engine")

ELAPSED = "interval"  # the schedule kind whose fires are elapsed time, not wall-clock times


class ClockJumps:
    """The dispatcher's look for a jump; handles one the moment it is seen."""

    def __init__(self, store: Store, dispatcher: Dispatcher) -> None:
        self.store = store
        self.dispatcher = dispatcher
        self.detector = JumpDetector(dispatcher.clock)

    def steady(self) -> bool:
        """Dispatcher thread: False when the wall clock jumped since the last look (then
        handled already: what was due is redone; the caller drops the fires it holds)."""
        if self.dispatcher.paused():
            return True  # looked at once the store takes writes again
        jump = self.detector.check()
        if jump is None:
            return True
        after_clock_jump(self.store, self.dispatcher, jump)
        return False


def after_clock_jump(store: Store, d: Dispatcher, jump: float) -> None:
    """The wall clock moved (or the machine slept): redo what is due, apply catch-up."""
    log.warning("wall clock jumped by %+.1fs (clock change or resume from suspend): "
                "recomputing what is due", jump)
    if jump < 0:
        rewind(store, d, jump)
    redo_due(store, d, f"after a clock jump of {jump:+.0f} s")


def rewind(store: Store, d: Dispatcher, jump: float) -> None:
    """The wall clock was set back by `-jump` seconds: every task's next fire again (see the
    module's docstring), written to the store and indexed; retries' due times moved. Tasks
    that share a schedule share its computation, and no whole task is read (100,000 cron
    tasks on a few hundred schedules: 8.4 s on the dispatcher, now 1.0 s)."""
    d.writer.flush()  # next runs the engine recorded, in the store
    now = d.clock.now()
    shift = timedelta(seconds=round(jump, 3))  # (as measured: within a few microseconds)
    with store.read():  # (one overdue already stays: the catch-up sees to it)
        rows = task_queries.ahead_schedules(now)
    changed: dict[int, datetime | None] = {}
    firsts: dict[tuple[Any, ...], datetime | None] = {}  # by `stepping_key`
    for task_id, schedule, stored, zone, anchor, end in rows:
        if schedule.kind == "date":
            continue
        if schedule.kind == ELAPSED:
            nxt: datetime | None = stored + shift
        else:
            key = stepping_key(schedule, zone, end, anchor, now)
            if key not in firsts:
                trigger = build_trigger(schedule, parse_timezone(zone), anchor, end)
                firsts[key] = first_fire(trigger, now) if trigger is not None else None
            nxt = firsts[key]
        if nxt != stored:
            changed[task_id] = nxt
    for task_id, nxt in changed.items():
        d.horizon.drop_trigger(task_id)
        d.horizon.record_next(task_id, nxt)
        d.horizon.set(task_id, nxt)
    retries = [r.run_id for r in d.runs.values() if r.phase == RETRYING]
    if retries:
        d.writer.submit(lambda: run_store.shift_due(retries, round(jump, 3)))
    d.writer.flush()  # (redo_due re-arms the retries at their stored due times)
    log.info("clock set back: %s moved earlier", plural(len(changed), "next fire"))
