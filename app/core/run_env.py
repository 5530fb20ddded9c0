"""The variables Tickwork gives every run: one list, read by the engine that sets them and by
the editor that names them (README's table, "What a command sees").

A command finds them in its process environment, beside its task's variables and secrets.
A Python action finds them in `context.env`, beside its task's variables and secrets; its
process environment carries only TICKWORK_RUN_TOKEN (so what it starts is found by a
timeout or a cancel). TICKWORK_CHECKPOINT_FILE is a command's alone: a Python action saves
its state with `context.checkpoint()`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

RUN_ID: Final = "TICKWORK_RUN_ID"
ATTEMPT: Final = "TICKWORK_ATTEMPT"
TASK: Final = "TICKWORK_TASK"
SCHEDULED_FOR: Final = "TICKWORK_SCHEDULED_FOR"
CHECKPOINT_FILE: Final = "TICKWORK_CHECKPOINT_FILE"
RUN_TOKEN: Final = "TICKWORK_RUN_TOKEN"

RUN_VARIABLES: Final = (RUN_ID, ATTEMPT, TASK, SCHEDULED_FOR, CHECKPOINT_FILE, RUN_TOKEN)
COMMANDS_ONLY: Final = frozenset({CHECKPOINT_FILE})


_NAMES: Final = {"command": RUN_VARIABLES,
                 "python": tuple(n for n in RUN_VARIABLES if n not in COMMANDS_ONLY)}


def names_for(kind: str) -> tuple[str, ...]:
    """The variables an action of this kind ("command" or "python") gets, in README's order
    (worked out once: the engine asks at every run)."""
    return _NAMES["command" if kind == "command" else "python"]


def run_environment(kind: str, *, run_id: int, attempt: int, task: str,
                    scheduled_for: datetime, token: str,
                    checkpoint_file: str | None) -> dict[str, str]:
    """The values of `names_for(kind)` for one attempt (the list decides what is set; a
    command's checkpoint file is unset when none could be made)."""
    values = {RUN_ID: str(run_id), ATTEMPT: str(attempt), TASK: task,
              SCHEDULED_FOR: scheduled_for.isoformat(), RUN_TOKEN: token}
    if checkpoint_file is not None:
        values[CHECKPOINT_FILE] = checkpoint_file
    return {name: values[name] for name in names_for(kind) if name in values}
