"""`task add`, `update` and `reschedule` options turned into task JSON (the keys they set)."""

from __future__ import annotations

import argparse
import json
import shlex
from typing import Any

from app.core.errors import ValidationError
from app.core.notify import notify_flags

_TASK_OPTION_KEYS = (
    "command", "python", "shell", "kwargs", "at", "every", "cron", "calendar", "after", "manual",
    "tz", "start", "end", "depends_on", "priority", "retries", "retry_delay", "backoff", "timeout",
    "max_instances", "overlap", "group", "catch_up", "cwd", "env", "secret_env", "fallback",
    "description", "tag", "notify_success", "notify", "name", "enabled", "disabled",
)


def pairs(items: list[str] | None, field: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValidationError(field, f"expected KEY=VALUE, got {item!r}")
        out[key] = value
    return out


def task_changes(args: argparse.Namespace, current: dict[str, Any] | None) -> dict[str, Any]:
    """The task JSON keys that the given options set (for add: a whole task)."""
    from app.core.fields import duration_seconds
    from app.core.schedule import Schedule, parse_timezone, system_timezone_name

    args = argparse.Namespace(**{**dict.fromkeys(_TASK_OPTION_KEYS), **vars(args)})
    out: dict[str, Any] = {}
    action: dict[str, Any] | None = None
    old_action = dict(current["action"]) if current else None
    if args.command is not None:
        if args.shell:
            argv = [args.command]
        else:
            try:
                argv = shlex.split(args.command)
            except ValueError as exc:
                raise ValidationError("command", str(exc)) from None
            if not argv:
                raise ValidationError("command", "is empty")
        action = {"kind": "command", "argv": argv, "shell": bool(args.shell),
                  "line": args.command}  # kept as typed, shown back verbatim
    elif args.python is not None:
        if args.shell:
            raise ValidationError("shell", "goes with --command, not --python")
        action = {"kind": "python", "target": args.python, "kwargs": {}}
    elif old_action is not None and (args.kwargs is not None or args.shell is not None
                                     or args.cwd is not None):
        action = old_action
        if args.shell and action["kind"] == "python":
            raise ValidationError("shell", "goes with --command, not --python")
    if args.kwargs is not None:
        if action is None or action["kind"] != "python":
            raise ValidationError("kwargs", "goes with --python")
        try:
            action["kwargs"] = json.loads(args.kwargs)
        except json.JSONDecodeError as exc:
            raise ValidationError("kwargs", f"not valid JSON: {exc.msg}") from None
        except RecursionError:
            raise ValidationError("kwargs", "is nested too deeply") from None
    if args.cwd is not None and action is not None:
        action["cwd"] = args.cwd
    elif action is not None and old_action is not None and "cwd" not in action:
        action["cwd"] = old_action.get("cwd")
    if action is not None:
        out["action"] = action

    tz_name = args.tz or (current["timezone"] if current else system_timezone_name())
    if args.tz is not None:
        parse_timezone(args.tz, "tz")
        out["timezone"] = args.tz
    tz = parse_timezone(tz_name, "tz")
    schedule: Schedule | None = None
    if args.at is not None:
        schedule = Schedule.parse_at(args.at, tz)
    elif args.every is not None:
        schedule = Schedule.parse_every(args.every)
    elif args.cron is not None:
        schedule = Schedule.parse_cron(args.cron)
    elif args.calendar is not None:
        schedule = Schedule.parse_calendar(args.calendar)
    elif args.after is not None:
        names = tuple(n.strip() for n in args.after.split(",") if n.strip())
        if not names:
            raise ValidationError("after", "name at least one task")
        schedule = Schedule(kind="after", after=names)
    elif args.manual:
        schedule = Schedule(kind="manual")
    if schedule is not None:
        out["schedule"] = schedule.to_json()
    for opt, key in (("start", "start_at"), ("end", "end_at")):
        value = getattr(args, opt)
        if value is not None:
            out[key] = value
    if args.depends_on is not None:
        out["depends_on"] = [n.strip() for d in args.depends_on for n in d.split(",")
                             if n.strip()]
    for key in ("priority", "retries", "backoff", "overlap", "description", "fallback"):
        value = getattr(args, key)
        if value is not None:
            out[key] = value
    if args.max_instances is not None:
        out["max_instances"] = args.max_instances
    if args.catch_up is not None:
        out["catch_up"] = args.catch_up
    if args.retry_delay is not None:
        out["retry_delay"] = duration_seconds(args.retry_delay, "retry-delay")
    if args.timeout is not None:
        out["timeout"] = duration_seconds(args.timeout, "timeout")
    if args.group is not None:
        name, sep, limit = args.group.partition(":")
        out["group"] = name
        if sep:
            try:
                out["group_limit"] = int(limit)
            except ValueError:
                raise ValidationError("group", f"limit must be a whole number: {limit!r}") from None
    if args.env is not None:
        out["env"] = pairs(args.env, "env")
    if args.secret_env is not None:
        out["secret_env"] = pairs(args.secret_env, "secret-env")
    if args.tag is not None:
        out["tags"] = args.tag
    if args.notify_success is not None:
        notify = dict(current["notify"]) if current else {"on_failure": True}
        notify["on_success"] = True
        out["notify"] = notify
    if args.notify is not None:
        out["notify"] = notify_flags(args.notify)
    if args.disabled:
        out["enabled"] = False
    if getattr(args, "enabled", None):
        out["enabled"] = True
    if getattr(args, "name", None) is not None and current is not None:
        out["name"] = args.name
    return out
