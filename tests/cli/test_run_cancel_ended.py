"""`tickwork run cancel RUN` of a run that has already ended is no error: one line saying how
and when it ended (in local time, as `run show` says it) and exit 0, as `task cancel` with no
run in progress exits 0. It exited 2, as bad input, though the run may have ended a moment
before; a run that does not exist still is bad input (exit 2). The help pages say so."""

from __future__ import annotations

from typing import Any


def test_a_run_already_ended_is_said_and_exits_0(cli: Any) -> None:
    assert cli("task", "add", "long", "--command", "sleep 60", "--manual").code == 0
    assert cli("task", "run", "long").code == 0
    first = cli("run", "cancel", "1")
    assert (first.code, first.out, first.err) == (0, "run 1: cancelled\n", "")
    finished = next(line.split(": ", 1)[1] for line in cli("run", "show", "1").out.splitlines()
                    if line.strip().startswith("finished:"))
    again = cli("run", "cancel", "1")
    assert (again.code, again.out, again.err) == (
        0, f"run 1 already ended: cancelled at {finished}; nothing to cancel\n", "")
    assert cli("task", "cancel", "long").code == 0  # (the same as `task cancel`'s)


def test_a_run_that_does_not_exist_is_bad_input(cli: Any) -> None:
    assert cli("task", "add", "long", "--command", "sleep 60", "--manual").code == 0
    out = cli("run", "cancel", "99")
    assert (out.code, out.out, out.err) == (2, "", "tickwork: error: run not found: 99\n")


def test_the_help_says_the_exit_codes(cli: Any) -> None:
    page = " ".join(cli("run", "cancel", "--help").out.split())
    assert "already ended is said so" in page and "(exit 0" in page and "(exit 2)" in page
    page = " ".join(cli("task", "cancel", "--help").out.split())
    assert "(exit 0)" in page and "(exit 2)" in page
    page = " ".join(cli("--help").out.split())
    assert "Exit codes: 0 success" in page and "2 bad usage or input" in page
