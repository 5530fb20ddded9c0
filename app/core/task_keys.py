"""Where in a task's JSON (the shape `export` writes) the value an error is about is kept: the
one table between the field names the readers raise and the keys of the file.

`TaskSpec.from_json` and its readers name a field in the words of the CLI and the editor
(`tz`, `start`, `command`, `cron`), and the editor puts its inline message on the widget of
that name; an import names the value as the file has it (`tasks[0].timezone`,
`tasks[0].action.argv`, `tasks[0].schedule.expr`), so the person fixing the file finds it.
A field with a dot names a key below one of those (`notify.on_failure`, `action.kind`,
`schedule.kind`, `command.line`): the editor routes it by its first word, the import by this
table. A key the file has that no task has (`"tz": …` written at the top) is named as written.
"""

from __future__ import annotations

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
