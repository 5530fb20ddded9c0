"""`first_program`: the program a shell line runs first, or None where only the shell can
tell (its builtins and keywords, what it expands, a subshell, a PATH the line sets)."""

from __future__ import annotations

import pytest

from app.core.shell_line import first_program, reads_as_sh


@pytest.mark.parametrize(("line", "program"), [
    ("rsync -a ~/notes /mnt && mail me", "rsync"),
    ("A=1 B='x y' prog --flag", "prog"),
    ("prog>out 2>&1", "prog"),
    ("prog 2>/dev/null | sort", "prog"),
    ("prog $(date +%F) # nightly", "prog"),
    ("'my prog' x", "my prog"),
    ("exec prog", "prog"),
    ("nohup prog &", "prog"),
    ("env A=1 prog", "prog"),
    ("time prog", "prog"),
    ("! prog", "prog"),
    ("sudo -u bob prog", "sudo"),  # the wrapper is checked, not what it runs
    ("timeout 5 prog", "timeout"),
    ("~/bin/job --x", "~/bin/job"),
    ("./run.sh; echo done", "./run.sh"),
    ("ls *.py", "ls"),
    ("cd /opt/r && ./pull.sh", None),
    ("echo hi | prog", None),
    ("$TOOL --x", None),
    ("${TOOL} --x", None),
    ("`which prog` x", None),
    ("l*s", None),
    ("~bob/bin/x", None),
    ("PATH=/opt/bin prog", None),
    ("exec -a name prog", None),
    ("command -v prog", None),
    ("env -i prog", None),
    ("2>/dev/null prog", None),
    (">log prog", None),
    ("(prog)", None),
    ("f() { prog; }; f", None),
    ("if prog; then :; fi", None),
    ("{ prog; } >log", None),
    ("[ -f x ] && prog", None),
    (". ./env.sh", None),
    ("# only a comment", None),
    ("'unclosed", None),
    ("", None),
])
def test_the_first_program_or_none(line: str, program: str | None) -> None:
    assert first_program(line) == program


def test_only_sh_like_shells_are_read() -> None:
    assert reads_as_sh(None) and reads_as_sh("/bin/bash") and reads_as_sh("/usr/bin/dash")
    assert not reads_as_sh("/usr/bin/fish") and not reads_as_sh("/usr/bin/python3")
