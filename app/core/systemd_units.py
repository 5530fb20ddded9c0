"""systemd user timers and their services read into the tasks an import would create.

Each `NAME.timer` with its service (`Unit=`, else `NAME.service`) becomes the task `NAME`:

- `OnCalendar=` becomes a cron schedule when it translates exactly: weekdays (`Mon..Fri`),
  month and day, hour, minute and second, each `*`, a value, a list, a range `A..B` or a
  repetition `A/S`, the shorthands (`daily`, `weekly`, `quarterly`, …) and a trailing time
  zone. A year other than `*`, `~` (days from the month's end), fractional seconds, and
  weekdays together with days of the month (systemd wants both, cron either) do not
  translate, and the unit is skipped, naming why. Several `OnCalendar=` lines in one zone
  become several schedules, the task firing at each, as the timer does;
- `OnUnitActiveSec=`/`OnUnitInactiveSec=` become an interval; `OnBootSec=`/`OnStartupSec=`
  alone run at the first Tickwork engine start after each boot (their delay is not kept);
- `Persistent=true` becomes catch-up "once" (a missed run runs once), otherwise "skip";
- the service's `ExecStart=` (prefixes `-`, `@`, `+`, `!`, `:` stripped; several run one
  after another through /bin/sh; `$VAR` through /bin/sh as well; specifiers `%h`, `%u`,
  `%n`, `%N`, `%p`, `%%` expanded), `Environment=`, `WorkingDirectory=`, and
  `RuntimeMaxSec=` as the timeout.

Every other setting is named as not mapped, per unit. Nothing here reads files: the caller
hands over the units' texts by file name.
"""

from __future__ import annotations

import getpass
import os
import re
import shlex
from collections.abc import Mapping
from typing import Any, Final

from app.core.errors import ValidationError
from app.core.import_plan import ImportPlan, PlannedTask
from app.core.schedule import Schedule, parse_timezone, system_timezone_name
from app.core.schedule.validation import firing

TAG: Final = "systemd"
SHORTHANDS: Final = {
    "minutely": "*-*-* *:*:00", "hourly": "*-*-* *:00:00", "daily": "*-*-* 00:00:00",
    "weekly": "Mon *-*-* 00:00:00", "monthly": "*-*-01 00:00:00",
    "yearly": "*-01-01 00:00:00", "annually": "*-01-01 00:00:00",
    "quarterly": "*-01,04,07,10-01 00:00:00", "semiannually": "*-01,07-01 00:00:00",
}  # fmt: skip
_WEEKDAYS: Final = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7,
                    "monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5,
                    "saturday": 6, "sunday": 7}  # fmt: skip
_SPAN_UNITS: Final = {
    "us": 1e-6, "usec": 1e-6, "ms": 1e-3, "msec": 1e-3, "s": 1, "sec": 1, "second": 1,
    "seconds": 1, "m": 60, "min": 60, "minute": 60, "minutes": 60, "h": 3600, "hr": 3600,
    "hour": 3600, "hours": 3600, "d": 86400, "day": 86400, "days": 86400, "w": 604800,
    "week": 604800, "weeks": 604800, "M": 2629800, "month": 2629800, "months": 2629800,
    "y": 31557600, "year": 31557600, "years": 31557600,
}  # fmt: skip
_SPAN_TERM = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)\s*")
_ITEM = re.compile(r"(\*|[0-9]+)(?:\.\.([0-9]+))?(?:/([0-9]+))?")
# settings that say nothing a task needs to know
_QUIET: Final = {("Unit", "Description"), ("Unit", "Documentation"), ("Timer", "Unit"),
                 ("Service", "Type"), ("Install", "WantedBy")}
_TIMER_KEYS: Final = {"OnCalendar", "OnUnitActiveSec", "OnUnitInactiveSec", "OnBootSec",
                      "OnStartupSec", "Persistent"}
_SERVICE_KEYS: Final = {"ExecStart", "Environment", "WorkingDirectory", "RuntimeMaxSec"}


class NotMapped(Exception):
    """A unit whose schedule or command has no faithful Tickwork form: it is skipped."""


Unit = dict[str, dict[str, list[str]]]  # section -> key -> values in order


def parse_unit(text: str) -> Unit:
    """A unit file's settings: `[Section]`, `Key=value` (repeatable; an empty value clears
    the list, as systemd does), `#`/`;` comments, a trailing backslash continuing a line."""
    unit: Unit = {}
    section: dict[str, list[str]] | None = None
    lines = iter(text.splitlines())
    for raw in lines:
        line = raw.strip()
        while line.endswith("\\"):
            line = line[:-1].rstrip() + " " + next(lines, "").strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = unit.setdefault(line[1:-1], {})
            continue
        key, eq, value = line.partition("=")
        if not eq or section is None:
            continue  # systemd ignores what it cannot read, with a warning
        key, value = key.strip(), value.strip()
        section[key] = [] if not value else [*section.get(key, []), value]
    return unit


def read_timers(units: Mapping[str, str], source: str, *, home: str | None = None,
                user: str | None = None) -> ImportPlan:
    """The tasks the `*.timer` units among `units` (file name -> text) would create; a timer
    that does not map is skipped, and it and every setting left out are named in the plan's
    notes."""
    plan = ImportPlan(source)
    home = home or os.path.expanduser("~")
    user = user if user is not None else _user()
    for file_name in sorted(units):
        if not file_name.endswith(".timer"):
            continue
        timer = parse_unit(units[file_name])
        name = file_name.removesuffix(".timer")
        service_name = _last(timer, "Timer", "Unit") or f"{name}.service"
        stem = service_name.rsplit(".", 1)[0]
        specifiers = {"h": home, "u": user, "U": user, "n": service_name, "N": stem,
                      "p": stem.split("@")[0]}
        remarks: list[str] = []
        try:
            if name.endswith("@"):
                raise NotMapped("a template (its instances are not known here)")
            if service_name not in units:
                raise NotMapped(f"its service {service_name} is not in the folder")
            service = parse_unit(units[service_name])
            data = _task(name, timer, service, specifiers, remarks)
        except (NotMapped, ValidationError) as exc:
            plan.notes.append(f"{file_name} (skipped): {exc}")
            continue
        unmapped = [f"{file_name}: {key}" for key in _unmapped(timer, _TIMER_KEYS)]
        unmapped += [f"{service_name}: {key}" for key in _unmapped(service, _SERVICE_KEYS)]
        plan.tasks.append(PlannedTask(file_name, data, tuple(remarks)))
        plan.notes.extend(unmapped)
    return plan


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def _last(unit: Unit, section: str, key: str) -> str | None:
    values = unit.get(section, {}).get(key)
    return values[-1] if values else None


def _unmapped(unit: Unit, mapped: set[str]) -> list[str]:
    """`Key=value` of every setting that has no Tickwork form (and matters)."""
    return [f"{key}={value}" for section, keys in unit.items() for key, values in keys.items()
            for value in values if key not in mapped and (section, key) not in _QUIET
            and section != "Install"]


def _task(name: str, timer: Unit, service: Unit, specifiers: dict[str, str],
          notes: list[str]) -> dict[str, Any]:
    schedule, zone = _schedule(timer, notes)
    persistent = (_last(timer, "Timer", "Persistent") or "false").lower() in (
        "true", "yes", "1", "on")
    action = _action(service, specifiers, notes)
    env = _environment(service)
    data: dict[str, Any] = {
        "name": name, "tags": [TAG], "action": action, "schedule": schedule,
        "timezone": zone or system_timezone_name(), "env": env,
        "catch_up": "once" if persistent else "skip",
        "description": (_last(service, "Unit", "Description") or _last(timer, "Unit",
                        "Description") or f"imported from {name}.timer"),
    }
    runtime = _last(service, "Service", "RuntimeMaxSec")
    if runtime and runtime != "infinity":
        data["timeout"] = timespan(runtime, "RuntimeMaxSec")
    return data


def _schedule(timer: Unit, notes: list[str]) -> tuple[dict[str, Any], str | None]:
    settings = timer.get("Timer", {})
    calendars = settings.get("OnCalendar", [])
    every = settings.get("OnUnitActiveSec", []) + settings.get("OnUnitInactiveSec", [])
    boot = settings.get("OnBootSec", []) + settings.get("OnStartupSec", [])
    if every and (calendars or len(every) > 1):
        raise NotMapped("it has OnUnitActiveSec= or OnUnitInactiveSec= beside another "
                        "trigger, counted from that one's runs too: no Tickwork schedule "
                        "fires so")
    if calendars:
        if boot:
            notes.append("runs on its calendar only (OnBootSec=/OnStartupSec= left out)")
        return _calendars(calendars)
    if every:
        seconds = timespan(every[0], "OnUnitActiveSec")
        if boot:
            notes.append("the interval counts from the task's creation (OnBootSec= left out)")
        return {"kind": "interval", "seconds": seconds}, None
    if boot:
        if timespan(boot[0], "OnBootSec") > 0:
            notes.append(f"runs at the first Tickwork engine start after each boot, without the "
                         f"{boot[0]} delay")
        return {"kind": "cron", "expr": "@reboot"}, None
    raise NotMapped("it has no OnCalendar=, OnUnitActiveSec= or OnBootSec=")


def _calendars(calendars: list[str]) -> tuple[dict[str, Any], str | None]:
    """A timer's `OnCalendar=` lines as one schedule (a cron, or any of several: it fires
    at each) and their time zone; NotMapped when they name different zones."""
    crons = [calendar_to_cron(text) for text in calendars]
    zones = list(dict.fromkeys(zone or system_timezone_name() for _expr, zone in crons))
    if len(zones) > 1:
        raise NotMapped(f"its OnCalendar= lines are in different time zones ({', '.join(zones)}"
                        "): a task has one")
    once: dict[object, str] = {}  # a line given twice, or two that fire alike: the first
    for expr, _zone in crons:
        once.setdefault(firing(expr), expr)
    parts = [{"kind": "cron", "expr": expr} for expr in once.values()]
    return (parts[0] if len(parts) == 1 else {"kind": "any", "schedules": parts}), crons[0][1]


def timespan(text: str, key: str) -> float:
    """A systemd time span (`90`, `5min`, `1h 30min`, `2d`) in seconds."""
    total, pos = 0.0, 0
    while pos < len(text):
        term = _SPAN_TERM.match(text, pos)
        if term is None or term.end() == pos:
            raise NotMapped(f"{key}={text} is not a time span")
        unit = term.group(2) or "s"
        factor = _SPAN_UNITS.get(unit, _SPAN_UNITS.get(unit.lower()))
        if factor is None:
            raise NotMapped(f"{key}={text}: unknown unit {unit!r}")
        total += float(term.group(1)) * factor
        pos = term.end()
    return total


def calendar_to_cron(text: str) -> tuple[str, str | None]:
    """An `OnCalendar=` expression as a cron expression and its time zone (None: the
    system's); NotMapped naming what cron cannot say."""
    words = text.split()
    zone = None
    if len(words) > 1 or (words and words[0].lower() not in SHORTHANDS):
        last = words[-1]
        weekdays = all(d.lower() in _WEEKDAYS for d in re.split(r",|\.\.", last))
        if re.fullmatch(r"[A-Za-z][\w+\-/]*", last) and not weekdays:
            zone = words.pop()
            parse_timezone(zone, "OnCalendar")
    if len(words) == 1 and words[0].lower() in SHORTHANDS:
        words = SHORTHANDS[words[0].lower()].split()
    days = "*"
    if words and re.match(r"[A-Za-z]", words[0]):
        days = _weekdays(words.pop(0), text)
    date, clock = "*-*-*", "00:00:00"
    for word in words:
        if ":" in word:
            clock = word
        elif "-" in word or word == "*":
            date = word
        else:
            raise NotMapped(f"OnCalendar={text}: cannot read {word!r}")
    if "~" in date:
        raise NotMapped(f"OnCalendar={text}: '~' (days counted from the month's end) has no "
                        "cron form")
    parts = date.split("-")
    if len(parts) == 3:
        year, month, day = parts
        if year != "*":
            raise NotMapped(f"OnCalendar={text}: a year has no cron form")
    elif len(parts) == 2:
        month, day = parts
    else:
        raise NotMapped(f"OnCalendar={text}: cannot read the date {date!r}")
    times = clock.split(":")
    if len(times) == 2:
        times.append("00")
    if len(times) != 3:
        raise NotMapped(f"OnCalendar={text}: cannot read the time {clock!r}")
    hour, minute, second = times
    if "." in second:
        raise NotMapped(f"OnCalendar={text}: fractions of a second have no cron form")
    fields = [_field(v, hi, text) for v, hi in ((minute, 59), (hour, 23), (day, 31),
                                                  (month, 12))]
    if fields[2] != "*" and days != "*":
        raise NotMapped(f"OnCalendar={text}: weekdays together with days of the month (systemd "
                        "wants both to match, cron either)")
    sec = _field(second, 59, text)
    expr = " ".join([*fields, days])
    if sec not in ("0", "00"):
        expr = f"{sec} {expr}"
    Schedule.parse_cron(expr)  # what systemd accepts and cron refuses is refused here
    return expr, zone


def _field(value: str, top: int, text: str) -> str:
    out = []
    for item in value.split(","):
        match = _ITEM.fullmatch(item)
        if match is None:
            raise NotMapped(f"OnCalendar={text}: cannot read {item!r}")
        first, last, step = match.groups()
        first = first if first == "*" else str(int(first))
        if step is None:
            out.append(first if last is None else f"{first}-{int(last)}")
        elif first == "*":
            out.append(f"*/{int(step)}")
        else:
            out.append(f"{first}-{top if last is None else int(last)}/{int(step)}")
    return ",".join(out)


def _weekdays(value: str, text: str) -> str:
    out = []
    for item in value.split(","):
        first, dots, last = item.partition("..")
        try:
            start = _WEEKDAYS[first.lower()]
            out.append(str(start) if not dots else f"{start}-{_WEEKDAYS[last.lower()]}")
        except KeyError:
            raise NotMapped(f"OnCalendar={text}: cannot read the weekday {item!r}") from None
    return ",".join(out)


def _action(service: Unit, specifiers: dict[str, str], notes: list[str]) -> dict[str, Any]:
    lines = service.get("Service", {}).get("ExecStart", [])
    if not lines:
        raise NotMapped("its service has no ExecStart=")
    commands: list[str] = []
    for line in lines:
        prefix = re.match(r"[-@+!:]*", line)
        flags = prefix.group(0) if prefix else ""
        rest = _expand(line[len(flags):].lstrip(), specifiers)
        if "-" in flags:
            notes.append("a failing exit code fails the run (ExecStart=- ignored it)")
        if "@" in flags:  # the second word is argv[0]: a process name Tickwork cannot set
            words = rest.split(None, 2)
            rest = " ".join([words[0], *words[2:]])
        commands.append(rest)
    cwd = _last(service, "Service", "WorkingDirectory")
    if cwd is not None:
        cwd = _expand(cwd.lstrip("-"), specifiers)
        cwd = specifiers["h"] if cwd == "~" else cwd.replace("~/", specifiers["h"] + "/", 1)
    if len(commands) == 1 and "$" not in commands[0]:
        try:
            argv = shlex.split(commands[0])
        except ValueError:
            raise NotMapped(f"ExecStart={commands[0]}: unbalanced quotes") from None
        return {"kind": "command", "argv": argv, "shell": False, "cwd": cwd,
                "line": commands[0]}
    line = " && ".join(commands)
    notes.append("runs through /bin/sh" + (" (several ExecStart= lines)" if len(commands) > 1
                                          else " (to expand $VAR)"))
    return {"kind": "command", "argv": [line], "shell": True, "cwd": cwd, "line": line}


def _expand(text: str, specifiers: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        key = match.group(1)
        if key == "%":
            return "%"
        if key == "U" or key == "u":
            return specifiers["u"]
        if key in specifiers:
            return specifiers[key]
        raise NotMapped(f"the specifier %{key} in {text!r} is not mapped")
    return re.sub(r"%(.)", one, text)


def _environment(service: Unit) -> dict[str, str]:
    env: dict[str, str] = {}
    for line in service.get("Service", {}).get("Environment", []):
        try:
            words = shlex.split(line)
        except ValueError:
            raise NotMapped(f"Environment={line}: unbalanced quotes") from None
        for word in words:
            key, eq, value = word.partition("=")
            if not eq:
                raise NotMapped(f"Environment={line}: {word!r} is not NAME=value")
            env[key] = value
    return env
