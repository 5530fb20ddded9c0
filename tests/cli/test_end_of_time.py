"""Schedules and windows that reach the last year a date can hold (9999): a fire past it is
no fire, and a window past it ends there. They raised "year 10008 is out of range" and
"date value out of range" (exit 1), and a paused task given such a schedule could never be
resumed (a newcomer's run-through)."""

from __future__ import annotations

from typing import Any

import pytest


def test_a_schedule_whose_next_fire_is_past_the_year_9999_has_none(cli: Any) -> None:
    made = cli("task", "add", "decade", "--command", "echo", "--every", "3650d",
               "--start", "9998-12-31T00:00", "--tz", "UTC")
    assert made.code == 0, made.err
    shown = cli("task", "show", "decade", "--json").json()
    assert shown["next_run_at"].startswith("9998-12-31")
    # a paused task given the same schedule resumes
    assert cli("task", "add", "later", "--command", "echo", "--every", "1d",
               "--disabled").code == 0
    assert cli("task", "update", "later", "--start", "9998-12-31T00:00", "--every",
               "3650d", "--tz", "UTC").code == 0
    resumed = cli("task", "resume", "later")
    assert resumed.code == 0 and resumed.err == "", resumed.err
    assert cli("task", "show", "later", "--json").json()["next_run_at"].startswith("9998-12-31")
    late = cli("task", "add", "last", "--command", "echo", "--every", "1h",
               "--start", "9999-12-31T23:30", "--tz", "UTC")  # (a start stays within 9998)
    assert late.code == 2 and late.err.startswith("tickwork: error: start: must be between")


def test_a_simulation_past_the_year_9999_ends_there(cli: Any) -> None:
    assert cli("task", "add", "decade", "--command", "echo", "--every", "3650d",
               "--start", "9998-12-31T00:00", "--tz", "UTC").code == 0
    for start, hours, fires in (("9999-12-30T00:00Z", "48", 0), ("9998-12-30T00:00Z", "48", 1),
                                ("9999-12-31T00:00Z", "48", 0)):
        result = cli("simulate", "--from", start, "--hours", hours, "--json")
        assert result.code == 0 and result.err == "", (start, result.err)
        assert len(result.json()) == fires, start
    # a time with no UTC instant (the year 9999's last hours west of UTC): one line, exit 2
    west = cli("simulate", "--from", "9999-12-31T23:00-05:00", "--hours", "1")
    assert west.code == 2 and west.err.startswith("tickwork: error: from: is out of range")


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Kolkata"])
def test_a_time_past_the_last_instant_in_the_local_zone_is_one_line(
        cli: Any, monkeypatch: pytest.MonkeyPatch, zone: str) -> None:
    """West of UTC the year 9999's last local hours have no UTC instant, east of it its last
    UTC hours no local one: both raised OverflowError (exit 1, a review's finding)."""
    monkeypatch.setenv("TZ", zone)
    for start in ("9999-12-31T23:00", "9999-12-31T23:00Z"):
        said = cli("simulate", "--from", start, "--hours", "1")
        assert (said.code, said.err.count("\n")) in ((0, 0), (2, 1)), (start, said.err)
        assert "Overflow" not in said.err
    refused = cli("task", "add", "z", "--command", "true", "--at", "9999-12-31T23:00",
                  "--tz", "Etc/GMT+12")
    assert refused.code == 2 and "at: is out of range" in refused.err, refused.err


@pytest.mark.parametrize(("typed", "said"), [
    ("2027-02-29T10:00", "no such date: '2027-02-29T10:00' (February 2027 has 28 days)"),
    ("2100-02-29T10:00", "no such date: '2100-02-29T10:00' (February 2100 has 28 days)"),
    ("2027-04-31", "no such date: '2027-04-31' (April 2027 has 30 days)"),
    ("2027-13-01T00:00", "no such date: '2027-13-01T00:00' (the month is 1 to 12)"),
    ("2027-03-01T24:00", "no such time: '2027-03-01T24:00' (the hour is 0 to 23; the end of a "
                         "day is 00:00 of the next)"),
    ("2027-06-30T23:59:60Z", "no such time: '2027-06-30T23:59:60Z' (the second is 0 to 59; "
                             "leap seconds are not counted)"),
    ("2027-06-30T12:00+25:00", "no such UTC offset: '2027-06-30T12:00+25:00' (it must be "
                               "less than 24 hours)"),
])  # fmt: skip
def test_a_date_or_time_the_calendar_lacks_is_named_as_such(cli: Any, typed: str,
                                                             said: str) -> None:
    """`--at 2027-02-29T10:00` was refused as "not an ISO 8601 date-time", as if written
    wrong (so were T24:00, a leap second's :60, an offset of a day): it says what the
    calendar lacks, at every option taking a time."""
    for args, field in ((("task", "add", "x", "--command", "true", "--at", typed), "at"),
                        (("task", "add", "x", "--command", "true", "--every", "1h",
                          "--start", typed), "start"),
                        (("simulate", "--from", typed), "from")):
        refused = cli(*args)
        assert (refused.code, refused.out, refused.err) == (
            2, "", f"tickwork: error: {field}: {said}\n"), args
    assert cli("task", "list", "--json").json() == []


def test_rfc_3339s_lowercase_t_and_z_are_taken(cli: Any) -> None:
    made = cli("task", "add", "x", "--command", "true", "--at", "2027-06-30t12:00z",
               "--tz", "UTC")
    assert made.out == "created task 1 'x': Once at 2027-06-30 12:00 (UTC)\n", made.err


def test_an_excluded_date_the_calendar_lacks_is_named_as_such(cli: Any) -> None:
    """`--exclude 2027-02-29` was "not a date: … (use YYYY-MM-DD, …)", as if mistyped."""
    for typed, said in (("2027-02-29", "no such date: '2027-02-29' (February 2027 has 28 days)"),
                        ("R/2027-04-31/P1Y", "no such date: '2027-04-31' (April 2027 has 30 "
                                             "days)")):
        refused = cli("task", "add", "x", "--command", "true", "--cron", "0 9 * * *",
                      "--exclude", typed)
        assert (refused.code, refused.err) == (2, f"tickwork: error: exclude: {said}\n")
    assert cli("task", "list", "--json").json() == []
