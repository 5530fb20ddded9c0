"""The program a shell command line runs first, where that can be told without running the
shell: what `app.preflight` checks is on this machine, as it checks a command run directly.

Only the line's first simple command is read: the text up to its first shell operator
(`;`, `|`, `&`, `<`, `>`, `(`, `)`, a newline) or comment, split into words as the shell
splits them (`shlex`), its leading variable assignments (`A=1 prog`) passed over. Its first
word is the program when it is a plain name or path. Nothing is said (None: the shell decides)
when that word is a builtin or keyword of POSIX sh or bash (`cd dir && ./run`, `if`, `.`,
`export`, `[`), holds what the shell expands (`$`, backquotes, a glob, braces, `~user`), or
the assignments set PATH; nor for a redirection before the program (`>log prog`), a
subshell or a function definition. `~/x` is the home folder's `x`, as the shell reads it.

`exec`, `command`, `nohup`, `env`, `time` and `!` run the word after them: that word is the
program (nothing, when an option follows them). Other programs that run another one
(`sudo`, `timeout`, `nice`, `xargs` …) are themselves the program: whether they are here is
checked, not what they run (their options take values, and sudo has its own PATH).

No Qt, no store, no file system: a pure reading of the text.
"""

from __future__ import annotations

import os
import re
import shlex
from typing import Final

# shells whose lines read as POSIX sh's (cron's SHELL may name another: fish, zsh, python)
POSIX_SHELLS: Final = frozenset({"sh", "bash", "dash", "ash"})

_OPERATORS: Final = frozenset(";|&<>()\n")
_RUN_NEXT: Final = frozenset({"exec", "command", "nohup", "env", "time", "!"})
_BUILTINS: Final = frozenset({
    # keywords (POSIX sh and bash)
    "if", "then", "else", "elif", "fi", "case", "esac", "for", "select", "while", "until",
    "do", "done", "in", "function", "{", "}", "[[", "]]", "coproc",
    # POSIX special and regular builtins
    "break", ":", ".", "continue", "eval", "exit", "export", "readonly", "return", "set",
    "shift", "times", "trap", "unset", "alias", "bg", "cd", "false", "fc", "fg", "getopts",
    "hash", "jobs", "kill", "newgrp", "pwd", "read", "true", "type", "ulimit", "umask",
    "unalias", "wait", "echo", "printf", "test", "[",
    # bash's own
    "bind", "builtin", "caller", "compgen", "complete", "compopt", "declare", "dirs",
    "disown", "enable", "help", "history", "let", "local", "logout", "mapfile", "popd",
    "pushd", "readarray", "shopt", "source", "suspend", "typeset",
})
_ASSIGNMENT: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
_EXPANDED: Final = re.compile(r"[$`*?\[\]{}\n]")  # what the shell would expand or read
_FD: Final = re.compile(r"\d+|\{[A-Za-z_][A-Za-z0-9_]*\}")  # `2>x`, `{fd}>x`


def reads_as_sh(shell_program: str | None) -> bool:
    """Does a command run by this shell (None: /bin/sh) read as POSIX sh's lines do?"""
    return shell_program is None or os.path.basename(shell_program) in POSIX_SHELLS


def first_program(line: str) -> str | None:
    """The program `line` runs first, as typed (a name, a path, or `~/…`), or None when
    that cannot be told safely (see the module's docstring)."""
    words = _first_command_words(line)
    i = 0
    while i < len(words):
        word = words[i]
        if _ASSIGNMENT.match(word):
            if word.startswith("PATH="):
                return None  # looked for on a PATH we do not know
            i += 1
        elif word in _RUN_NEXT:
            i += 1
            if i < len(words) and words[i] == "--":
                i += 1
            if i < len(words) and words[i].startswith("-"):
                return None  # `command -v`, `time -p`, `exec -a name`: taken on trust
        else:
            break
    else:
        return None
    program = words[i]
    if not program or program in _BUILTINS or _EXPANDED.search(program):
        return None
    if program.startswith("~") and not program.startswith("~/"):
        return None  # `~user/x`, `~+`: the shell's to read
    return program


def _first_command_words(line: str) -> list[str]:
    """The words of the line's first simple command, up to its first operator or comment
    outside quotes ([] when none can be told: an unclosed quote, a subshell, `f() {…}`)."""
    quote, i = "", 0
    cut, operator = len(line), ""
    while i < len(line):
        ch = line[i]
        if quote:
            if ch == quote:
                quote = ""
            elif ch == "\\" and quote == '"':
                i += 1
        elif ch == "\\":
            i += 1
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            cut = i
            break
        elif ch in _OPERATORS:
            cut, operator = i, ch
            break
        i += 1
    else:
        if quote:
            return []
    if operator == "(" and (cut == 0 or line[cut - 1] != "$"):
        return []  # a subshell, `f() { … }`, an array: not a program's name
    try:
        words = shlex.split(line[:cut])
    except ValueError:
        return []
    if operator and operator in "<>" and words and cut and not line[cut - 1].isspace() \
            and _FD.fullmatch(words[-1]):
        words.pop()  # `2>/dev/null`: a descriptor's number, not a word
    return words
