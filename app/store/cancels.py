"""Cancelling runs in the ledger: which runs are in progress (of given tasks), who holds them,
a cancel asked of the engine that holds one, a run no engine holds ended at once.

A person's cancel (Cancel run in the Runs view, Stop runs on tasks, `tickwork run cancel`,
`tickwork task cancel`) is decided in app/service_runs.py with these; the engine hears the
request from the service's change, or from the home's bell.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from app.core.task import ACTIVE_STATUSES
from app.store.backend import execute, id_table
from app.store.models import RunRow

# the statuses as SQL text (they take no parameters, wherever the statement goes)
_ACTIVE_SQL = "(" + ", ".join(f"'{status}'" for status in sorted(ACTIVE_STATUSES)) + ")"


class InProgress(NamedTuple):
    """A run in progress (queued, waiting, running or retrying), as a cancel needs it."""

    run_id: int
    task_id: int
    status: str
    engine: str | None  # the engine that claimed it (None: no engine has taken it)
    cancel_requested: bool


def in_progress(task_ids: Iterable[int]) -> list[InProgress]:
    """The runs in progress of these tasks, oldest first: a seek of the status index, so a
    long history costs nothing, the tasks given as one parameter however many are selected."""
    ids = sorted(set(task_ids))
    if not ids:
        return []
    table, param = id_table(ids)
    return [InProgress(int(i), int(t), str(s), e, bool(c)) for i, t, s, e, c in execute(
        "SELECT id, task_id, status, engine, cancel_requested FROM run"
        f" WHERE status IN {_ACTIVE_SQL} AND task_id IN (SELECT value FROM {table})"
        " ORDER BY id", (param,))]


def engine_of(run_id: int) -> str | None:
    """The id of the engine that claimed the run (None: no engine has taken it)."""
    engine: str | None = RunRow.get_by_id(run_id).engine
    return engine


def left_running(run_ids: list[int] | None = None, task_id: int | None = None
                 ) -> list[tuple[int, str, int | None, float | None]]:
    """(run id, engine, pgid, leader's start time) of these runs (or of this task's) that
    an engine claimed and recorded as running: what is left of them if that engine died."""
    which = RunRow.id.in_(run_ids or []) if task_id is None else RunRow.task == task_id
    return [(int(i), str(e), p, c) for i, e, p, c in RunRow.select(
        RunRow.id, RunRow.engine, RunRow.pgid, RunRow.leader_created).where(
        which & (RunRow.status == "running") & RunRow.engine.is_null(False)).tuples()]


def request_cancel(run_id: int) -> None:
    """Ask the engine holding the run to stop it."""
    RunRow.update(cancel_requested=True).where(RunRow.id == run_id).execute()


def take_over_retries(engine: str) -> int:
    """Make `engine` the holder of every retry waiting out its backoff (a new engine takes
    over what a stopped or dead one claimed, so cancel requests reach the one that runs
    them); returns how many."""
    return int(RunRow.update(engine=engine).where(RunRow.status == "retrying").execute())


def cancel(run_id: int, now: datetime, why: str) -> None:
    """End a run no engine holds: cancelled now, `why` as why it ended (as an engine's
    cancel keeps it), its notes (what it waited for) gone with it."""
    RunRow.update(status="cancelled", finished_at=now, cancel_requested=True, error=why,
                  reason=None).where(RunRow.id == run_id).execute()
