"""A command keeps the line the person typed: it must say what the arguments say, older
tasks without it still read, and shell syntax in a line run without the shell is spotted."""

from __future__ import annotations

import pytest

from app.core.commandline import shell_syntax
from app.core.errors import ValidationError
from app.core.task import Action

LOOP = "for i in 1 2 3; do echo tick $i; sleep 1; done"


def test_the_typed_line_is_kept_and_given_back_verbatim() -> None:
    import shlex

    action = Action.from_json({"kind": "command", "argv": shlex.split(LOOP), "line": LOOP})
    assert action.command_line() == LOOP
    assert action.summary() == LOOP
    assert action.to_json()["line"] == LOOP
    assert Action.from_json(action.to_json()) == action
    shell = Action.from_json({"kind": "command", "argv": [LOOP], "shell": True, "line": LOOP})
    assert shell.command_line() == LOOP


def test_a_task_stored_without_a_line_still_reads_and_shows_its_arguments() -> None:
    action = Action.from_json({"kind": "command", "argv": ["echo", "two words"]})
    assert action.line is None
    assert "line" not in action.to_json()
    assert action.command_line() == "echo 'two words'"


@pytest.mark.parametrize("action", [
    {"kind": "command", "argv": ["rm", "-rf", "/tmp/x"], "line": "echo harmless"},
    {"kind": "command", "argv": ["echo hi"], "shell": True, "line": "echo bye"},
    {"kind": "command", "argv": ["echo"], "line": "echo 'unclosed"},
    {"kind": "command", "argv": ["echo"], "line": 3},
])
def test_a_line_that_says_something_else_than_what_runs_is_refused(
        action: dict[str, object]) -> None:
    with pytest.raises(ValidationError) as caught:
        Action.from_json(action)
    assert caught.value.field == "command"


@pytest.mark.parametrize(("line", "found"), [
    (LOOP, "for"),
    ("echo a; echo b", ";"),
    ("ls | wc -l", "|"),
    ("echo hi > out.txt", ">"),
    ("sort < in.txt", "<"),
    ("make && make install", "&&"),
    ("true || echo failed", "||"),
    ("echo $HOME", "$"),
    ('echo "$HOME"', "$"),
    ("echo `date`", "`"),
    ("echo $(date)", "$("),
    ("while true do", "while"),
    ("rsync -a ~/notes /backup/notes", None),
    ("echo 'a; b | c > d $e'", None),
    ("find . -name '*.tmp' -exec rm {} \\;", None),
    ("echo two\\ words", None),
    ("curl https://example.invalid/?a=1&b=2", None),
])
def test_shell_syntax_is_spotted_outside_quotes(line: str, found: str | None) -> None:
    assert shell_syntax(line) == found
