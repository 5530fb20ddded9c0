"""A task named with a leading '-' (`-rf`, made with `task add … -- -rf` or imported): typed
without `--`, the name was read as an option and the line said only "the following
arguments are required: task" (a fault hunt). It now says the word was read as an option and
how to give it; with `--` the name works everywhere, and nothing changes before it does."""

from __future__ import annotations

from typing import Any

import pytest


def test_a_name_starting_with_a_dash_is_given_after_double_dash(cli: Any) -> None:
    made = cli("task", "add", "--command", "true", "--manual", "--", "-rf")
    assert made.code == 0 and made.out == "created task 1 '-rf': Manually\n", made
    assert cli("task", "show", "--json", "--", "-rf").json()["name"] == "-rf"
    assert cli("task", "delete", "--", "-rf").out == "deleted task 1 '-rf'\n"


@pytest.mark.parametrize(("args", "needed"), [
    (["task", "show", "-rf"], "task"),
    (["task", "delete", "-rf"], "task"),
    (["task", "add", "-rf", "--command", "true", "--manual"], "name"),
    (["secret", "set", "-rf"], "name"),
], ids=["show", "delete", "add", "secret"])
def test_a_dashed_name_without_double_dash_is_said_so(cli: Any, args: list[str],
                                                      needed: str) -> None:
    assert cli("task", "add", "--command", "true", "--manual", "--", "-rf").code == 0
    res = cli(*args, stdin="value")
    assert (res.code, res.out) == (2, ""), res
    prog = " ".join(["tickwork", *args[:2]])
    assert res.err == (f"tickwork: error: the following arguments are required: {needed} "
                       "('-rf' was read as an option: a name starting with '-' goes last, "
                       f"after `--`: `{prog} … -- -rf`)\n"), res.err
    assert [t["name"] for t in cli("task", "list", "--json").json()] == ["-rf"]
    assert cli("secret", "list").out == "(none)\n"
