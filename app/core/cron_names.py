"""How the tasks an imported crontab creates are named: short and readable, saying what the
job is, unique in the file, and the same each time the file is imported.

- A comment on the line right above a job names it (`# backup the photos` → `backup the
  photos`), unless it is crontab's own header (`# m h dom mon dow command`) or has no letter;
  `crontab.read_crontab` passes no comment that is a commented-out job or variable.
- Else its command does, read as the shell reads it (quotes, operators, redirections): the
  first command of the line, after a leading `cd DIR &&` and inside `sh -c '…'`, past
  variable assignments and the wrappers that only change how it runs (`env`, `nice -n 19`,
  `ionice`, `nohup`, `timeout 5m`, `flock LOCKFILE`, `sudo -u USER`, …) and past an
  interpreter to what it runs (`/usr/bin/env python3 /opt/x/job.py --flag` → `job`,
  `python3 -m tools.sync` → `tools.sync`). A script — run by an interpreter, or a file with
  a script's extension — is named by its file without the extension (`./pull_reports.sh` →
  `pull_reports`); any other program by its name and its first argument (`rsync -a ~/notes
  /mnt` → `rsync-notes`, `/usr/bin/report weekly` → `report-weekly`), where a redirection's
  file and the value after a long option (`--since 15m`) are not arguments.
- Two lines with one name: the first keeps it, the next get their schedule after it, then
  `#2`, `#3`; a list's comma, which a name cannot hold, written `+` (`true (0 0 1+15 * 1)`:
  written as a space, `true (0 0 1 15 * 1)` read as six fields, month 15). A line added
  below never renames the tasks imported before, so importing the file again is refused by
  name (nothing is created twice).
"""

from __future__ import annotations

import os
import re
import shlex
from typing import Final

MAX_NAME_PART: Final = 40
MAX_COMMENT: Final = 60
FALLBACK: Final = "crontab"

_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
_REDIRECT = re.compile(r"[0-9&]?(?:>>?|<)&?")  # a redirection written in one word with its file
_OPERATORS: Final = frozenset({"&&", "||", ";", "|", "&", "|&", ";;", "(", ")"})
_HEADER = re.compile(r"m\s+h\s+dom\s+mon\s+dow\b", re.IGNORECASE)
_VERSION = re.compile(r"[\d.]+$")  # python3.11 → python
SHELLS: Final = frozenset({"sh", "bash", "dash", "zsh", "ksh", "fish"})
INTERPRETERS: Final = SHELLS | frozenset({"python", "pypy", "perl", "ruby", "node", "nodejs",
                                          "php", "Rscript", "lua", "deno", "bun", "tclsh"})
SCRIPT_EXTENSIONS: Final = frozenset({".sh", ".bash", ".zsh", ".py", ".pl", ".rb", ".js",
                                      ".mjs", ".php", ".r", ".lua", ".ts", ".tcl"})
# wrapper: (its options that take a value, how many plain words it takes before the command)
WRAPPERS: Final[dict[str, tuple[frozenset[str], int]]] = {
    "env": (frozenset({"-u", "--unset", "-C", "--chdir"}), 0),
    "nice": (frozenset({"-n", "--adjustment"}), 0),
    "ionice": (frozenset({"-c", "-n", "-p", "-P", "-u", "--class", "--classdata"}), 0),
    "sudo": (frozenset({"-u", "-g", "--user", "--group"}), 0),
    "stdbuf": (frozenset({"-i", "-o", "-e"}), 0),
    "timeout": (frozenset({"-s", "-k", "--signal", "--kill-after"}), 1),
    "flock": (frozenset({"-w", "--wait", "--timeout", "-E", "--conflict-exit-code"}), 1),
    **{name: (frozenset(), 0) for name in ("nohup", "time", "exec", "command", "setsid",
                                           "chronic", "cronic", "run-one", "caffeinate")},
}


def comment_name(comment: str) -> str | None:
    """A name from a comment line (None: it names nothing)."""
    text = " ".join(comment.strip().lstrip("#").replace(",", " ").split())
    text = "".join(c for c in text if c.isprintable()).strip(" .:;-–—=*")
    if not any(c.isalpha() for c in text) or _HEADER.match(text):
        return None
    if len(text) > MAX_COMMENT:
        cut = text[:MAX_COMMENT].rsplit(" ", 1)[0]
        text = cut.rstrip(" .:;-") + "…"
    return text


def command_name(command: str, depth: int = 0) -> str:
    """A name from a command line (see the module's docstring)."""
    words = _first_command(command)
    i = 0
    while i < len(words):
        if _ASSIGNMENT.match(words[i]):
            i += 1
            continue
        program = _base(words[i])
        if program not in WRAPPERS:
            break
        options, plain = WRAPPERS[program]
        i += 1
        while i < len(words) and (words[i].startswith("-") or _ASSIGNMENT.match(words[i])):
            if words[i] in ("-c", "--command") and program == "flock" and i + 1 < len(words):
                return _inner(words[i + 1], depth)
            i += 2 if words[i] in options else 1
        i += plain
    if i >= len(words):
        return FALLBACK
    program, rest = _base(words[i]), words[i + 1:]
    if _VERSION.sub("", program) in INTERPRETERS or program in INTERPRETERS:
        found = _interpreted(program, rest, depth)
        if isinstance(found, str):
            return found
        program, rest = found
    else:
        program = _script(words[i]) or program
    return _with_argument(program, rest) or FALLBACK


def unique_names(bases: list[str], schedules: list[str]) -> list[str]:
    """The names in file order, unique (without case): the first line keeps its name, the
    next with that name get their schedule after it (a comma in it as `+`), and one still
    taken `#2`, `#3`."""
    taken: set[str] = set()
    out: list[str] = []
    for base, expr in zip(bases, schedules, strict=True):
        name = base if base.casefold() not in taken else f"{base} ({expr.replace(',', '+')})"
        candidate, n = name, 2
        while candidate.casefold() in taken:
            candidate, n = f"{name} #{n}", n + 1
        taken.add(candidate.casefold())
        out.append(candidate)
    return out


def _first_command(command: str) -> list[str]:
    """The words of the command a line is about: its first simple command (the second when
    the first is `cd DIR`), without redirections."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    try:
        tokens = list(lexer)
    except ValueError:  # an unclosed quote: cron's shell would refuse it too; name it anyway
        tokens = command.split()
    commands: list[list[str]] = [[]]
    for token in tokens:
        if token in _OPERATORS:
            commands.append([])
        else:
            commands[-1].append(token)
    commands = [c for c in commands if c]
    if len(commands) > 1 and commands[0][0] == "cd":
        commands = commands[1:]
    return _without_redirections(commands[0]) if commands else []


def _without_redirections(words: list[str]) -> list[str]:
    out: list[str] = []
    target = False
    for word in words:
        if target:
            target = False
        elif set(word) <= set("<>&|") and any(c in word for c in "<>"):
            target = True  # the next word is its file
            if out and out[-1].isdigit():
                out.pop()  # `2>`: the descriptor was read as a word of its own
        elif not _REDIRECT.match(word):
            out.append(word)
    return out


def _interpreted(program: str, rest: list[str], depth: int) -> str | tuple[str, list[str]]:
    """What an interpreter runs: its script or module (`python3 /x/job.py` → `job`) and the
    words after it, or the name of its `-c` command (or the interpreter, running nothing
    named)."""
    shell = _VERSION.sub("", program) in SHELLS or program in SHELLS
    j = 0
    while j < len(rest) and rest[j].startswith("-"):
        if rest[j] == "-c" and shell and j + 1 < len(rest):
            return _inner(rest[j + 1], depth)
        if rest[j] in ("-c", "-e"):  # python -c, perl -e: code, not a file to name it by
            return program
        if rest[j] == "-m" and j + 1 < len(rest):
            j += 1
            break
        j += 1
    if j < len(rest) and (_script(rest[j]) or _base(rest[j])):
        return _script(rest[j]) or _base(rest[j]), rest[j + 1:]
    return program


def _inner(command: str, depth: int) -> str:
    return command_name(command, depth + 1) if depth < 3 else FALLBACK


def _with_argument(program: str, rest: list[str]) -> str:
    """A program and its first argument: not an option, nor what reads as a long option's
    value (`--since 15m`; a path after one, `--delete ~/x`, is an argument)."""
    value_next = False
    for word in rest:
        if word.startswith("-"):
            value_next = word.startswith("--") and "=" not in word
            continue
        if value_next and "/" not in word and not word.startswith(("~", ".")):
            value_next = False
            continue
        argument = _base(word)
        if argument:
            return f"{program}-{argument}" if program else argument
    return program


def _script(word: str) -> str:
    """A script file's name without its extension ('' when the word is not a script)."""
    stem, extension = os.path.splitext(_base(word))
    return stem if extension.lower() in SCRIPT_EXTENSIONS and stem else ""


def _base(word: str) -> str:
    base = os.path.basename(word.rstrip("/")) or word
    clean = "".join(c for c in base if c.isprintable() and c not in ",;|&<>()`$'\"")
    return clean[:MAX_NAME_PART].strip()
