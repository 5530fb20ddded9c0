"""The run rules, once: overlap, instance and group limits, the ready order, and the words
for what they decide. Pure functions over plain values: the engine's `Dispatcher` and
`ReadyQueue` and the simulation (`app.engine.simulate`, behind the calendar and
`tickwork simulate`) all decide by these, so what the calendar shows is what the engine does.

The dependency holds: a run of a task with upstreams starts only once the latest fire of
each upstream at or before its own scheduled time has succeeded (`judge`; the state it reads,
`FireBook`, `Gate` and the graph, is in `app.engine.dependencies`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final, Protocol

from app.core.nouns import plural

# what the overlap rule makes of a fire that finds `max_instances` runs of its task going
ADMIT: Final = "admit"  # below the limit, or overlap `queue`: claim it queued
SKIP_FIRE: Final = "skip"  # overlap `skip`: claim it skipped
REPLACE: Final = "replace"  # overlap `replace`: what runs, queues or waits gives way

# what a dependency verdict asks of the dispatcher
READY: Final = "go"
WAIT: Final = "wait"
SKIP: Final = "skip"

# why the ready queue holds a run back
BY_TASK: Final = "task"
BY_GROUP: Final = "group"


def overlap(policy: str, active: int, max_instances: int) -> str:
    """A fire of a task with `active` runs claimed and not ended (running, queued, waiting on
    upstreams): ADMIT, SKIP_FIRE or REPLACE by the task's overlap policy."""
    if active < max_instances:
        return ADMIT
    if policy == "skip":
        return SKIP_FIRE
    if policy == "replace":
        return REPLACE
    return ADMIT


def overlap_skip_reason(active: int, max_instances: int, expected: str = "") -> str:
    """Why a fire was skipped by its overlap policy (`expected`: how long the runs going are
    expected to take, in words, when known). "Not ended yet", not "still going": queued runs
    count too (catch-ups after a stall were said to be "still going")."""
    going = f" (expected to take {expected})" if expected else ""
    return (f"{plural(active, 'run')} of this task not ended yet{going} "
            f"(max instances {max_instances}, overlap: skip)")


def catch_up_reason(policy: str, missed: str, cause: str = "") -> str:
    """Why a missed fire runs now: "catch-up (once): 30 fires missed while no engine ran"
    (`missed` in words, noun included; `cause`: what made the engine miss them)."""
    return (f"catch-up ({policy}) {cause}: {missed} missed" if cause
            else f"catch-up ({policy}): {missed} missed while no engine ran")


def limited(running_of_task: int, max_instances: int, running_of_group: int,
            group: str | None, group_limit: int) -> str | None:
    """Whether a queued run must wait aside: BY_TASK when its task has `max_instances` runs
    going, BY_GROUP when its concurrency group is full, else None."""
    if running_of_task >= max_instances:
        return BY_TASK
    if group is not None and running_of_group >= group_limit:
        return BY_GROUP
    return None


def ready_key(priority: int, scheduled_ts: float, level: int, seq: int
              ) -> tuple[int, float, int, int]:
    """The ready order (DESIGN.md): higher priority first, then earlier scheduled time, then
    upstream tasks first (topological level), then first come. Upstream-before-downstream
    between *dependent* runs is the dependency holds' work: a run is not ready before then."""
    return (-priority, scheduled_ts, level, seq)


HELD_TAIL: Final = ": it starts when one ends"  # a hold's note while the run waits


def held_reason(why: str, *, max_instances: int, group: str | None, group_limit: int) -> str:
    """Why the ready queue holds a run back (BY_TASK or BY_GROUP), in words. Not the task's
    overlap policy: a run held back is one the policy let in (`queue`) or one it does not
    judge (by hand, a retry), and "(overlap: skip)" on a run that then ran misled."""
    if why == BY_GROUP:
        return f"group {group} runs at most {group_limit} at a time{HELD_TAIL}"
    runs = "run" if max_instances == 1 else "runs"
    return f"at most {max_instances} {runs} of this task at a time{HELD_TAIL}"


# -- dependency holds ---------------------------------------------------------------------

PENDING: Final = "pending"
SUCCEEDED: Final = "succeeded"

# what a finished upstream fire did, in the words of a skipped run's reason
_ENDED = {"failed": "failed", "timed_out": "timed out", "interrupted": "was interrupted",
          "cancelled": "was cancelled", "skipped": "was skipped"}


def fire_state(status: str) -> str:
    """A run status as a fire's state: PENDING while it may still succeed, else the status."""
    return status if status in _ENDED or status == SUCCEEDED else PENDING


@dataclass(slots=True)
class Fire:
    """One fire of an upstream task as far as the rules care."""

    ts: float  # scheduled time, epoch seconds
    state: str  # PENDING or a finished status
    run_id: int | None = None


class Book(Protocol):
    """What this engine has seen of upstream fires (`app.engine.dependencies.FireBook`)."""

    def latest(self, task_id: int, ts: float) -> Fire | None: ...


@dataclass(frozen=True, slots=True)
class Verdict:
    action: str  # READY | WAIT | SKIP
    reason: str | None = None
    upstream: int | None = None  # the upstream that decided a wait or a skip


ALL_CLEAR: Final = Verdict(READY)

Lookup = Callable[[int, float], Fire | None]  # latest stored fire of a task at or before ts


def when_text(ts: float) -> str:
    """A moment in a run's stored note: UTC, said so, to the second (`2026-12-04 07:04:37
    UTC`) — the note is written once and read anywhere, so in no one machine's zone; each
    reader says it in its own (`moments_said`)."""
    return datetime.fromtimestamp(ts, UTC).strftime(_WHEN_FORMAT + " UTC")


_WHEN_FORMAT: Final = "%Y-%m-%d %H:%M:%S"
# a moment `when_text` wrote, where the engine's words put one (`judge`, `_run`, and the
# dispatcher's "replaced by the fire at …"): any other UTC-looking text in a note or an
# error is someone else's — a task's name, what a Python task's exception said — and stays
_WHEN: Final = re.compile(r"(\breplaced by the fire at |\bto fire at |\((?:run \d+|fire) at )"
                          r"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) UTC\b")


def moments_said(note: str, say: Callable[[datetime], str]) -> str:
    """`note` with each moment `when_text` wrote in it said by `say` (the command line: in
    local time, as every other time it shows): a dependency's note ("waiting for upstream
    'a' to fire at …") was the one time a user saw in UTC."""
    return _WHEN.sub(lambda m: m[1] + say(datetime.strptime(m[2], _WHEN_FORMAT)
                                          .replace(tzinfo=UTC)), note)


def judge(upstreams: Iterable[int], ts: float, *, book: Book, lookup: Lookup,
          next_fire: Callable[[int], float | None], name: Callable[[int], str]) -> Verdict:
    """May a run scheduled at `ts` whose task waits on `upstreams` start now?"""
    wait: Verdict | None = None
    for up in upstreams:
        nxt = next_fire(up)
        if nxt is not None and nxt <= ts:
            if wait is None:
                wait = Verdict(WAIT, f"waiting for upstream {name(up)} to fire at "
                                     f"{when_text(nxt)}", up)
            continue
        fire = latest_fire(up, ts, book, lookup)
        if fire is None or fire.state == SUCCEEDED:
            continue
        if fire.state == PENDING:
            if wait is None:
                wait = Verdict(WAIT, f"waiting for upstream {name(up)}{_run(fire)}", up)
            continue
        return Verdict(SKIP, f"upstream {name(up)}{_run(fire)} {_ENDED[fire.state]}", up)
    return wait or ALL_CLEAR


def latest_fire(task_id: int, ts: float, book: Book, lookup: Lookup) -> Fire | None:
    """The newer of the booked and the stored latest fire at or before ts (booked on a tie)."""
    booked = book.latest(task_id, ts)
    stored = lookup(task_id, ts)
    if stored is None or (booked is not None and booked.ts >= stored.ts):
        return booked
    return stored


def _run(fire: Fire) -> str:
    at = when_text(fire.ts)
    return f" (run {fire.run_id} at {at})" if fire.run_id is not None else f" (fire at {at})"
