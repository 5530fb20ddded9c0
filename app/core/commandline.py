"""A command line as a person typed it: kept only if it says what runs, its quotes closed,
and read for shell syntax that needs the shell.

No Qt, no store: `Action.from_json` checks a stored line with `typed_line`, `TaskSpec.from_json`
(every door: CLI, editor, imports) refuses a line with a quote left open (`closed_quotes`),
and the editor uses `shell_syntax` to say, as you type, that a line needs the shell.
"""

from __future__ import annotations

import os
import re
import shlex
from typing import Any, Final

from app.core.errors import ValidationError

MAX_STDIN = 1_000_000

_SHELL_WORDS: Final = frozenset({"for", "while", "until", "if", "case", "function"})
_SHELL_OPERATORS: Final = ("&&", "||", ";", "|", ">", "<", "`", "$(", "$")


def shell_syntax(line: str) -> str | None:
    """The first piece of shell syntax in a command line, or None.

    Run without the shell, `;`, `|`, `>`, `<`, `&&`, `$VAR`, backticks, `for … do`, a `*`
    glob or a leading `~` are passed to the program as literal text, which is rarely what the
    person meant. Quoted text is skipped as the shell would (`$` still counts inside double
    quotes), and so is a backslash-escaped character (`find … -exec rm {} \\;` is fine
    without the shell). A lone `&` is not reported: in a URL's query string it is meant
    literally, and works so.
    """
    words = line.split()
    if words and words[0] in _SHELL_WORDS:
        return words[0]
    if _runs_a_shell_script(words):
        return None  # `sh -c "… $VAR …"`: the words go to a shell, which reads them so
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
        elif (ch == "*" and _a_glob(line, i)) or (ch == "~" and (i == 0 or line[i - 1] in " \t")):
            return ch  # a glob or a home folder: only the shell expands them (`ls *.py`)
        else:
            for op in _SHELL_OPERATORS:
                if line.startswith(op, i):
                    return op
        i += 1
    return None


_SHELLS: Final = frozenset({"sh", "bash", "dash", "zsh", "ksh", "mksh", "fish", "busybox"})


def _runs_a_shell_script(words: list[str]) -> bool:
    """The program is a shell given its script with -c (`sh -c`, `bash -lc`): its words'
    shell syntax is for that shell (a fault hunt found the note said of them)."""
    if not words or os.path.basename(words[0]) not in _SHELLS:
        return False
    for word in words[1:]:
        if not word.startswith("-"):
            return False
        if "c" in word[1:] and not word.startswith("--"):
            return True
    return False


_PATTERN_OPTIONS: Final = frozenset({"-name", "-iname", "-path", "-ipath", "-wholename",
                                      "-regex", "-iregex", "-lname", "-ilname"})


def _a_glob(line: str, i: int) -> bool:
    """Whether the `*` at `i` is meant for the shell to expand: not in an option or its value
    (`--include=*.py`, `--exclude=*.log`), nor a pattern find matches itself (`find . -name
    *.py` works as meant without the shell, and would break with it)."""
    start = max(line.rfind(" ", 0, i), line.rfind("\t", 0, i)) + 1
    word = line[start:].split(None, 1)[0]
    before = line[:start].split()
    return not (word.startswith("-") or "=" in word
                or (before and before[-1] in _PATTERN_OPTIONS))


_QUOTES: Final = {"'": "'", '"': '"', "`": "`", "$'": "'"}
_WORD_BREAK: Final = frozenset(" \t\n;&|()<>")


def unclosed_quote(line: str, shell: bool) -> tuple[str, int] | None:
    """The quote left open in `line` (the quote and its 0-based index; the innermost when
    several are), or None when every quote closes.

    Without the shell, `shlex.split`'s rules: `'` and `"`, `\\` escaping outside single quotes;
    a line ending in a lone `\\` is reported as ("\\", index). With the shell, as sh and bash
    read it: also backticks, quotes inside `$(…)` and `${…}` counted afresh
    (`"$(echo 'a"b')"` is closed), `#` comments and `case` patterns skipped. Where the shells
    differ, the line is refused only when both would refuse it: bash's `$'…'` is read both
    ways (dash takes it as `$` and `'…'`), text in backticks only up to the next backtick
    (bash), and a line with a here-document (`<<`) is not judged. An unclosed `$(`, `${` or
    `(` is not reported either: only quotes.
    """
    if not shell:
        return _scan(line, shell=False, ansi_c=False)
    found = _scan(line, shell=True, ansi_c=True)
    return None if found is None else _scan(line, shell=True, ansi_c=False) and found


def _scan(line: str, *, shell: bool, ansi_c: bool) -> tuple[str, int] | None:
    # the open contexts, innermost last: [opener, index, open parentheses, open `case`s]
    stack: list[list[Any]] = [["", -1, 0, 0]]
    i, n = 0, len(line)
    while i < n:
        top = stack[-1]
        kind, ch = top[0], line[i]
        if kind == "'":
            if ch == "'":
                stack.pop()
        elif ch == "\\":
            if i + 1 >= n and not shell and kind == "":
                return "\\", i
            i += 1
        elif kind in ('"', "$'", "`"):
            if ch == _QUOTES[kind]:
                stack.pop()
            elif shell and kind == '"':
                i = _open_nested(line, i, stack)
        elif not shell:
            if ch in "'\"":
                stack.append([ch, i, 0, 0])
        else:  # a command: the whole line, or inside $( ), ( ) or ${ }
            i = _command_char(line, i, stack, ansi_c)
            if i < 0:
                return None  # a here-document: not judged
        i += 1
    open_quotes = [c for c in stack if c[0] in _QUOTES]
    return (open_quotes[-1][0], open_quotes[-1][1]) if open_quotes else None


def _open_nested(line: str, i: int, stack: list[list[Any]]) -> int:
    """At `$(`, `${` or a backtick: open it; returns the index of its last character."""
    if line.startswith("$(", i) or line.startswith("${", i):
        stack.append([line[i:i + 2], i, 0, 0])
        return i + 1
    if line[i] == "`":
        stack.append(["`", i, 0, 0])
    return i


def _command_char(line: str, i: int, stack: list[list[Any]], ansi_c: bool) -> int:
    """One character of shell command text; returns the index of the last one consumed,
    or -1 at a here-document."""
    top = stack[-1]
    kind, ch = top[0], line[i]
    word_start = i == 0 or line[i - 1] in _WORD_BREAK
    if ansi_c and line.startswith("$'", i):
        stack.append(["$'", i, 0, 0])
        return i + 1
    if ch == "'" and kind == "${" and any(c[0] == '"' for c in stack):
        return i  # '…' inside "${…}" is literal text to bash
    if ch in "'\"":
        stack.append([ch, i, 0, 0])
    elif ch in "$`":
        return _open_nested(line, i, stack)
    elif ch == "}" and kind == "${":
        stack.pop()
    elif ch == "(":
        top[2] += 1
    elif ch == ")":
        if top[2]:
            top[2] -= 1
        elif kind == "$(" and not top[3]:
            stack.pop()
    elif ch == "#" and word_start:
        end = line.find("\n", i)  # a comment: up to the end of its line
        return len(line) - 1 if end < 0 else end - 1
    elif word_start and re.match(r"case\s", line[i:i + 5]):
        top[3] += 1
    elif word_start and top[3] and re.match(r"esac\b", line[i:i + 5]):
        top[3] -= 1
    elif line.startswith("<<", i) and not line.startswith("<<<", i):
        return -1
    return i


def closed_quotes(line: str, shell: bool) -> None:
    """Refuse (ValidationError on `command`) a line with a quote left open: what runs would
    not be what the line seems to say, or the shell would not run it at all."""
    found = unclosed_quote(line, shell)
    if found is None or (shell and _shells_accept(line)):
        return
    quote, index = found
    if quote == "\\":
        raise ValidationError("command", f"ends with a lone \\ at character {index + 1} "
                              "(it escapes nothing: write \\\\ for a backslash)")
    raise ValidationError("command", f"the quote {quote} at character {index + 1} is never "
                          f"closed (add the closing {_QUOTES[quote]})")


def _shells_accept(line: str) -> bool:
    """Does a shell here read the line without a syntax error (`sh -n`, and `bash -n` where
    bash is)? The scanner above reads quotes as sh and bash do, but not every corner of
    their grammar (`"$(echo case closed)"` read as an open `case`): the shells' own word
    wins before a line is refused. No shell to ask: the scanner's word stands."""
    import shutil
    import subprocess

    shells = [s for s in ("sh", "bash") if shutil.which(s)]
    if not shells:
        return False
    try:
        return all(subprocess.run([s, "-n", "-c", line], capture_output=True, timeout=5,
                                  stdin=subprocess.DEVNULL).returncode == 0 for s in shells)
    except (OSError, subprocess.SubprocessError):
        return False


def typed_line(value: object, argv: list[str], shell: bool) -> str | None:
    """The typed line of a command action, which must say what the arguments say: a line
    that shows one thing while another runs would deceive whoever reads it."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError("command.line", "must be a string")
    if shell:
        matches = value == argv[0]
    else:
        try:
            closed_quotes(value, False)
        except ValidationError as exc:
            raise ValidationError("command.line", exc.reason) from None
        matches = shlex.split(value) == argv
    if not matches:
        raise ValidationError("command.line", "does not match argv (the arguments it is "
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
