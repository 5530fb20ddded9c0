"""A form's save over a task that may have changed since the form read it.

The editor used to send its whole form, so the last save won: a change made while it was
open (the CLI, another window, a drag in the calendar) was lost without a word. A form now
passes the task as it read it (`Opened`): only the fields the person changed are written,
so what changed elsewhere in the others stays, and a field changed both here and there is
refused (`ChangedElsewhere`, naming them and, where short, both values) unless the person
chooses to overwrite it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.core.audit_words import FIELDS, SAID
from app.core.commandline import keep_extras
from app.core.errors import ChangedElsewhere
from app.core.task import Task, TaskSpec

# fields a form says in terms of each other: one changed, the others are its too
TOGETHER = (frozenset({"schedule", "start_at", "end_at", "timezone"}),
            frozenset({"group", "group_limit"}))


@dataclass(frozen=True)
class Opened:
    """A task as a form read it: its stored JSON, and the form's own data for it then (None
    where the form could not be read). The form's data is what a save compares the form
    with: a form says some values its own way (a command's line rebuilt from its words,
    times to the second), so against the stored JSON an untouched field looked changed."""

    stored: dict[str, Any]
    form: dict[str, Any] | None = None


def form_changes(stored: Task, form: dict[str, Any], opened: Opened, now: datetime,
                 overwrite: bool = False) -> dict[str, Any]:
    """The fields `form` changed since it was opened, in the form's own words; the store's
    value of each is compared in the stored form. ChangedElsewhere names those `stored`
    changed too, to another value, unless `overwrite`."""
    read = opened.stored
    if opened.form is not None:
        changes = {key: value for key, value in form.items() if opened.form.get(key) != value}
        for together in TOGETHER:  # (a form's times are wall times in its zone)
            if together & changes.keys():
                changes.update({key: form[key] for key in together if key in form})
    else:  # each side in the stored form
        mine = TaskSpec.from_json({**read, **keep_extras(read["action"], form)}, now=now,
                                  check_past=False).to_json()
        changes = {key: value for key, value in mine.items() if read.get(key) != value}
    there = stored.spec.to_json()
    elsewhere = [key for key in changes if there.get(key) != read.get(key)]
    if not elsewhere or overwrite:
        return changes
    mine = TaskSpec.from_json({**read, **keep_extras(read["action"], changes)}, now=now,
                              check_past=False).to_json()
    both = [key for key in elsewhere if there.get(key) != mine.get(key)]
    if both:
        raise ChangedElsewhere(stored.name, both, _listed([_field(key, there.get(key),
                                                                  mine.get(key)) for key in both]))
    return changes


def _field(key: str, there: Any, mine: Any) -> str:
    """A field in words, with both values where they are short: "the priority (now 3,
    yours 9)"."""
    words = FIELDS.get(key, key.replace("_", " "))
    if key in SAID or key == "tags":
        def said(value: Any) -> str:
            if isinstance(value, list | tuple):
                return ", ".join(map(str, value)) or "none"
            return "none" if value is None else str(value)
        return f"{words} (now {said(there)}, yours {said(mine)})"
    return words


def _listed(words: list[str]) -> str:
    return ", ".join(words[:-1]) + (" and " if len(words) > 1 else "") + words[-1]
