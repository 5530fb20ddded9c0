"""Where in a task's JSON (the shape `export` writes) the value an error is about is kept: the
one table between the field names the readers raise and the keys of the file.

`TaskSpec.from_json` and its readers name a field in the words of the CLI and the editor
(`tz`, `start`, `command`, `cron`), and the editor puts its inline message on the widget of
that name; an import names the value as the file has it (`tasks[0].timezone`,
`tasks[0].action.argv`, `tasks[0].schedule.expr`), so the person fixing the file finds it.
A field with a dot names a key below one of those (`notify.on_failure`, `action.kind`,
`schedule.kind`, `command.line`): the editor routes it by its first word, the import by this
table. A key the file has that no task has (`"tz": …` written at the top) is named as written.
A value no store or JSON can keep (half a UTF-16 pair, NaN) is refused here, named so.
"""

from __future__ import annotations

import math
from typing import Any, Final

from app.core.errors import ValidationError
from app.core.schedule import Schedule

# the readers' word -> the key path in the task JSON (every other field is its own key)
KEYS: Final = {
    "tz": "timezone", "start": "start_at", "end": "end_at",
    "command": "action.argv", "command.line": "action.line", "shell": "action.shell",
    "python": "action.target", "kwargs": "action.kwargs", "cwd": "action.cwd",
    "shell_program": "action.shell_program", "stdin": "action.stdin",
    "cron": "schedule.expr", "at": "schedule.at", "every": "schedule.seconds",
    "after": "schedule.tasks", "exclude": "schedule.exclude",
    "calendar": "schedule",  # its keys (years … second) sit in the schedule; the reason names one
}  # fmt: skip
# the part of a schedule each of several schedules (`"kind": "any"`) has for itself
_OWN: Final = ("schedule", "schedule.kind", "schedule.expr", "schedule.at", "schedule.seconds",
                "schedule.exclude")


def file_key(field: str, task: object = None) -> str:
    """The key path in `task` (its JSON as read, when at hand) that an error on `field` is
    about: `tz` -> `timezone`, `cron` -> `schedule.expr` (`schedule.schedules[1].expr` in the
    second of several schedules)."""
    if field in KEYS and isinstance(task, dict) and field in task:
        return field  # a key no task has, in the file: refused as unknown, named as written
    path = KEYS.get(field) or field
    if path in _OWN and isinstance(task, dict):
        part = _part(field, task.get("schedule"))
        if part is not None:
            return f"schedule.schedules[{part}]" + path.removeprefix("schedule")
    return path


def _part(field: str, schedule: Any) -> int | None:
    """Which of several schedules an error on `field` is about: the first that is refused
    alone for it (None: not several schedules, or none is)."""
    if not isinstance(schedule, dict) or schedule.get("kind") != "any":
        return None
    parts = schedule.get("schedules")
    for index, part in enumerate(parts if isinstance(parts, list) else []):
        try:
            Schedule.from_json(part)
        except ValidationError as exc:
            if exc.field == field:
                return index
    return None


# the readers' word for a key path (the other way round from KEYS)
_WORDS: Final = {path: word for word, path in KEYS.items() if word != "calendar"}


def storable(task: dict[str, Any]) -> dict[str, Any]:
    """`task` (a task's JSON as given), or ValidationError naming the first value in it that
    no store or JSON can keep (`unkept`), by the readers' word for its key."""
    found = _unkept(task, [])
    if found is None:
        return task
    path, reason = found
    top = str(path[0])
    word = _WORDS.get(f"{top}.{path[1]}", top) if top in ("action", "schedule") and len(
        path) > 1 else _WORDS.get(top, top)
    below = [p for p in path[1:] if isinstance(p, str) and _WORDS.get(f"{top}.{p}") is None]
    raise ValidationError(word, f"{below[-1]}: {reason}" if below else reason)


def unkept(value: Any) -> str | None:
    """Why `value` (a text, a number, or a list or mapping of them) cannot be kept, or None:
    a text in it holds a lone surrogate — a byte of a command-line argument that is not
    UTF-8 (`--description $'\\xff'`), or half of a UTF-16 pair a JSON file escapes
    (`"\\ud800"`), which no store can write ("failed: UnicodeEncodeError") —, or a number in it
    is NaN or infinite, which Python's JSON reads and writes but JSON has not (`--kwargs
    '{"x": NaN}'` was kept, and `task show --json` printed what `jq` refuses)."""
    found = _unkept(value, [])
    if found is None:
        return None
    path, reason = found
    keys = [p for p in path if isinstance(p, str)]
    return f"{keys[-1]}: {reason}" if keys else reason


_NOT_JSON: Final = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}


def _unkept(value: Any, path: list[Any], *, key: bool = False) -> tuple[list[Any], str] | None:
    """The key path to the first value below `value` that cannot be kept, and why (a bad key
    of a mapping is named by the mapping's place, not by itself)."""
    if isinstance(value, str):
        for at, char in enumerate(value):
            if "\ud800" <= char <= "\udfff":
                return (path[:-1] if key else path), (
                    f"holds \\u{ord(char):04x} at character {at + 1}, which is not a Unicode "
                    "character (a byte that is not UTF-8, or half of a UTF-16 pair)")
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return path, (f"holds {_NOT_JSON[repr(value)]}, which is no JSON number: give a number "
                      "or null")
    items = (value.items() if isinstance(value, dict)
             else enumerate(value) if isinstance(value, list | tuple) else ())
    for name, item in items:
        found = _unkept(name, [*path, name], key=True) or _unkept(item, [*path, name])
        if found is not None:
            return found
    return None
