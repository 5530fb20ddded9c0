"""`task add`, `update` and `reschedule` options turned into task JSON (the keys they set)."""

from __future__ import annotations

import argparse
import json
import re
import shlex
import sys
from collections.abc import Callable
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.cli.arguments import not_allowed, seconds_arg
from app.cli.output import shown
from app.core import fields
from app.core.commandline import closed_quotes
from app.core.errors import ValidationError
from app.core.keep import parse_text
from app.core.notify import notify_flags
from app.core.placement import parse_runs_on

if TYPE_CHECKING:
    from app.core.schedule import Exclusions, Schedule

_TASK_OPTION_KEYS = (
    "command", "python", "shell", "kwargs", "at", "every", "cron", "calendar", "after", "manual",
    "tz", "start", "end", "depends_on", "priority", "retries", "retry_delay", "backoff", "timeout",
    "dependency_timeout", "max_instances", "overlap", "group", "catch_up", "cwd", "env",
    "secret_env", "fallback", "description", "tag", "untag", "tag_clear", "unset_env",
    "env_clear", "notify_success", "notify", "name", "enabled", "disabled", "exclude",
    "exclude_clear", "when", "keep_runs", "keep_days", "runs_on",
)


def pairs(items: list[str] | None, field: str, form: str = "KEY=VALUE") -> dict[str, str]:
    """`KEY=VALUE` options as a mapping (a later KEY wins); `form` is what the error asks for."""
    out: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValidationError(field, f"expected {form}, got {item!r}")
        out[key] = value
    return out


def task_changes(args: argparse.Namespace, current: dict[str, Any] | None) -> dict[str, Any]:
    """The task JSON keys that the given options set (for add: a whole task)."""
    from app.core.fields import duration_seconds
    from app.core.schedule import parse_timezone, system_timezone_name

    args = argparse.Namespace(**{**dict.fromkeys(_TASK_OPTION_KEYS), **vars(args)})
    out: dict[str, Any] = {}
    action: dict[str, Any] | None = None
    old_action = dict(current["action"]) if current else None
    was = old_action["kind"] if old_action else None
    if args.command is not None:  # through the shell or not as the task was, unless told
        shell = args.shell if args.shell is not None else bool(old_action
                                                                and old_action.get("shell"))
        action = {"kind": "command", "argv": _argv(args.command, shell), "shell": shell,
                  "line": args.command}  # kept as typed, shown back verbatim
        if shell and old_action and old_action.get("shell_program"):  # a crontab's SHELL=
            action["shell_program"] = old_action["shell_program"]
    elif args.python is not None:
        if args.shell:
            raise ValidationError("shell", "goes with --command, not --python")
        kwargs = old_action.get("kwargs", {}) if old_action and was == "python" else {}
        action = {"kind": "python", "target": args.python, "kwargs": kwargs}
    elif old_action is not None and (args.kwargs is not None or args.shell is not None
                                     or args.cwd is not None):
        action = old_action
        if args.shell and action["kind"] == "python":
            raise ValidationError("shell", "goes with --command, not --python")
        if was == "command" and args.shell is not None and args.shell != bool(action.get("shell")):
            from app.core.task import Action

            line = Action.from_json(action).command_line()  # as typed, else re-joined
            action["argv"] = _argv(line, args.shell)  # the line as typed, now (not) via sh
            action["shell"] = args.shell
            if not args.shell:  # no shell, no shell program (it was refused as only for one)
                action.pop("shell_program", None)
    if args.kwargs is not None:
        if action is None or action["kind"] != "python":
            raise ValidationError("kwargs", "goes with --python")
        try:
            action["kwargs"] = fields.json_once(args.kwargs, "kwargs")
        except json.JSONDecodeError as exc:
            raise ValidationError("kwargs", fields.not_json(exc)) from None
        except RecursionError:
            raise ValidationError("kwargs", "is nested too deeply") from None
        except ValueError:  # (after JSONDecodeError, one)
            raise ValidationError("kwargs", fields.long_number()) from None
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
    try:
        tz = parse_timezone(tz_name, "tz")
    except ValidationError:
        if args.tz is not None or not current:
            raise
        raise ValidationError("tz", f"the task's time zone {tz_name!r} is not one this "
                              "machine knows (its time zone data lacks it): give it one "
                              "that is with --tz ZONE") from None
    schedule = schedule_option(args, tz, current)
    if schedule is not None:
        out["schedule"] = schedule.to_json()
    if current and args.tz is not None and args.tz != current["timezone"]:
        try:
            was = parse_timezone(current["timezone"], "tz")
        except ValidationError:  # a zone this machine lacks (tzdata dropped it, a backup
            pass  # from elsewhere): no wall times to keep, its times kept as they are
        else:
            out.update(_same_walls(current, was, tz, out))
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
    if args.retry_delay is not None:  # 0: at once, as the editor and an import may store it
        out["retry_delay"] = seconds_arg("retry-delay", zero=True)(args.retry_delay)
    for key in ("timeout", "dependency_timeout"):  # 'none': no time limit
        value = getattr(args, key)
        if value is not None:
            out[key] = None if value.strip().lower() == "none" \
                else duration_seconds(value, key.replace("_", "-"))
    if args.group is not None and not args.group.strip():  # in no group, so no group limit
        out["group"] = out["group_limit"] = None
    elif args.group is not None:
        name, sep, limit = args.group.partition(":")
        out["group"] = name
        if sep:
            try:
                out["group_limit"] = int(limit)
            except ValueError:
                raise ValidationError("group", f"limit must be a whole number: {limit!r}") from None
    if args.env is not None or args.secret_env is not None or args.unset_env or args.env_clear:
        out["env"], out["secret_env"] = _variables(args, current)
    if args.tag is not None or args.untag or args.tag_clear:
        out["tags"] = _tags(args, current)
    if args.notify_success is not None:  # as its help says: --notify always
        out["notify"] = notify_flags("always")
    for key in ("keep_runs", "keep_days"):  # history retention; 'default' unsets
        if getattr(args, key) is not None:
            out[key] = parse_text(getattr(args, key), key.replace("_", "-"), allow_default=True)
    if args.runs_on is not None:
        out["runs_on"] = parse_runs_on(args.runs_on, "runs-on")
    if args.notify is not None:
        out["notify"] = notify_flags(args.notify)
    if args.disabled:
        out["enabled"] = False
    if getattr(args, "enabled", None):
        out["enabled"] = True
    if getattr(args, "name", None) is not None and current is not None:
        out["name"] = args.name
    return out


def _variables(args: argparse.Namespace, current: dict[str, Any] | None
               ) -> tuple[dict[str, str], dict[str, str]]:
    """The run's variables, plain and secret: the task's (none with ``--env-clear``), less
    each ``--unset-env KEY``, with each ``--env``/``--secret-env`` KEY set. ``--unset-env
    KEY`` beside ``--env KEY`` (``--secret-env KEY``) is refused unless the task's KEY is a
    secret (a plain one): then the two change its kind, else which wins would be an
    accident."""
    keep = current is not None and not args.env_clear
    env: dict[str, str] = dict(current["env"]) if keep and current else {}
    secret: dict[str, str] = dict(current["secret_env"]) if keep and current else {}
    plain = pairs(args.env, "env")
    secrets = pairs(args.secret_env, "secret-env", "KEY=SECRET")
    for option, given, other in (("--env", plain, secret), ("--secret-env", secrets, env)):
        for key in sorted(set(args.unset_env or []) & set(given)):
            if key not in other:
                raise not_allowed("--unset-env", option, f"variable {key!r}")
    unset = set(args.unset_env or [])
    for option, given, other, kind, value in (("secret-env", secrets, env, "plain", "SECRET"),
                                              ("env", plain, secret, "secret", "VALUE")):
        for key in sorted(set(given) & set(other) - unset):  # the task's, of the other kind
            raise ValidationError(option, f"{key} is the task's {kind} variable: "
                                  f"--unset-env {key} --{option} {key}={value} changes its kind")
    for key in args.unset_env or []:
        if key not in env and key not in secret:
            raise ValidationError("unset-env", f"the task sets no variable {key!r}")
        env.pop(key, None)
        secret.pop(key, None)
    return env | plain, secret | secrets  # over the other kind: refused, KEY is both


def _tags(args: argparse.Namespace, current: dict[str, Any] | None) -> list[str]:
    """The task's tags (none with ``--tag-clear``), less each ``--untag``, plus each
    ``--tag`` it lacks."""
    tags = dict.fromkeys([] if current is None or args.tag_clear else current["tags"])
    for tag in args.untag or []:
        if tag.strip() not in tags:
            raise ValidationError("untag", f"the task has no tag {tag!r}")
        del tags[tag.strip()]
    return [*tags, *(t for t in args.tag or [] if t.strip() not in tags)]


def _argv(line: str, shell: bool) -> list[str]:
    """A command line's argument list: the line itself for the shell, else split like one."""
    if shell:
        return [line]
    closed_quotes(line, False)
    argv = shlex.split(line)
    if not argv:
        raise ValidationError("command", "is empty")
    return argv


def schedule_option(args: argparse.Namespace, tz: tzinfo, current: dict[str, Any] | None
                    ) -> Schedule | None:
    """The schedule the when-options give (None: unchanged).

    Timed options (``--at``/``--every``/``--cron``/``--calendar``, each repeatable) make one
    schedule, or several in the order typed. Exclusion dates add to the task's own unless
    ``--exclude-clear``; a new schedule keeps them, and one that takes none (a lone ``--at``,
    ``--after``, ``--manual``) is refused while the task has some, never drops them unsaid.
    """
    from app.core.schedule import NO_EXCLUSIONS, Schedule

    readers = {"at": lambda text: Schedule.parse_at(text, tz), "every": Schedule.parse_every,
               "cron": Schedule.parse_cron, "calendar": Schedule.parse_calendar}
    timed = [readers[dest](value) for dest, value in (args.when or [])]
    if timed and (args.after is not None or args.manual):
        raise ValidationError("schedule", "--after and --manual do not mix with --at, "
                              "--every, --cron or --calendar")
    old = Schedule.from_json(current["schedule"]) if current else None
    kept = NO_EXCLUSIONS if args.exclude_clear or old is None else old.exclude
    added = exclusions_option(args.exclude or [])
    exclude = kept.merged(added)
    if args.after is not None:
        # every --after's names, in the order typed, each once (`--after A,B --after A`)
        names = tuple(dict.fromkeys(n.strip() for item in args.after for n in item.split(",")
                                    if n.strip()))
        if not names:
            raise ValidationError("after", "name at least one task")
        return _kept(lambda ex: Schedule(kind="after", after=names, exclude=ex), kept, added)
    if args.manual:
        return _kept(lambda ex: Schedule(kind="manual", exclude=ex), kept, added)
    if timed:
        return _kept(lambda ex: Schedule.combine(timed, ex), kept, added)
    if args.exclude is None and not args.exclude_clear:
        return None
    if old is None:
        raise ValidationError("exclude", "needs a schedule: give --cron, --every, --at or "
                              "--calendar")
    return Schedule.combine(old.each, exclude) if old.kind not in ("manual", "after") \
        else Schedule(kind=old.kind, after=old.after, exclude=exclude)


def _same_walls(current: dict[str, Any], was: tzinfo, tz: tzinfo, changes: dict[str, Any]
                ) -> dict[str, Any]:
    """A new zone keeps the task's wall times, as the editor does and as a cron keeps its
    own: a one-shot at 09:00 Europe/Berlin runs at 09:00 America/New_York, and its start
    and end keep theirs (those the options do not set; the service reads a naive one in
    the new zone, refusing one the clocks skip there)."""
    from app.core.schedule import Schedule

    def wall(moment: datetime | None) -> str:
        assert moment is not None  # (a date schedule has its time)
        return moment.astimezone(was).replace(tzinfo=None).isoformat()

    out: dict[str, Any] = {
        key: wall(datetime.fromisoformat(current[key])) for key in ("start_at", "end_at")
        if current.get(key) and key not in changes}
    old = Schedule.from_json(current["schedule"])
    if "schedule" not in changes and any(s.kind == "date" for s in old.each):
        out["schedule"] = Schedule.combine([Schedule.parse_at(wall(s.at), tz)
                                            if s.kind == "date" else s for s in old.each],
                                           old.exclude).to_json()
    return out


def _kept(build: Callable[[Exclusions], Schedule], kept: Exclusions, added: Exclusions
          ) -> Schedule:
    """The new schedule with the task's exclusion dates and the added ones; if it takes
    none, the refusal says how to drop the task's."""
    try:
        return build(kept.merged(added))
    except ValidationError as exc:
        if exc.field != "exclude" or not kept or added:
            raise
        raise ValidationError("exclude", f"{exc.reason}, and the task has some: add "
                              "--exclude-clear to drop them") from None


def exclusions_option(items: list[str]) -> Exclusions:
    """``--exclude`` values: dates as typed, or .ics files (what a file's events do not say,
    and the events passed over as no day off, are noted on stderr)."""
    from app.core.schedule import NO_EXCLUSIONS, Exclusions, read_ics_file

    found = NO_EXCLUSIONS
    for item in items:
        text = item.strip()
        if re.fullmatch(r"(R/)?[0-9-]+(/P1Y)?", text):
            found = found.merged(Exclusions.parse([text]))
            continue
        is_file = text.lower().endswith(".ics") or Path(text).is_file()
        ics = read_ics_file(text) if is_file else None
        if ics is None:
            Exclusions.parse([text])  # raises, naming the field and the forms it takes
            continue
        found = found.merged(ics.exclusions)
        if ics.not_read:
            count = len(ics.not_read)
            print(shown(f"exclude: {item}: {count} {'event' if count == 1 else 'events'} not "
                        "read: " + "; ".join(ics.not_read)), file=sys.stderr)
        if ics.passed_over:
            print(shown(f"exclude: {item}: passed over " + "; ".join(ics.passed_over)),
                  file=sys.stderr)
    return found
