"""One record per run the dispatcher holds: what it is, where it stands, what it runs as."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from app.core.run_env import run_environment
from app.core.task import Task
from app.engine.executor import Attempt
from app.engine.processes import run_token

# where a claimed run stands in the dispatcher (its ledger status may say more: `waiting`
# is also written for runs the ready queue holds back by their task or group)
RETRYING: Final = "retrying"  # waiting out its backoff (an armed `r<run id>` job)
REQUEUING: Final = "requeuing"  # its backoff ended; admitted once `queued` is committed
WAITING: Final = "waiting"  # held by its upstreams (in the dependency gate)
QUEUED: Final = "queued"  # in the ready queue
RUNNING: Final = "running"  # its attempt is in the executor


@dataclass(slots=True, eq=False)
class RunRecord:
    """A claimed run the dispatcher has not settled yet."""

    run_id: int
    task: Task  # as it was when the run was claimed (or its retry fell due)
    fire: datetime  # the scheduled fire time it stands for
    attempt: int
    phase: str  # RETRYING | REQUEUING | WAITING | QUEUED | RUNNING
    reason: str | None = None  # the reason it was claimed with (catch-up, retry …)
    catch_up: bool = False  # claimed as a catch-up (its start delay is not the engine's)
    due_at: datetime | None = None  # a retry: when its backoff ended
    running: Attempt | None = None  # the attempt, once started
    blocked_by: list[int] = field(default_factory=list)  # upstreams it waited for
    since: datetime | None = None  # taken over from the ledger: when it began to wait (its
    # dependency timeout and "waited N s" count from then, not from this engine's start)

    @property
    def task_id(self) -> int:
        return self.task.id


def attempt_for(record: RunRecord, engine_id: str, resume: Any,
                checkpoint_file: str | None) -> Attempt:
    """The attempt a run starts as: its action, with the environment every attempt gets."""
    task = record.task
    spec = task.spec
    env = dict(spec.env)
    env.update(run_environment(  # the token: how a later engine finds the run's processes
        spec.action.kind, run_id=record.run_id, attempt=record.attempt, task=spec.name,
        scheduled_for=record.fire, token=run_token(record.run_id, engine_id),
        checkpoint_file=checkpoint_file))
    return Attempt(
        run_id=record.run_id, task_id=task.id, task_name=spec.name,
        scheduled_for=record.fire, attempt=record.attempt, action=spec.action, env=env,
        timeout=spec.timeout, resume_state=resume, secret_env=dict(spec.secret_env),
        due_at=record.due_at, catch_up=record.catch_up,
        checkpoint_file=checkpoint_file or None, runs_on=spec.runs_on,
    )
