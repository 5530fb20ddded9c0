"""What an attempt is, how it ends, and what the executor reports to (`Sink`): the
executor's value types, shared by the dispatcher, the recorder and the output capture."""

from __future__ import annotations

import platform
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from app.core.task import Action
from app.engine.pyworkers.context import MAX_CHECKPOINT as MAX_CHECKPOINT
from app.engine.pyworkers.context import CheckpointError as CheckpointError

_STOPS = threading.Lock()  # the first stop of an attempt wins, whichever thread sends it


def utcnow() -> datetime:
    """The wall clock in UTC: when an action starts or ends, as its executor sees it."""
    return datetime.now(UTC)


@dataclass(slots=True)
class Attempt:
    """One attempt of one fire, as the executor sees it."""

    run_id: int
    task_id: int
    task_name: str
    scheduled_for: datetime
    attempt: int
    action: Action
    env: dict[str, str] = field(default_factory=dict)
    timeout: float | None = None
    resume_state: Any = None
    secret_env: dict[str, str] = field(default_factory=dict)  # env var -> secret name
    secret_values: tuple[str, ...] = ()  # what the run received: masked in its output
    secrets_read: dict[str, str] | None = None  # env var -> value, once read (executor)
    checkpoint_file: str | None = None
    stop_requested: bool = False  # a stop came (set once, under `_STOPS`; no Event per
    # attempt: nothing waits on it, and an Event is six objects the collector must trace)
    cancel_reason: str = ""
    started_at: datetime | None = None
    due_at: datetime | None = None  # when this attempt was due (a retry's backoff end)
    catch_up: bool = False  # a missed run caught up: late by the time none could start it
    pid: int | None = None  # a command's group leader (its pgid: it starts its own session)
    # ... or, for a Python run, its worker's pid (set after on_started: never in the ledger)
    leader_created: float | None = None  # the leader's psutil create_time()
    worker_cpu: float | None = None  # a Python run's worker: its CPU seconds at the start
    stop_status: str = "cancelled"  # what a stop makes of it: cancelled | timed_out | interrupted
    on_cancel: Callable[[], None] | None = None  # told of the stop (a simulated executor)
    runs_on: str = "local"  # its task's runs_on: local, celery or celery:QUEUE

    def cancel(self, reason: str, status: str = "cancelled") -> None:
        """Stop the attempt; the first stop wins (a person's cancel, a timeout, the engine's
        stop), and `status` is how the attempt ends."""
        with _STOPS:
            if self.stop_requested:
                return
            self.cancel_reason = reason
            self.stop_status = status
            self.stop_requested = True
        if self.on_cancel is not None:
            self.on_cancel()

    def stopped(self, at: datetime | None = None) -> Outcome:
        """How it ends once stopped: the status and reason of the stop that won."""
        return Outcome(self.stop_status, at or utcnow(), error=self.cancel_reason)


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str  # succeeded | failed | timed_out | cancelled | interrupted
    finished_at: datetime
    exit_code: int | None = None
    error: str | None = None
    tried: bool = True  # False: interrupted before anything ran it (a Celery run unsent)
    checkpoint_written: bool | None = None  # a command's file, as its launcher saw (None: ask)


class Sink(Protocol):
    def on_started(self, attempt: Attempt) -> None: ...
    def on_output(self, attempt: Attempt, stream: str, text: str) -> None: ...
    def on_checkpoint(self, attempt: Attempt, state: Any) -> None: ...
    def on_progress(self, attempt: Attempt, fraction: float | None, message: str) -> None: ...
    def on_finished(self, attempt: Attempt, outcome: Outcome) -> None: ...
    def secret(self, name: str) -> str | None: ...


def resolve_secrets(attempt: Attempt, sink: Sink) -> dict[str, str]:
    """The attempt's secrets (env var -> value) from the sink, at run time; what it received
    is kept in `attempt.secret_values` to be masked. LookupError names the one missing.
    Read once: an attempt whose secrets the executor read ahead (`secrets_read`) has them."""
    if attempt.secrets_read is not None:
        return attempt.secrets_read
    values: dict[str, str] = {}
    for key, name in attempt.secret_env.items():
        try:
            value = sink.secret(name)
        except Exception as exc:
            raise LookupError(f"cannot read secret {name!r} for {key}: {exc}") from None
        if value is None:  # (said where the keyring is: on a shared store, each engine's
            # machine has its own, and the secret was set where the task was made)
            raise LookupError(f"secret {name!r} for {key} is not in the keyring of the engine's "
                              f"home (on {platform.node()}): set it where the engine runs, in "
                              f"its home (`tickwork secret set {name}`)")
        values[key] = value
    attempt.secret_values = tuple(values.values())
    attempt.secrets_read = values
    return values
