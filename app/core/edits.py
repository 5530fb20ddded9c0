"""A form's save over a task that may have changed since the form read it.

The editor used to send its whole form, so the last save won: a change made while it was
open (the CLI, another window, a drag in the calendar) was lost without a word. A form now
passes the task as it read it: only the fields the person changed are written, so what
changed elsewhere in the others stays, and a field changed both here and there is refused
(`ChangedElsewhere`, naming them) unless the person chooses to overwrite it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.core.audit_words import FIELDS
from app.core.commandline import keep_extras
from app.core.errors import ChangedElsewhere
from app.core.task import Task, TaskSpec


def form_changes(stored: Task, form: dict[str, Any], since: dict[str, Any], now: datetime,
                 overwrite: bool = False) -> dict[str, Any]:
    """The fields `form` changed since it read the task as `since` (its JSON), each compared
    in the stored form on both sides (a form's way of saying the same value is no change).
    ChangedElsewhere names those `stored` changed too, to another value, unless
    `overwrite`."""
    read = TaskSpec.from_json(since, now=now, check_past=False).to_json()
    form = keep_extras(read["action"], form)  # (a form lacks a command's stdin)
    mine = TaskSpec.from_json({**read, **form}, now=now, check_past=False).to_json()
    changes = {key: value for key, value in mine.items() if read.get(key) != value}
    there = stored.spec.to_json()
    both = [key for key, value in changes.items()
            if there.get(key) != read.get(key) and there.get(key) != value]
    if both and not overwrite:
        words = [FIELDS.get(key, key.replace("_", " ")) for key in both]
        raise ChangedElsewhere(stored.name, both, ", ".join(words[:-1])
                               + (" and " if len(words) > 1 else "") + words[-1])
    return changes
