"""A cron expression with a year as its last field (as Quartz and AWS write one) is refused
saying so: `--cron "0 0 1 1 * 2099"` was read as Tickwork's six fields, seconds first, and
refused as "day-of-week field: 2099 is out of range 0-7", which sent the reader looking at
the wrong field. Nothing is created."""

from __future__ import annotations

from typing import Any

import pytest

SAID = ("reads as a year, but years are not a cron field: Tickwork's six-field form puts "
        "seconds first (second minute hour day-of-month month day-of-week); without the year: ")


@pytest.mark.parametrize(("expr", "year", "without"), [
    ("0 0 1 1 * 2099", "2099", "0 0 1 1 *"),
    ("0 0 1 1 *  2024-2030", "2024-2030", "0 0 1 1 *"),
    ("0 30 9 ? * MON 2027,2029", "2027,2029", "0 30 9 ? * MON"),  # (Quartz: seven fields)
])
def test_a_year_field_is_named_as_a_year(cli: Any, expr: str, year: str, without: str) -> None:
    added = cli("task", "add", "y", "--command", "true", "--cron", expr)
    assert (added.code, added.out) == (2, ""), added
    assert added.err == f"tickwork: error: cron: '{year}' {SAID}'{without}'\n", added.err
    assert cli("task", "list", "--json").json() == []


def test_a_sixth_field_that_is_a_day_of_week_still_reads(cli: Any) -> None:
    assert cli("task", "add", "s", "--command", "true", "--cron", "30 0 1 1 * 5").code == 0
    assert cli("task", "show", "s", "--json").json()["schedule"] is not None
