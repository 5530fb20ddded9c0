"""A command line as a person typed it: kept only if it says what runs, and read for shell
syntax that needs the shell.

No Qt, no store: `Action.from_json` checks a stored line with `typed_line`, and the editor
uses `shell_syntax` to say, as you type, that a line needs the shell.
"""

from __future__ import annotations

import shlex
from typing import Any, Final

from app.core.errors import ValidationError

MAX_STDIN = 1_000_000

_SHELL_WORDS: Final = frozenset({"for", "while", "until", "if", "case", "function"})
_SHELL_OPERATORS: Final = ("&&", "||", ";", "|", ">", "<", "`", "$(", "$")


def shell_syntax(line: str) -> str | None:
    """The first piece of shell syntax in a command line, or None.

    Run without the shell, `;`, `|`, `>`, `<`, `&&`, `$VAR`, backticks or `for … do` are
    passed to the program as literal text, which is rarely what the person meant. Quoted
    text is skipped as the shell would (`$` still counts inside double quotes), and so is a
    backslash-escaped character (`find … -exec rm {} \\;` is fine without the shell). A lone
    `&` is not reported: in a URL's query string it is meant literally, and works so.
    """
    words = line.split()
    if words and words[0] in _SHELL_WORDS:
        return words[0]
    quote = ""
    i = 0
    while i < len(line):
        ch = line[i]
        if quote == "'":
            if ch == "'":
                quote = ""
        elif ch == "\\":
            i += 1
        elif quote == '"':
            if ch == '"':
                quote = ""
            elif ch in "$`":
                return ch
        elif ch in "'\"":
            quote = ch
        else:
            for op in _SHELL_OPERATORS:
                if line.startswith(op, i):
                    return op
        i += 1
    return None


def typed_line(value: object, argv: list[str], shell: bool) -> str | None:
    """The typed line of a command action, which must say what the arguments say: a line
    that shows one thing while another runs would deceive whoever reads it."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError("command", "line must be a string")
    if shell:
        matches = value == argv[0]
    else:
        try:
            matches = shlex.split(value) == argv
        except ValueError:
            matches = False
    if not matches:
        raise ValidationError("command", "line does not match argv (the arguments it is "
                              "split into)")
    return value


def shell_program(value: object, shell: bool) -> str | None:
    """The shell a shell command runs with (cron's SHELL): an absolute path, or None for
    /bin/sh."""
    if value is None:
        return None
    if not shell:
        raise ValidationError("shell_program", "is only for commands run through the shell")
    if not isinstance(value, str) or not value.startswith("/") or "\x00" in value:
        raise ValidationError("shell_program", f"must be an absolute path, got {value!r}")
    return value


def command_stdin(value: object) -> str | None:
    """The text a command reads on its standard input (cron's `%` lines), or None."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError("stdin", "must be text")
    if len(value) > MAX_STDIN:
        raise ValidationError("stdin", f"is longer than {MAX_STDIN:,} characters")
    return value


def keep_extras(old_action: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Task changes whose command action does not mention its stdin or shell program keep
    the old ones: an editor form or a `--command` option that does not show them must not
    drop them. The shell program stays only while the command runs through the shell; an
    explicit null removes either."""
    new = changes.get("action")
    if not isinstance(new, dict) or old_action.get("kind") != "command" or new.get(
            "kind") != "command":
        return changes
    kept = {key: old_action[key] for key in ("stdin", "shell_program")
            if key in old_action and key not in new
            and (key == "stdin" or new.get("shell") is True)}
    return {**changes, "action": {**new, **kept}} if kept else changes
