"""A Vixie/cronie user crontab read into the tasks an import would create (`ImportPlan`).

What maps, line by line, as cron reads it:

- blank lines and `#` comments are skipped;
- `NAME=value` (spaces around `=` allowed, the value optionally in single or double quotes)
  applies to the lines below it: `CRON_TZ`/`TZ` become the task's time zone (`TZ` is also
  passed to the command, as cron does), `SHELL` the shell program the command runs with,
  `MAILTO`/`MAILFROM` are not mapped (Tickwork sends no mail; a failed run is a desktop
  notification), cronie's `RANDOM_DELAY` and `CONTENT_TYPE`/`CONTENT_TRANSFER_ENCODING` are
  not mapped either; every other variable (`PATH`, …) goes into the task's environment;
- five time fields (names such as `jan`, `mon`, ranges, steps, lists, `*`) become a cron
  schedule, which keeps Vixie's rule that with both day fields restricted either one matches;
  `@yearly`/`@annually`/`@monthly`/`@weekly`/`@daily`/`@midnight`/`@hourly` likewise, and
  `@reboot` runs at the first Tickwork engine start after each boot (once per boot, as in cron);
- the command runs through the shell, as cron runs it; `\\%` is a literal `%`, the first
  unescaped `%` ends the command and the rest is its standard input, each further `%` a
  newline (cron's `do_command.c`, byte for byte, with its trailing newline).

Cron never runs a job it missed, so imported tasks have catch-up "skip". A task's name comes
from the comment right above its line, else from its command (`cron_names`), the same each
time, so importing a crontab twice is refused (the names exist).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from app.core.cron_names import command_name, comment_name, unique_names
from app.core.errors import ValidationError
from app.core.import_plan import ImportPlan, PlannedTask
from app.core.schedule import Schedule, parse_timezone, system_timezone_name

_ENV_LINE = re.compile(r"""\s*(?:"([^"]*)"|'([^']*)'|([^\s="']+))\s*=\s*(.*)""")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MACROS: Final = ("@reboot", "@yearly", "@annually", "@monthly", "@weekly", "@daily",
                  "@midnight", "@hourly")
NOT_MAPPED: Final = {
    "MAILTO": "Tickwork sends no mail; a failed run is shown as a desktop notification",
    "MAILFROM": "Tickwork sends no mail",
    "CONTENT_TYPE": "Tickwork sends no mail",
    "CONTENT_TRANSFER_ENCODING": "Tickwork sends no mail",
    "RANDOM_DELAY": "Tickwork starts tasks on time, without a random delay",
}
TAG: Final = "crontab"


@dataclass(frozen=True, slots=True)
class _Entry:
    """One cron entry with the environment lines above it."""

    number: int
    raw: str
    expr: str
    command: str
    stdin: str | None
    env: dict[str, str]
    zone: str
    shell: str | None
    comment: str | None  # the comment on the line right above, if it is one


def read_crontab(text: str, source: str = "crontab") -> ImportPlan:
    """The tasks a crontab's text would create, or ValidationError naming the line."""
    plan = ImportPlan(source)
    env: dict[str, str] = {}
    zone = system_timezone_name()
    shell: str | None = None
    entries: list[_Entry] = []
    above: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        comment, above = above, None
        if line.startswith("#") and not _commented_out(line):
            above = line
        if not line or line.startswith("#"):
            continue
        where = f"line {number}"
        assignment = env_line(line)
        if assignment is None:
            if line.startswith("-"):  # cronie: do not log this job to syslog
                line = line[1:]
                plan.notes.append(f"{where}: '-' (no syslog entry) has no meaning in Tickwork")
            expr, rest = _split_entry(line, where)
            command, stdin = split_percent(rest)
            if not command.strip():
                raise ValidationError(where, "has a schedule but no command")
            column = _user_column(command)
            if column is not None:
                plan.notes.append(f"{where}: {column!r} reads as the user column of a system "
                                  "crontab (/etc/crontab, /etc/cron.d), which this does not "
                                  "read (a user's crontab, `crontab -l`, has none): the "
                                  f"command is taken as {command.strip()!r}")
            entries.append(_Entry(number, raw, expr, command.strip(), stdin, dict(env), zone,
                                  shell, comment))
            continue
        name, value = assignment
        if name in ("CRON_TZ", "TZ"):
            parse_timezone(value, f"{where}: {name}")
            zone = value
            if name == "TZ":
                env[name] = value
        elif name == "SHELL":
            if not value.startswith("/"):
                raise ValidationError(where, f"SHELL must be an absolute path, got {value!r}")
            shell = None if value == "/bin/sh" else value
        elif name in NOT_MAPPED:
            plan.notes.append(f"{where}: {name}={value} ({NOT_MAPPED[name]})")
        elif not _ENV_NAME.fullmatch(name):
            raise ValidationError(where, f"{name!r} is not a variable name Tickwork can set "
                                  "(letters, digits and _)")
        else:
            env[name] = value
    names = unique_names([(comment_name(e.comment) if e.comment else None)
                          or command_name(e.command) for e in entries],
                         [e.expr for e in entries])
    plan.tasks.extend(_planned(e, name) for e, name in zip(entries, names, strict=True))
    return plan


def _user_column(command: str) -> str | None:
    """The first word of a command when it is a user of this machine and no program on the
    PATH (`root /bin/true`): a system crontab's user column, read as the command."""
    import shutil

    from app.platform.users import is_user

    words = command.split(maxsplit=1)
    if len(words) == 2 and shutil.which(words[0]) is None and is_user(words[0]):
        return words[0]
    return None


def _commented_out(line: str) -> bool:
    """A comment that is a job or a variable taken out of service, which names nothing."""
    text = line.lstrip("#").strip()
    if env_line(text) is not None:
        return True
    try:
        _split_entry(text.lstrip("-"), "")
    except ValidationError:
        return False
    return True


def env_line(line: str) -> tuple[str, str] | None:
    """`(name, value)` when the line sets a variable (cron's `load_env`), else None."""
    match = _ENV_LINE.fullmatch(line)
    if match is None:
        return None
    name = next(g for g in match.groups()[:3] if g is not None)
    value = match.group(4).strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1]
    return name, value


def split_percent(command: str) -> tuple[str, str | None]:
    """Cron's `%` rule: the command and the text it reads on stdin (None: no `%`).

    In the command, `\\%` is a literal `%` and other backslashes stay; the first unescaped `%`
    ends it. In the rest, `\\%` is a `%`, an unescaped `%` a newline, and text that does
    not end with a newline gets one."""
    out: list[str] = []
    escaped = False
    for i, ch in enumerate(command):
        if escaped:
            if ch == "%":
                out[-1] = "%"  # the backslash becomes the percent sign
            else:
                out.append(ch)
            escaped = False
        elif ch == "\\":
            out.append(ch)
            escaped = True
        elif ch == "%":
            return "".join(out), _stdin(command[i + 1:])
        else:
            out.append(ch)
    return "".join(out), None


def _stdin(data: str) -> str:
    out: list[str] = []
    escaped = need_newline = False
    for ch in data:
        if escaped:
            if ch != "%":
                out.append("\\")
        elif ch == "%":
            ch = "\n"
        escaped = ch == "\\"
        if not escaped:
            out.append(ch)
        need_newline = ch != "\n"
    if escaped:
        out.append("\\")
    if need_newline:
        out.append("\n")
    return "".join(out)


def join_percent(command: str, stdin: str | None) -> str:
    """The crontab text for a command and its stdin: `split_percent`'s inverse.

    Raises ValueError for what cron cannot say: a line break in the command, an odd number
    of backslashes before a `%` in it (cron pairs them), stdin that does not end with a
    line break (cron adds one) or has a backslash before any line break but that last one."""
    if "\n" in command:
        raise ValueError("a crontab command is one line")
    if any(len(run) % 2 for run in re.findall(r"(\\+)%", command)):
        raise ValueError("cron cannot put an odd number of backslashes before a % in a command")
    text = command.replace("%", "\\%")
    if stdin is None:
        return text
    if (len(command) - len(command.rstrip("\\"))) % 2:
        raise ValueError("cron would read the % after a backslash as a literal %")
    if stdin and not stdin.endswith("\n"):
        raise ValueError("cron ends the standard input with a line break")
    body = stdin[:-1] if stdin[:-1] and not stdin[:-1].endswith("\n") else stdin
    if "\\\n" in body:
        raise ValueError("cron cannot put a backslash before a line break in standard input")
    return text + "%" + body.replace("%", "\\%").replace("\n", "%")


def _split_entry(line: str, where: str) -> tuple[str, str]:
    """A cron entry's schedule (checked) and its command text."""
    if line.startswith("@"):
        first = line.split(None, 1)
        macro, command = first[0], first[1] if len(first) > 1 else ""
        if macro.lower() not in _MACROS:
            raise ValidationError(where, f"unknown macro {macro!r} (use one of "
                                  f"{', '.join(_MACROS)})")
        expr = macro.lower()
    else:
        parts = line.split(None, 5)
        if len(parts) < 6:
            raise ValidationError(where, "is neither NAME=value nor five time fields and a "
                                  "command")
        expr, command = " ".join(parts[:5]), parts[5]
    try:
        Schedule.parse_cron(expr)
    except ValidationError as exc:
        raise ValidationError(where, f"{exc.field}: {exc.reason}") from None
    return expr, command.lstrip()


def _planned(entry: _Entry, name: str) -> PlannedTask:
    action: dict[str, Any] = {"kind": "command", "argv": [entry.command], "shell": True,
                              "cwd": None, "line": entry.command}
    notes: list[str] = []
    if entry.shell is not None:
        action["shell_program"] = entry.shell
    if entry.stdin is not None:
        action["stdin"] = entry.stdin
    if entry.expr == "@reboot":
        notes.append("runs at the first Tickwork engine start after each boot")
    data = {"name": name, "tags": [TAG], "action": action,
            "description": f"imported from crontab line {entry.number}: {_shortened(entry.raw)}",
            "schedule": {"kind": "cron", "expr": entry.expr}, "timezone": entry.zone,
            "env": entry.env, "catch_up": "skip"}
    return PlannedTask(f"line {entry.number}", data, tuple(notes))


def _shortened(line: str, limit: int = 500) -> str:
    line = line.strip()
    return line if len(line) <= limit else line[:limit - 1] + "…"
