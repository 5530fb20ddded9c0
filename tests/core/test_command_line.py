"""A command keeps the line the person typed: it must say what the arguments say, older
tasks without it still read, and shell syntax in a line run without the shell is spotted."""

from __future__ import annotations

import pytest

from app.core.commandline import closed_quotes, shell_syntax, unclosed_quote
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
    assert caught.value.field == "command.line"  # the editor's command field; a file's line


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
    # a newcomer's run-through: a glob and a home folder reached the program as written
    ("rsync -a ~/notes /backup/notes", "~"),
    ("ls *.py", "*"),
    ("ls *", "*"),
    # a * the program wants as written (a review: the note's --shell would break them)
    ("find . -name *.py", None),
    ("grep -r --include=*.py needle .", None),
    ("tar --exclude=*.log -czf b.tgz .", None),
    ("find . -name \\*.py", None),
    ("git log main~2", None),
    ("echo 'a; b | c > d $e'", None),
    ("find . -name '*.tmp' -exec rm {} \\;", None),
    ("echo two\\ words", None),
    ("curl https://example.invalid/?a=1&b=2", None),
])
def test_shell_syntax_is_spotted_outside_quotes(line: str, found: str | None) -> None:
    assert shell_syntax(line) == found


@pytest.mark.parametrize(("line", "found"), [
    ('echo "hi', ('"', 5)),
    ("echo 'hi", ("'", 5)),
    ("echo `date", ("`", 5)),
    ('echo "$(date)" "x', ('"', 15)),
    ("echo \"$(echo 'a)\"", ("'", 13)),  # inside $( ) quotes count afresh
    ("echo it\\'s 'fine", ("'", 11)),
    ("printf \"%s\" \"${HOME:-'x}\"", None),  # '…' in "${…}" is literal
    ("echo \"$(echo 'a\"b')\"", None),
    ("echo it\\'s", None),
    ("echo hi # it's a comment", None),
    ("echo \"a#b\" 'c#d'", None),
    ("x=$(case $1 in a) echo \"'\";; esac); echo \"$x\"", None),
    ("echo $'it\\'s'", None),  # bash's $'…' (dash reads it otherwise: judged both ways)
    ("cat <<'EOF'\nit's\nEOF", None),  # a here-document is not judged
    ("echo $((1 + (2 * 3)))", None),
    ("echo `echo \"a` ok", None),  # in backticks, only the next backtick counts (bash)
    ("echo hi\\", None),  # the shell keeps a trailing backslash
])
def test_a_shell_line_s_open_quote_is_found_as_the_shells_read_it(
        line: str, found: tuple[str, int] | None) -> None:
    assert unclosed_quote(line, True) == found


def test_without_the_shell_a_line_is_refused_exactly_when_shlex_cannot_split_it() -> None:
    import random
    import shlex

    rng = random.Random(7)
    pieces = [*"ab \\'\"`$(){}#;\n", "$(", "${", "$'", "\\'"]
    for _ in range(5000):
        line = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        try:
            shlex.split(line)
            splits = True
        except ValueError:
            splits = False
        assert (unclosed_quote(line, False) is None) == splits, line


@pytest.mark.parametrize(("shell", "line", "reason"), [
    (True, 'echo "hi', 'the quote " at character 6 is never closed (add the closing ")'),
    (False, "echo 'hi", "the quote ' at character 6 is never closed (add the closing ')"),
    (False, "echo hi\\", "ends with a lone \\ at character 8"),
])
def test_a_task_whose_line_leaves_a_quote_open_is_refused_naming_the_command(
        shell: bool, line: str, reason: str) -> None:
    from datetime import UTC, datetime

    from app.core.task import TaskSpec

    argv = [line] if shell else line.split()
    with pytest.raises(ValidationError) as caught:
        TaskSpec.from_json({"name": "t", "action": {"kind": "command", "argv": argv,
                                                    "shell": shell, "line": line}},
                           now=datetime(2026, 1, 1, tzinfo=UTC))
    # a shell command's line is its argument; a plain one's line is split into its arguments
    assert caught.value.field == ("command" if shell else "command.line")
    assert caught.value.reason.startswith(reason)


def test_a_shell_line_stored_before_the_check_still_loads() -> None:
    action = Action.from_json({"kind": "command", "argv": ['echo "hi'], "shell": True})
    assert action.command_line() == 'echo "hi'


def test_a_line_both_shells_read_is_never_refused() -> None:
    """`echo "$(echo case closed)"` was refused ("the quote \\" at character 26 is never
    closed"): the scanner took the word `case` inside $(…) for a case statement. Before a
    shell line is refused, sh -n and bash -n are asked (found by a fault hunt)."""
    closed_quotes('echo "$(echo case closed)"', True)
    with pytest.raises(ValidationError, match="never closed"):
        closed_quotes('echo "hi', True)
