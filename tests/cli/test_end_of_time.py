"""Schedules and windows that reach the last year a date can hold (9999): a fire past it is
no fire, and a window past it ends there. They raised "year 10008 is out of range" and
"date value out of range" (exit 1), and a paused task given such a schedule could never be
resumed (a newcomer's run-through)."""

from __future__ import annotations

from typing import Any


def test_a_schedule_whose_next_fire_is_past_the_year_9999_has_none(cli: Any) -> None:
    made = cli("task", "add", "decade", "--command", "echo", "--every", "3650d",
               "--start", "9998-12-31T00:00")
    assert made.code == 0, made.err
    shown = cli("task", "show", "decade", "--json").json()
    assert shown["next_run_at"].startswith("9998-12-31")
    # a paused task given the same schedule resumes
    assert cli("task", "add", "later", "--command", "echo", "--every", "1d",
               "--disabled").code == 0
    assert cli("task", "update", "later", "--start", "9998-12-31T00:00", "--every",
               "3650d").code == 0
    resumed = cli("task", "resume", "later")
    assert resumed.code == 0 and resumed.err == "", resumed.err
    assert cli("task", "show", "later", "--json").json()["next_run_at"].startswith("9998-12-31")
    late = cli("task", "add", "last", "--command", "echo", "--every", "1h",
               "--start", "9999-12-31T23:30")  # (a start itself stays within 9998)
    assert late.code == 2 and late.err.startswith("tickwork: error: start: must be between")


def test_a_simulation_past_the_year_9999_ends_there(cli: Any) -> None:
    assert cli("task", "add", "decade", "--command", "echo", "--every", "3650d",
               "--start", "9998-12-31T00:00").code == 0
    for start, hours, fires in (("9999-12-30T00:00", "48", 0), ("9998-12-30T00:00", "48", 1),
                                ("9999-12-31T23:00", "1", 0)):
        result = cli("simulate", "--from", start, "--hours", hours, "--json")
        assert result.code == 0 and result.err == "", (start, result.err)
        assert len(result.json()) == fires, start
