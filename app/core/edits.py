"""A form's save over a task that may have changed since the form read it.

The editor used to send its whole form, so the last save won: a change made while it was
open (the CLI, another window, a drag in the calendar) was lost without a word. A form now
passes the task as it read it (`Opened`): only the fields the person changed are written,
so what changed elsewhere in the others stays, and a field changed both here and there is
refused (`ChangedElsewhere`, naming them with both values, long ones cut short with "…"
and whole in its `values`) unless the person chooses to overwrite it: "Save mine over it"
named only "the description", and the person chose blind.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from app.core.audit_words import FIELDS
from app.core.commandline import keep_extras
from app.core.durations import format_duration
from app.core.errors import ChangedElsewhere, ValidationError
from app.core.schedule import Schedule, describe, parse_timezone, validate_schedule
from app.core.task import Task, TaskSpec

SHORT = 40  # characters of a value said in the question; the whole of it in its details
QUOTED = {"name", "description", "action"}  # free text, said in quotes
NAMES_ONLY = {"env", "secret_env"}  # a variable's value is never said, only its name
DURATIONS = {"timeout", "retry_delay", "dependency_timeout"}

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
        values = [(FIELDS.get(key, key.replace("_", " ")), value_words(key, there),
                   value_words(key, mine)) for key in both]
        raise ChangedElsewhere(stored.name, both, _listed([
            f"{words} (now {_short(key, now)}, yours {_short(key, yours)})"
            for key, (words, now, yours) in zip(both, values, strict=True)]), values)
    return changes


def changed_spec(before: Task, changes: dict[str, Any], now: datetime,
                 since: Opened | None = None, overwrite: bool = False,
                 fired: Collection[datetime] = ()) -> TaskSpec:
    """The task `before` with `changes` (task JSON keys) applied; the rest keeps its values,
    and a new group with no limit is joined as it is. A form passes the task as it read it
    (`since`: `form_changes`); a one-shot time in the past is refused only where the timing
    changed, and never for a one-shot that has run (`fired`: `kept_done`)."""
    if since is not None:
        changes = form_changes(before, changes, since, now, overwrite)
    changes = keep_extras(before.spec.action.to_json(), changes)  # forms lack stdin
    merged = {**before.spec.to_json(), **changes}
    if "group_limit" not in changes and merged["group"] != before.spec.group:
        merged["group_limit"] = None
    timing = bool({"schedule", "start_at", "end_at", "timezone"} & changes.keys())
    return checked_spec(merged, now, timing, before.spec, fired)


def checked_spec(data: dict[str, Any], now: datetime, check_past: bool,
                 before: TaskSpec | None = None, fired: Collection[datetime] = ()) -> TaskSpec:
    """`TaskSpec.from_json`, a one-shot time in the past refused where `check_past` — but
    not one of `before`'s that has run (`fired`, `kept_done`): the editor's check and the
    service's."""
    if not check_past or not fired or before is None:
        return TaskSpec.from_json(data, now=now, check_past=check_past)
    spec = kept_done(before, TaskSpec.from_json(data, now=now, check_past=False), fired)
    validate_schedule(spec.schedule, parse_timezone(spec.timezone), now, spec.start_at,
                      spec.end_at, fired)
    return spec


def kept_done(before: TaskSpec, after: TaskSpec, fired: Collection[datetime]) -> TaskSpec:
    """`after` with each one-shot that has run kept at the instant it ran: `before`'s
    one-shots the ledger holds a fire of (`fired`) that the edit left at their time, the
    same instant or the same wall time in a new zone. A one-shot that ran stays done until
    it is given a new time: a new zone moved its wall time to another instant, and it ran
    again there. Its time is said in the new zone."""
    was = [part.at for part in before.schedule.each
           if part.kind == "date" and part.at is not None and part.at in fired]
    if not was:
        return after
    try:
        zone = parse_timezone(after.timezone)
        walls = {at.astimezone(parse_timezone(before.timezone)).replace(tzinfo=None): at
                 for at in was}
    except ValidationError:  # (a zone this machine lacks: the instants alone)
        return after

    def kept(part: Schedule) -> Schedule:
        if part.kind != "date" or part.at is None or part.at in was:
            return part
        at = walls.get(part.at.astimezone(zone).replace(tzinfo=None))
        return part if at is None else replace(part, at=at.astimezone(zone))

    schedule = after.schedule
    if schedule.kind == "any":
        return after.with_changes(schedule=replace(
            schedule, parts=tuple(kept(part) for part in schedule.parts)))
    return after.with_changes(schedule=kept(schedule))


def next_fire(spec: TaskSpec, now: datetime, anchor: datetime,
              fired: Collection[datetime] = ()) -> datetime | None:
    """The task's next fire after `now` (`TaskSpec.next_fire_time`), passing over the
    one-shots that have run (`fired`: a clock set back would have them run again)."""
    at = spec.next_fire_time(now, anchor)
    while at is not None and at in fired:
        at = spec.next_fire_time(at, anchor)
    return at


def value_words(key: str, task: dict[str, Any]) -> str:
    """The value of `task`'s field `key` as a person reads it, whole: "Every hour (UTC)",
    "rsync -a ~/notes /backup", "none"."""
    value = task.get(key)
    if key == "schedule":
        try:
            return describe(Schedule.from_json(value or {"kind": "manual"}),
                            task.get("timezone"))
        except Exception:  # (a schedule this version cannot read: its JSON)
            return json.dumps(value, ensure_ascii=False)
    if key == "action" and isinstance(value, dict):
        if value.get("kind") == "python":
            kwargs = value.get("kwargs")
            return f"{value.get('target')}" + (f" with {json.dumps(kwargs)}" if kwargs else "")
        argv = [str(a) for a in value.get("argv") or []]
        return value.get("line") or (argv[0] if value.get("shell") and argv
                                     else shlex.join(argv))
    if key in NAMES_ONLY and isinstance(value, dict):
        value = sorted(value)
    if value is None or value == "" or value == [] or value == {}:
        return "none"
    if key in DURATIONS and isinstance(value, int | float) and not isinstance(value, bool):
        return format_duration(timedelta(seconds=value))
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value) if not isinstance(value, dict) else json.dumps(value, ensure_ascii=False)


def _short(key: str, words: str) -> str:
    """`words` on one line, cut with "…" after a word within SHORT characters; free text
    in quotes."""
    line = " ".join(words.split())
    if len(line) > SHORT:
        cut = line[:SHORT]
        line = (cut.rsplit(" ", 1)[0] if " " in cut[SHORT // 2:] else cut[:-1]) + "…"
    return f"“{line}”" if key in QUOTED and words != "none" else line


def _listed(words: list[str]) -> str:
    return ", ".join(words[:-1]) + (" and " if len(words) > 1 else "") + words[-1]
