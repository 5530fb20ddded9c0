"""The command line quotes a name as Python's repr does ('backup'), the window as prose does
(“backup”). The refusal of a delete that others depend on quoted the task deleted and left
the tasks that depend on it bare, and in the window's question it kept the command line's
quotes beside the window's own (“up” … 'up' has dependent tasks (down)); the import's
refusal of names already here, too, in the window (a fault hunt). Each door now quotes every
name its own way (the window's side: tests/gui/test_task_table_keyboard.py,
tests/gui/test_import_preview.py; the import's refusal on the command line, as it was:
tests/cli/test_crontab_import.py)."""

from __future__ import annotations

from typing import Any


def test_a_delete_refused_quotes_every_name_as_the_command_line_does(cli: Any) -> None:
    assert cli("task", "add", "up", "--command", "true", "--manual").code == 0
    for args in (("down", "--depends-on", "up"), ("careful", "--fallback", "up"),
                 ("chained", "--after", "up")):
        done = cli("task", "add", args[0], "--command", "true", *args[1:])
        assert done.code == 0, done.err
    refused = cli("task", "delete", "up")
    assert refused.code == 2
    assert refused.err == (
        "tickwork: error: task: 'up' has dependent tasks ('chained', 'down') and a task "
        "that falls back to it ('careful'); deleting it anyway removes those dependencies "
        "('chained' then runs only when started by hand, following no other task) and leaves "
        "it without a fallback (use --force)\n")

