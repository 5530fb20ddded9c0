"""Reading JSON-shaped user input one field at a time: each reader returns the value typed,
or raises ValidationError naming the field, so every entry point (CLI, import file, editor)
says the same thing about the same mistake."""

from __future__ import annotations

import json
import math
import os
import re
import sys
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any, Final

from app.core.durations import parse_duration
from app.core.errors import ValidationError
from app.core.schedule.zones import localize, read_iso, representable
from app.core.variables import count, count_from

_ENV_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

WORKERS_VAR: Final = "TICKWORK_WORKERS"
DEFAULT_WORKERS: Final = 8
MOST_WORKERS: Final = 256  # runs of one engine at once; more is a slip of the keyboard


def worker_count(text: str, name: str) -> int:
    """An engine's worker count (`--workers`, $TICKWORK_WORKERS): 1 to MOST_WORKERS."""
    return count(text, name, MOST_WORKERS)


def workers_from(environ: Mapping[str, str]) -> int:
    """The worker count $TICKWORK_WORKERS asks for; the default when it is unset or empty."""
    return count_from(environ, WORKERS_VAR, MOST_WORKERS, DEFAULT_WORKERS)


def duration_seconds(text: str, field_name: str, *, zero: bool = False) -> float:
    """A duration string from the CLI, the editor or an import file, as seconds (with
    `zero`, 0 too: `parse_duration`)."""
    return parse_duration(text, field_name, zero=zero).total_seconds()


def json_once(text: str, name: str) -> Any:
    """JSON text as `json.loads` reads it, but an object that gives a key twice is refused
    naming it, in an import file's words: `--kwargs '{"n": 1, "n": 2}'` kept 2 unsaid."""
    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: set[str] = set()
        for key, _value in items:
            if key in seen:
                raise ValidationError(name, f"gives {key!r} twice (JSON keeps the last one "
                                      "only): keep the one you mean")
            seen.add(key)
        return dict(items)
    return json.loads(text, object_pairs_hook=pairs)


def not_json(exc: json.JSONDecodeError) -> str:
    """Why text is not JSON, where it goes wrong first, as `--kwargs`, the editor and an
    import file say it: `not valid JSON at line 1, column 7: Expecting value`."""
    return f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"


def long_number() -> str:
    """Why JSON text was refused whose whole number is longer than Python reads (json.loads
    raised a bare ValueError: "failed: ValueError: Exceeds the limit (4300 digits) …")."""
    return f"holds a whole number of more than {sys.get_int_max_str_digits():,} digits"


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


def bounded_json(value: object, name: str, depth: int, size: int) -> None:
    """Refuse JSON nested deeper than `depth`, or longer than `size` characters as stored
    (`--kwargs` had no bound: 50 MB of them were kept, loaded by every read of the task and
    sent to a worker at each run, which started 1.9 s late)."""
    if json_depth(value) > depth:
        raise ValidationError(name, f"is nested more than {depth} levels deep")
    length = len(json.dumps(value, ensure_ascii=False))
    if length > size:
        raise ValidationError(name, f"is {length:,} characters of JSON, over {size:,}: give "
                              "the function a file's path and read the data there")


def required(value: object, name: str) -> object:
    """``value``, or ValidationError "is required" for a missing one (a task without its
    action said "must be a JSON object", a command without argv "must be a non-empty list")."""
    if value is None:
        raise ValidationError(name, "is required")
    return value


def mapping(value: object, name: str) -> dict[str, Any]:
    """A JSON object, or ValidationError naming ``name``."""
    if not isinstance(value, dict):
        raise ValidationError(name, "must be a JSON object")
    return value


def only_keys(obj: dict[str, Any], allowed: set[str], name: str) -> None:
    """Refuse a key of ``obj`` outside ``allowed``, naming it as ``name.key``."""
    extra = set(obj) - allowed
    if extra:
        raise ValidationError(f"{name}.{sorted(extra)[0]}", "is not a known field")


def text(value: object, name: str, limit: int) -> str:
    """Text of at most ``limit`` characters."""
    if not isinstance(value, str):
        raise ValidationError(name, "must be text")
    if len(value) > limit:
        raise ValidationError(name, f"is longer than {limit:,} characters")
    return value


def optional_text(value: object, name: str) -> str | None:
    """Text of at most 4096 characters; None for a missing or empty value."""
    if value is None or value == "":
        return None
    return text(value, name, 4096)


def boolean(value: object, name: str) -> bool:
    """true or false, nothing that merely looks like it."""
    if not isinstance(value, bool):
        raise ValidationError(name, "must be true or false")
    return value


def whole_number(value: object, name: str, low: int, high: int) -> int:
    """An int (not a bool) from ``low`` to ``high``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(name, "must be a whole number")
    if not low <= value <= high:
        raise ValidationError(name, f"must be between {low} and {high}")
    return value


def choice(value: object, name: str, choices: tuple[str, ...]) -> str:
    """One of ``choices``."""
    if value not in choices:
        raise ValidationError(name, f"must be one of {', '.join(choices)}")
    return str(value)


def seconds(value: object, name: str, *, allow_zero: bool = False) -> float:
    """A duration as seconds: a number, or text such as ``1h30m`` (``0s`` too where a
    number 0 is taken); at most ten years."""
    if isinstance(value, str):  # (an import's "0s" was refused while 0 and --retry-delay 0s
        return duration_seconds(value, name, zero=allow_zero)  # were taken)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(name, "must be a duration")
    if allow_zero and value < 0:  # (as its text, "-1s", is said)
        raise ValidationError(name, f"must not be negative, got {value!r}")
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero) or (
            value > 10 * 366 * 86400):
        raise ValidationError(name, "must be a positive duration of at most 10 years")
    return float(value)


def optional_seconds(value: object, name: str) -> float | None:
    """``seconds``, or None for a missing value."""
    return None if value is None else seconds(value, name)


def optional_time(value: object, name: str, tz: tzinfo) -> datetime | None:
    """An ISO 8601 date-time; a naive one is wall time in ``tz`` (one the clocks skip is
    refused, as `--at`'s is; a repeated one is its first occurrence); None when missing."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValidationError(name, "must be an ISO 8601 date-time")
    parsed = read_iso(value, name)
    return representable(parsed if parsed.tzinfo else localize(parsed, tz, name), name)


# Unicode categories a name may not contain: controls, format characters (bidirectional
# overrides such as U+202E, zero-width joiners), lone surrogates and line/paragraph separators:
# each makes a name that reads differently from what it is.
_INVISIBLE: Final = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
# format characters an emoji is made of (joiners, a flag's tag letters): fine in a tag
_EMOJI_PARTS: Final = frozenset({0x200C, 0x200D, *range(0xE0020, 0xE0080)})


def visible(text: str, name: str, *, emoji: bool = False) -> str:
    """Text a person reads as it is: no control or format characters (with `emoji`, the
    joiners and tag letters emoji sequences use are allowed; bidirectional controls never)."""
    bad = next((c for c in text if unicodedata.category(c) in _INVISIBLE
                and not (emoji and ord(c) in _EMOJI_PARTS)), None)
    if bad is not None:
        found = " ".join(filter(None, (f"U+{ord(bad):04X}", unicodedata.name(bad, ""))))
        raise ValidationError(name, f"must not contain control or format characters "
                              f"(found {found})")
    return text


def names(value: object, name: str) -> tuple[str, ...]:
    """A list of names, stripped, without empties, invisible characters or repeats (first
    one kept; a dict keeps them in order: a list's `in` made 100,000 tags take 78 s)."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(name, "must be a list of names")
    out: dict[str, None] = {}
    for item in value:
        item = item.strip()
        if not item:
            raise ValidationError(name, "contains an empty name")
        if item not in out:
            out[visible(item, name, emoji=True)] = None
    return tuple(out)


MOST_TAGS: Final = 1_000  # a task's; more is a script gone wrong, not a way to sort tasks
MOST_TAG: Final = 100  # characters: a word or two to sort by (Airflow's bound too)


def tags(value: object) -> tuple[str, ...]:
    """A task's tags: at most `MOST_TAGS` names of at most `MOST_TAG` characters, none
    holding a comma — the window lists them comma-separated, so "a,b" would come back from
    the editor as two tags (tasks stored before keep theirs)."""
    found = names(value, "tags")
    if len(found) > MOST_TAGS:
        raise ValidationError("tags", f"{len(found):,} different tags; a task has at "
                              f"most {MOST_TAGS:,}")
    for tag in found:
        if len(tag) > MOST_TAG:
            raise ValidationError("tags", f"{tag[:20]!r}… is longer than {MOST_TAG} "
                                  "characters")
        if "," in tag:
            raise ValidationError("tags", f"{tag!r}: a tag cannot hold a comma (the window "
                                  "separates tags with commas); give each tag on its own")
    return found


# Linux starts a program with no variable longer than this, "NAME=value" and its closing NUL
# together (MAX_ARG_STRLEN, 32 pages); nor with more than this of variables and arguments
# together, however large the stack limit (3/4 of _STK_LIM), and with a quarter of the stack
# limit where that is less (ARG_MAX: 2 MiB for the usual 8 MiB stack). Past either, every run
# of a command fails "Argument list too long". (A Python action gets its variables in
# `context.env`, not its process environment: no such limit.)
MOST_VARIABLE: Final = 131_072
MOST_ARGUMENTS: Final = 6 << 20
# A command starts with more than its task's variables: the engine's own environment (taken
# as this process's: the same one where the window runs the engine, the shell's for the CLI)
# and the variables Tickwork sets on every run (TICKWORK_TASK, the checkpoint file's path, …),
# for which this much is kept.
RUN_ROOM: Final = 8_192


@dataclass(frozen=True, slots=True)
class Oversize:
    """What Linux could never start a command with (`oversize`): one argument (`index`) or
    variable (`key`) over `MOST_VARIABLE` (`size`: its bytes with its NUL), or all together
    (`size`) over `most` less the `besides` every run gets."""

    size: int
    index: int | None = None
    key: str | None = None
    most: int = 0
    besides: int = 0

    @property
    def words(self) -> str:
        """Why, from the size on: "131,073 bytes, over Linux's … every run would fail …"."""
        if self.index is not None or self.key is not None:
            what = "argument" if self.key is None else "variable"
            over = f", over Linux's {MOST_VARIABLE:,} for one {what} (MAX_ARG_STRLEN)"
        else:
            over = (f" together, more than Linux starts a command with here ({self.most:,} "
                    f"bytes, ARG_MAX) less the {self.besides:,} of the environment every run "
                    "gets besides")
        return f"{self.size:,} bytes{over}; every run would fail “Argument list too long”"


def oversize(env: Mapping[str, str], argv: tuple[str, ...]) -> Oversize | None:
    """The first reason Linux could never start `argv` with these variables (each at most
    `MOST_VARIABLE`, all together, with the environment every run gets besides (`RUN_ROOM`),
    at most `MOST_ARGUMENTS` or this machine's ARG_MAX if less), or None."""
    total = 0
    for i, arg in enumerate(argv):
        size = _bytes(arg) + 1
        if size > MOST_VARIABLE:
            return Oversize(size, index=i)
        total += size + 8  # and its pointer
    for key, val in env.items():
        size = _bytes(f"{key}={val}") + 1
        if size > MOST_VARIABLE:
            return Oversize(size, key=key)
        total += size + 8
    try:
        machine = os.sysconf("SC_ARG_MAX")
    except (ValueError, OSError):
        machine = -1
    most = min(machine, MOST_ARGUMENTS) if machine > 0 else MOST_ARGUMENTS
    besides = RUN_ROOM + sum(_bytes(f"{key}={val}") + 1 + 8
                             for key, val in os.environ.items() if key not in env)
    return Oversize(total, most=most, besides=besides) if total > most - besides else None


def _started_with(env: dict[str, str], name: str, argv: tuple[str, ...]) -> None:
    """Refuse a command Linux could never start with these variables and arguments
    (`oversize`): input only, a stored task keeps loading and is named when next edited."""
    found = oversize(env, argv)
    if found is None:
        return
    if found.index is not None:
        what = "its line" if len(argv) == 1 else f"argument {found.index + 1}"
        raise ValidationError("command", f"is too large to run: {what} is {found.words}")
    if found.key is not None:
        raise ValidationError(name, f"{found.key} is too large to run a command with: "
                              f"{found.key}=… is {found.words}")
    what = "its variables and arguments are" if env else "its arguments are"
    raise ValidationError(name if env else "command",
                          f"{what} too large to run a command with: {found.words}")


def _bytes(text: str) -> int:
    """How many bytes `text` is to the OS (os.fsencode's, any lone surrogate counted)."""
    try:
        return len(text.encode("utf-8", "surrogateescape"))
    except UnicodeEncodeError:
        return len(text.encode("utf-8", "surrogatepass"))


def env_vars(value: object, name: str, *,
             command: tuple[str, ...] | None = None) -> dict[str, str]:
    """Environment variables: valid names mapped to text without NUL; for a `command` (its
    arguments), none too large to start it with, nor it with them (`_started_with`)."""
    from app.core.run_env import RUN_VARIABLES

    obj = mapping(value, name)
    out: dict[str, str] = {}
    for typed, val in obj.items():
        # a name around which space or a newline was typed ("K\n" from a script, stored by
        # an older version) is the name: as stored before, it never reached the run
        key = typed.strip() if isinstance(typed, str) else typed
        if not _ENV_KEY.fullmatch(key):
            raise ValidationError(name, f"not a valid variable name: {typed!r}")
        if key in out:
            raise ValidationError(name, f"{key} is set twice")
        if key in RUN_VARIABLES:  # it was taken, then silently set over at every run
            raise ValidationError(name, f"{key} is set by Tickwork for every run; a task "
                                  "cannot set it")
        if not isinstance(val, str) or "\x00" in val:
            raise ValidationError(name, f"value of {key} must be text")
        out[key] = val
    if command is not None:
        _started_with(out, name, command)
    return out
