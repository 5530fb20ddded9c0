"""Task and run value types, and the validation that turns user input into a task.

A task is described by a plain JSON-shaped mapping (the shape `tickwork task show --json`
prints and `export` writes). `TaskSpec.from_json` is the one place user input becomes a
task: the CLI, the import file and the GUI editor all build such a mapping and go through it,
so every entry point names the same field with the same reason.
"""

from __future__ import annotations

import re
import shlex
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Final

from app.core.commandline import command_stdin, shell_program, typed_line
from app.core.durations import format_duration, parse_duration
from app.core.errors import ValidationError
from app.core.schedule import Schedule, parse_timezone, system_timezone_name

OVERLAP_POLICIES: Final = ("skip", "queue", "replace")
CATCH_UP_POLICIES: Final = ("skip", "once", "all")
BACKOFF_KINDS: Final = ("fixed", "exponential")

RUN_STATUSES: Final = (
    "scheduled", "queued", "waiting", "running", "retrying",
    "succeeded", "failed", "timed_out", "cancelled", "interrupted", "skipped",
)
FINISHED_STATUSES: Final = frozenset(
    {"succeeded", "failed", "timed_out", "cancelled", "interrupted", "skipped"}
)
ACTIVE_STATUSES: Final = frozenset({"queued", "waiting", "running", "retrying"})

MAX_NAME = 200
MAX_COMMAND = 1_000_000
MAX_PRIORITY = 1_000_000
_ENV_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TARGET = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
_GROUP = re.compile(r"^[\w.\-]{1,64}$")
# Unicode categories a name may not contain: controls, format characters (bidirectional
# overrides such as U+202E, zero-width joiners), lone surrogates and line/paragraph separators:
# each makes a name that reads differently from what it is.
_INVISIBLE: Final = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
MAX_JSON_DEPTH = 64


@dataclass(frozen=True, slots=True)
class Action:
    """What a task does: a command (argument list, optionally through the shell) or a callable."""

    kind: str  # "command" | "python"
    argv: tuple[str, ...] = ()
    shell: bool = False
    cwd: str | None = None
    target: str = ""
    kwargs: dict[str, Any] = field(default_factory=dict)
    # the command line exactly as the person typed it (None for tasks stored before it was
    # kept): shown back verbatim, and what runs if they later tick "through the shell"
    line: str | None = None
    # cron's SHELL: the shell program a shell command runs with (None: /bin/sh), and the
    # text a command reads on its standard input (cron's `%` lines; None: nothing)
    shell_program: str | None = None
    stdin: str | None = None

    def to_json(self) -> dict[str, Any]:
        if self.kind == "command":
            out: dict[str, Any] = {"kind": "command", "argv": list(self.argv),
                                   "shell": self.shell, "cwd": self.cwd}
            if self.line is not None:
                out["line"] = self.line
            if self.shell_program is not None:
                out["shell_program"] = self.shell_program
            if self.stdin is not None:
                out["stdin"] = self.stdin
            return out
        return {"kind": "python", "target": self.target, "kwargs": self.kwargs, "cwd": self.cwd}

    @staticmethod
    def from_json(data: object) -> Action:
        obj = _mapping(data, "action")
        kind = obj.get("kind")
        cwd = _opt_str(obj.get("cwd"), "cwd")
        if kind == "command":
            _only(obj, {"kind", "argv", "shell", "cwd", "line", "shell_program", "stdin"},
                  "action")
            argv = obj.get("argv")
            if not isinstance(argv, list) or not argv or not all(isinstance(a, str) for a in argv):
                raise ValidationError("command", "must be a non-empty list of strings")
            if sum(len(a) for a in argv) > MAX_COMMAND:
                raise ValidationError("command", f"is longer than {MAX_COMMAND:,} characters")
            if not argv[0].strip():
                raise ValidationError("command", "is empty")
            if any("\x00" in a for a in argv):
                raise ValidationError("command", "contains a NUL character")
            shell = obj.get("shell", False)
            if not isinstance(shell, bool):
                raise ValidationError("shell", "must be true or false")
            if shell and len(argv) != 1:
                raise ValidationError("command", "a shell command is one string")
            line = typed_line(obj.get("line"), argv, shell)
            program, stdin = shell_program(obj.get("shell_program"), shell), command_stdin(
                obj.get("stdin"))
            return Action("command", argv=tuple(argv), shell=shell, cwd=cwd, line=line,
                          shell_program=program, stdin=stdin)
        if kind == "python":
            _only(obj, {"kind", "target", "kwargs", "cwd"}, "action")
            target = obj.get("target")
            if not isinstance(target, str) or not _TARGET.match(target):
                raise ValidationError("python", f"must look like module:function, got {target!r}")
            kwargs = obj.get("kwargs", {})
            if not isinstance(kwargs, dict):
                raise ValidationError("kwargs", "must be a JSON object")
            return Action("python", target=target, kwargs=kwargs, cwd=cwd)
        raise ValidationError("action", "needs a command or a python target")

    def summary(self) -> str:
        """The action as one readable line: for a command, the line as it was typed."""
        if self.kind == "python":
            return self.target
        return self.command_line()

    def command_line(self) -> str:
        """The command as typed; for tasks stored without it, the arguments re-joined."""
        if self.line is not None:
            return self.line
        if self.shell:
            return self.argv[0] if self.argv else ""
        return shlex.join(self.argv)


# JSON keys a task spec reads; derived keys a `show` carries are accepted and ignored.
TASK_FIELDS: Final = (
    "name", "description", "enabled", "tags", "action", "schedule", "timezone", "start_at",
    "end_at", "priority", "retries", "retry_delay", "backoff", "timeout", "max_instances",
    "overlap", "group", "group_limit", "catch_up", "depends_on", "env", "secret_env",
    "notify", "fallback", "dependency_timeout",
)
DERIVED_FIELDS: Final = (
    "id", "next_run_at", "last_run", "created_at", "updated_at", "schedule_text", "paused",
)


@dataclass(frozen=True, slots=True)
class TaskSpec:
    """Everything a user configures about a task (no id, no derived state)."""

    name: str
    action: Action
    schedule: Schedule = field(default_factory=lambda: Schedule(kind="manual"))
    description: str = ""
    enabled: bool = True
    tags: tuple[str, ...] = ()
    timezone: str = "UTC"
    start_at: datetime | None = None
    end_at: datetime | None = None
    priority: int = 0
    retries: int = 0
    retry_delay: float = 10.0
    backoff: str = "fixed"
    timeout: float | None = None
    max_instances: int = 1
    overlap: str = "skip"
    group: str | None = None
    group_limit: int | None = None
    catch_up: str = "once"
    depends_on: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    secret_env: dict[str, str] = field(default_factory=dict)
    notify_on_failure: bool = True
    notify_on_success: bool = False
    fallback: str | None = None
    dependency_timeout: float | None = None

    def to_json(self) -> dict[str, Any]:
        schedule = self.schedule.to_json()
        return {
            "name": self.name,
            "description": self.description,
            "enabled": self.enabled,
            "tags": list(self.tags),
            "action": self.action.to_json(),
            "schedule": schedule,
            "timezone": self.timezone,
            "start_at": _iso(self.start_at),
            "end_at": _iso(self.end_at),
            "priority": self.priority,
            "retries": self.retries,
            "retry_delay": self.retry_delay,
            "backoff": self.backoff,
            "timeout": self.timeout,
            "max_instances": self.max_instances,
            "overlap": self.overlap,
            "group": self.group,
            "group_limit": self.group_limit,
            "catch_up": self.catch_up,
            "depends_on": list(self.depends_on),
            "env": dict(self.env),
            "secret_env": dict(self.secret_env),
            "notify": {"on_failure": self.notify_on_failure, "on_success": self.notify_on_success},
            "fallback": self.fallback,
            "dependency_timeout": self.dependency_timeout,
        }

    @staticmethod
    def from_json(data: object, *, now: datetime, check_past: bool = True) -> TaskSpec:
        """Validate a JSON-shaped task; raise ValidationError naming the first bad field.

        `check_past` is off when re-reading a stored task whose one-shot time has passed.
        """
        obj = _mapping(data, "task")
        unknown = set(obj) - set(TASK_FIELDS) - set(DERIVED_FIELDS)
        if unknown:
            raise ValidationError(sorted(unknown)[0], "is not a task field")
        name = validate_name(obj.get("name"))
        tz_name = obj.get("timezone") or system_timezone_name()
        if not isinstance(tz_name, str):
            raise ValidationError("tz", "must be a time zone name")
        tz = parse_timezone(tz_name, "tz")
        start = _opt_time(obj.get("start_at"), "start", tz)
        end = _opt_time(obj.get("end_at"), "end", tz)
        if start and end and end <= start:
            raise ValidationError("end", "must be after start")
        schedule = Schedule.from_json(_mapping(obj.get("schedule", {"kind": "manual"}), "schedule"))
        if check_past:
            from app.core.schedule import validate_schedule

            validate_schedule(schedule, tz, now, start, end)
        depends_on = _names(obj.get("depends_on", []), "depends_on")
        if name in depends_on or name in schedule.after:
            raise CycleName(name)
        group = _opt_str(obj.get("group"), "group")
        if group is not None and not _GROUP.match(group):
            raise ValidationError("group", "use letters, digits, '.', '_' or '-' (at most 64)")
        notify = _mapping(obj.get("notify", {}), "notify")
        _only(notify, {"on_failure", "on_success"}, "notify")
        action = Action.from_json(obj.get("action"))
        if action.kwargs and json_depth(action.kwargs) > MAX_JSON_DEPTH:  # input only
            raise ValidationError("kwargs", f"is nested more than {MAX_JSON_DEPTH} levels deep")
        fallback = _opt_str(obj.get("fallback"), "fallback")
        if fallback == name:
            raise ValidationError("fallback", f"{name} → {name} would make a cycle (a task "
                                  "cannot be its own fallback)")
        spec = TaskSpec(
            name=name,
            action=action,
            schedule=schedule,
            description=_str(obj.get("description", ""), "description", 10_000),
            enabled=_bool(obj.get("enabled", True), "enabled"),
            tags=_names(obj.get("tags", []), "tags"),
            timezone=tz_name,
            start_at=start,
            end_at=end,
            priority=_int(obj.get("priority", 0), "priority", -MAX_PRIORITY, MAX_PRIORITY),
            retries=_int(obj.get("retries", 0), "retries", 0, 100),
            retry_delay=_seconds(obj.get("retry_delay", 10.0), "retry_delay", allow_zero=True),
            backoff=_choice(obj.get("backoff", "fixed"), "backoff", BACKOFF_KINDS),
            timeout=_opt_seconds(obj.get("timeout"), "timeout"),
            max_instances=_int(obj.get("max_instances", 1), "max_instances", 1, 1000),
            overlap=_choice(obj.get("overlap", "skip"), "overlap", OVERLAP_POLICIES),
            group=group,
            group_limit=(
                None if obj.get("group_limit") is None
                else _int(obj.get("group_limit"), "group_limit", 1, 10_000)
            ),
            catch_up=_choice(obj.get("catch_up", "once"), "catch_up", CATCH_UP_POLICIES),
            depends_on=depends_on,
            env=_env(obj.get("env", {}), "env"),
            secret_env=_env(obj.get("secret_env", {}), "secret_env"),
            notify_on_failure=_bool(notify.get("on_failure", True), "notify.on_failure"),
            notify_on_success=_bool(notify.get("on_success", False), "notify.on_success"),
            fallback=fallback,
            dependency_timeout=_opt_seconds(obj.get("dependency_timeout"), "dependency_timeout"),
        )
        if spec.group_limit is not None and spec.group is None:
            raise ValidationError("group", "a group limit needs a group name")
        return spec

    def with_changes(self, **changes: Any) -> TaskSpec:
        return replace(self, **changes)


class CycleName(ValidationError):
    """A task that names itself as upstream: the smallest cycle."""

    def __init__(self, name: str) -> None:
        super().__init__("depends_on", f"would create a dependency cycle {name} → {name}")


def validate_name(value: object) -> str:
    if not isinstance(value, str):
        raise ValidationError("name", "is required")
    name = value.strip()
    if not name:
        raise ValidationError("name", "must not be empty")
    if len(name) > MAX_NAME:
        raise ValidationError("name", f"is longer than {MAX_NAME} characters")
    bad = next((c for c in name if unicodedata.category(c) in _INVISIBLE), None)
    if bad is not None:
        found = " ".join(filter(None, (f"U+{ord(bad):04X}", unicodedata.name(bad, ""))))
        raise ValidationError("name", f"must not contain control or format characters "
                              f"(found {found})")
    if name.isdigit():
        raise ValidationError("name", "must not be only digits (those refer to task ids)")
    if "," in name:
        raise ValidationError("name", "must not contain ',' (it separates task lists)")
    return name


def json_depth(value: object) -> int:
    """How deeply lists and objects nest in a JSON value (without recursion, so any depth
    is measured safely)."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: list[object] = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def duration_seconds(text: str, field_name: str) -> float:
    """A duration string from the CLI or editor, as seconds."""
    return parse_duration(text, field_name).total_seconds()


def seconds_text(seconds: float | None) -> str:
    from datetime import timedelta

    return "" if seconds is None else format_duration(timedelta(seconds=seconds))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _mapping(value: object, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValidationError(name, "must be a JSON object")
    return value


def _only(obj: dict[str, Any], allowed: set[str], name: str) -> None:
    extra = set(obj) - allowed
    if extra:
        raise ValidationError(f"{name}.{sorted(extra)[0]}", "is not a known field")


def _str(value: object, name: str, limit: int) -> str:
    if not isinstance(value, str):
        raise ValidationError(name, "must be text")
    if len(value) > limit:
        raise ValidationError(name, f"is longer than {limit:,} characters")
    return value


def _opt_str(value: object, name: str) -> str | None:
    if value is None or value == "":
        return None
    return _str(value, name, 4096)


def _bool(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(name, "must be true or false")
    return value


def _int(value: object, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(name, "must be a whole number")
    if not low <= value <= high:
        raise ValidationError(name, f"must be between {low} and {high}")
    return value


def _choice(value: object, name: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ValidationError(name, f"must be one of {', '.join(choices)}")
    return str(value)


def _seconds(value: object, name: str, *, allow_zero: bool = False) -> float:
    if isinstance(value, str):
        return duration_seconds(value, name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(name, "must be a duration")
    if value < 0 or (value == 0 and not allow_zero) or value > 10 * 366 * 86400:
        raise ValidationError(name, "must be a positive duration of at most 10 years")
    return float(value)


def _opt_seconds(value: object, name: str) -> float | None:
    return None if value is None else _seconds(value, name)


def _opt_time(value: object, name: str, tz: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValidationError(name, "must be an ISO 8601 date-time")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(name, f"not an ISO 8601 date-time: {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def _names(value: object, name: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(name, "must be a list of names")
    out: list[str] = []
    for item in value:
        item = item.strip()
        if not item:
            raise ValidationError(name, "contains an empty name")
        if item not in out:
            out.append(item)
    return tuple(out)


def _env(value: object, name: str) -> dict[str, str]:
    obj = _mapping(value, name)
    for key, val in obj.items():
        if not _ENV_KEY.match(key):
            raise ValidationError(name, f"not a valid variable name: {key!r}")
        if not isinstance(val, str) or "\x00" in val:
            raise ValidationError(name, f"value of {key} must be text")
    return dict(obj)


@dataclass(frozen=True, slots=True)
class Task:
    """A stored task: its id, what the user configured, and what the store derives."""

    id: int
    spec: TaskSpec
    next_run_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    last_run: Any = None  # app.core.run.Run | None

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def anchor(self) -> datetime | None:
        """Where interval and calendar schedules count from: the start of the task's window,
        else its creation, so that "every 2 weeks" keeps its phase across restarts."""
        return self.spec.start_at or self.created_at

    def to_json(self) -> dict[str, Any]:
        from app.core.schedule import describe

        data = {"id": self.id, **self.spec.to_json()}
        data["schedule_text"] = describe(self.spec.schedule, self.spec.timezone)
        data["next_run_at"] = _iso(self.next_run_at)
        data["last_run"] = self.last_run.to_json() if self.last_run is not None else None
        data["created_at"] = _iso(self.created_at)
        data["updated_at"] = _iso(self.updated_at)
        return data
