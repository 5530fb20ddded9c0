"""The task value types (what it does, what the user configured, what is stored), the run
statuses, and the validation that turns user input into a task.

A task is described by a plain JSON-shaped mapping (the shape `tickwork task show --json`
prints and `export` writes). `TaskSpec.from_json` is the one place user input becomes a
task: the CLI, the import file and the GUI editor all build such a mapping and go through it,
so every entry point names the same field with the same reason (each field read by
`app.core.fields`).
"""

from __future__ import annotations

import re
import shlex
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Final

from app.core import fields, keep, task_keys
from app.core.commandline import closed_quotes, command_stdin, shell_program, typed_line
from app.core.errors import ValidationError
from app.core.notify import notify_from_json
from app.core.placement import LOCAL, parse_runs_on
from app.core.schedule import (
    Schedule,
    describe,
    next_fire_times,
    parse_timezone,
    system_timezone_name,
    validate_schedule,
)

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
_TARGET = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*")
_GROUP = re.compile(r"[\w.\-]{1,64}")
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
        obj = fields.mapping(data, "action")
        kind = obj.get("kind")
        cwd = fields.optional_text(obj.get("cwd"), "cwd")
        if kind == "command":
            fields.only_keys(obj, {"kind", "argv", "shell", "cwd", "line", "shell_program",
                                   "stdin"}, "action")
            argv = fields.required(obj.get("argv"), "command")
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
            fields.only_keys(obj, {"kind", "target", "kwargs", "cwd"}, "action")
            target = obj.get("target")
            if target is None or target == "":
                raise ValidationError("python", "no function given: type module:function, "
                                      "e.g. reports.daily:pull")
            if not isinstance(target, str) or not _TARGET.fullmatch(target := target.strip()):
                raise ValidationError("python", f"must look like module:function, got {target!r}")
            kwargs = obj.get("kwargs", {})
            if not isinstance(kwargs, dict):
                raise ValidationError("kwargs", "must be a JSON object")
            return Action("python", target=target, kwargs=kwargs, cwd=cwd)
        raise ValidationError("action.kind", "needs a command or a python target" if kind is None
                              else f"must be command or python, got {kind!r}")

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
    "keep_runs", "keep_days",  # history retention (app/core/keep.py); None: the global default
    "runs_on",  # where its runs execute (app/core/placement.py)
)
DERIVED_FIELDS: Final = (
    "id", "next_run_at", "last_run", "created_at", "updated_at", "schedule_text", "paused",
    "missing_secrets")  # (`task show --json`: the secrets it uses that the keyring lacks)


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
    # history retention (app/core/keep.py): None takes the global default
    keep_runs: int | None = None
    keep_days: int | None = None
    runs_on: str = LOCAL  # `local`, `celery` or `celery:QUEUE` (app/core/placement.py)

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
            "keep_runs": self.keep_runs,
            "keep_days": self.keep_days,
            "runs_on": self.runs_on,
        }

    @staticmethod
    def from_json(data: object, *, now: datetime, check_past: bool = True) -> TaskSpec:
        """Validate a JSON-shaped task; raise ValidationError naming the first bad field.

        `check_past` is off when re-reading a stored task whose one-shot time has passed.
        """
        obj = task_keys.storable(fields.mapping(data, "task"))  # (a store keeps no other)
        unknown = set(obj) - set(TASK_FIELDS) - set(DERIVED_FIELDS)
        if unknown:
            raise ValidationError(sorted(unknown)[0], "is not a task field")
        name = validate_name(obj.get("name"))
        tz_name = obj.get("timezone")
        if not isinstance(tz_name, str | None):  # (0, [] or {} became this machine's zone)
            raise ValidationError("tz", f"must be a time zone name, got {tz_name!r}")
        tz = parse_timezone(tz_name or system_timezone_name(), "tz")  # none/empty: the machine's
        start = fields.optional_time(obj.get("start_at"), "start", tz)
        end = fields.optional_time(obj.get("end_at"), "end", tz)
        if start and end and end <= start:
            raise ValidationError("end", "must be after start")
        raw_schedule = obj.get("schedule", {"kind": "manual"})
        schedule = Schedule.from_json(fields.mapping(raw_schedule, "schedule"))
        if check_past:
            validate_schedule(schedule, tz, now, start, end)
        depends_on = fields.names(obj.get("depends_on", []), "depends_on")
        if name in depends_on or name in schedule.after:
            raise CycleName(name, "depends_on" if name in depends_on else "after")
        group = (fields.optional_text(obj.get("group"), "group") or "").strip() or None  # g\n: g
        if group is not None and not _GROUP.fullmatch(group):
            raise ValidationError("group", "use letters, digits, '.', '_' or '-' (at most 64)")
        notify = notify_from_json(obj.get("notify", {}))  # flags, or a mode word (notify.py)
        action = Action.from_json(fields.required(obj.get("action"), "action"))
        if action.shell:  # (input only: a line stored before this check still loads)
            closed_quotes(action.argv[0], True)
        if action.kwargs:  # input only
            fields.bounded_json(action.kwargs, "kwargs", MAX_JSON_DEPTH, MAX_COMMAND)
        fallback = fields.optional_text(obj.get("fallback"), "fallback")
        if fallback == name:
            raise ValidationError("fallback", f"{name} → {name} would make a cycle (a task "
                                  "cannot be its own fallback)")
        spec = TaskSpec(
            name=name,
            action=action,
            schedule=schedule,
            description=fields.text(obj.get("description", ""), "description", 10_000),
            enabled=fields.boolean(obj.get("enabled", True), "enabled"),
            tags=fields.tags(obj.get("tags", [])),
            timezone=tz.key,  # as the zone names itself: " Europe/Berlin " was kept as typed
            start_at=start,
            end_at=end,
            priority=fields.whole_number(obj.get("priority", 0), "priority",
                                         -MAX_PRIORITY, MAX_PRIORITY),
            retries=fields.whole_number(obj.get("retries", 0), "retries", 0, 100),
            retry_delay=fields.seconds(obj.get("retry_delay", 10.0), "retry_delay",
                                       allow_zero=True),
            backoff=fields.choice(obj.get("backoff", "fixed"), "backoff", BACKOFF_KINDS),
            timeout=fields.optional_seconds(obj.get("timeout"), "timeout"),
            max_instances=fields.whole_number(obj.get("max_instances", 1), "max_instances",
                                              1, 1000),
            overlap=fields.choice(obj.get("overlap", "skip"), "overlap", OVERLAP_POLICIES),
            group=group,
            group_limit=(
                None if obj.get("group_limit") is None
                else fields.whole_number(obj.get("group_limit"), "group_limit", 1, 10_000)
            ),
            catch_up=fields.choice(obj.get("catch_up", "once"), "catch_up", CATCH_UP_POLICIES),
            depends_on=depends_on,
            env=fields.env_vars(obj.get("env", {}), "env", command=action.argv or None),
            secret_env=fields.env_vars(obj.get("secret_env", {}), "secret_env"),
            notify_on_failure=notify["on_failure"],
            notify_on_success=notify["on_success"],
            fallback=fallback,
            dependency_timeout=fields.optional_seconds(obj.get("dependency_timeout"),
                                                       "dependency_timeout"),
            keep_runs=keep.optional(obj.get("keep_runs"), "keep_runs"),
            keep_days=keep.optional(obj.get("keep_days"), "keep_days"),
            runs_on=parse_runs_on(obj.get("runs_on")),
        )
        if spec.group_limit is not None and spec.group is None:
            raise ValidationError("group", "a group limit needs a group name")
        both = sorted(set(spec.env) & set(spec.secret_env))
        if both:  # which value would it run with? Never one dropped unsaid
            raise ValidationError("env", f"{both[0]} is both a plain variable and a secret: "
                                  "keep one")
        return spec

    def with_changes(self, **changes: Any) -> TaskSpec:
        return replace(self, **changes)

    @property
    def timing(self) -> tuple[Any, ...]:
        """What decides when the task fires (its next fire follows from these and its
        anchor): an edit that keeps them keeps the task's stored next fire."""
        return (self.enabled, self.schedule, self.timezone, self.start_at, self.end_at)

    def next_fire_time(self, now: datetime, anchor: datetime) -> datetime | None:
        """When the task fires next after `now` (None: manual, chained, disabled or finished).

        `anchor` (the task's creation) is where intervals count from when no start is set.
        """
        schedule = self.schedule
        if not self.enabled or schedule.kind in ("manual", "after") or schedule.is_startup:
            return None
        times = next_fire_times(self.schedule, parse_timezone(self.timezone), now, 1,
                                self.start_at or anchor, self.end_at)
        return times[0] if times else None


class CycleName(ValidationError):
    """A task that names itself as upstream: the smallest cycle."""

    def __init__(self, name: str, field: str = "depends_on") -> None:
        super().__init__(field, f"would create a dependency cycle {name} → {name}")


def validate_name(value: object) -> str:
    if not isinstance(value, str):
        raise ValidationError("name", "is required" if value is None else "must be text")
    name = value.strip()
    if not name:
        raise ValidationError("name", "must not be empty")
    if len(name) > MAX_NAME:
        raise ValidationError("name", f"is longer than {MAX_NAME} characters")
    fields.visible(name, "name")
    if name.isdecimal():
        raise ValidationError("name", "must not be only digits (those refer to task ids)")
    if "," in name:
        raise ValidationError("name", "must not contain ',' (it separates task lists)")
    return name


def fold(name: str) -> str:
    """A task name as names are compared for uniqueness: without letter case (`shout` and
    `Shout` are one name; app/core/references.py) and in Unicode's compatibility form
    (NFKC_Casefold's way): "Café" typed either way is one, and so are the full-width
    `ｆｕｌｌ` and `full`, or the Ohm sign and the Greek capital omega."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


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

    @property
    def schedule_text(self) -> str:
        """Its schedule in plain words, in its zone ("At 02:00 (Europe/Berlin)")."""
        return describe(self.spec.schedule, self.spec.timezone, start=self.anchor)

    def to_json(self) -> dict[str, Any]:
        data = {"id": self.id, **self.spec.to_json()}
        data["schedule_text"] = self.schedule_text
        data["next_run_at"] = _iso(self.next_run_at)
        data["last_run"] = self.last_run.to_json() if self.last_run is not None else None
        data["created_at"] = _iso(self.created_at)
        data["updated_at"] = _iso(self.updated_at)
        return data
