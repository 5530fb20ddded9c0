"""What the CLI says around a change of the clocks, on a machine in that zone: a table's
times carry their UTC offset where a wall time alone would not say which moment it is, and
every option taking a local time refuses one the clocks skip."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

# New York, 7 November 2027: 02:00 EDT (06:00 UTC) becomes 01:00 EST; 14 March 2027:
# 02:00 EST becomes 03:00 EDT
START = ("--start", "2027-01-01T00:00:00+00:00")  # no fire falls due before the simulation


@pytest.fixture(autouse=True)
def new_york(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from tests.conftest import local_zone

    yield from local_zone(monkeypatch, "America/New_York")


def _column(out: str, header: str) -> list[str]:
    """A table's column, cut where its header stands (and so its alignment checked)."""
    lines = out.splitlines()
    at = lines[0].index(header)
    following = re.search(r"\S", lines[0][at + len(header):])
    end = at + len(header) + following.start() if following else None
    return [line[at:end].strip() for line in lines[1:]]


def test_simulate_says_which_pass_of_the_repeated_hour(cli: Any) -> None:
    for name, cron in (("half", "*/30 * * * *"), ("fixed", "30 1 * * *")):
        assert cli("task", "add", name, "--command", "true", "--cron", cron,
                   "--tz", "America/New_York", *START).code == 0
    window = ("simulate", "--from", "2027-11-07T04:45:00Z", "--hours", "2.5")
    table, listed = cli(*window), cli(*window, "--json")
    assert table.code == 0, table.err
    assert _column(table.out, "FIRE AT") == [
        "2027-11-07 01:00:00-04:00", "2027-11-07 01:30:00-04:00", "2027-11-07 01:30:00-04:00",
        "2027-11-07 01:00:00-05:00", "2027-11-07 01:30:00-05:00", "2027-11-07 02:00:00-05:00"]
    assert _column(table.out, "TASK") == ["half", "half", "fixed", "half", "half", "half"]
    assert [c.replace(" ", "T") for c in _column(table.out, "FIRE AT")] == [
        i["fire_at"] for i in listed.json()]  # the table says what the JSON says


def test_a_table_across_spring_forward_shows_offsets_one_that_does_not_none(cli: Any) -> None:
    assert cli("task", "add", "half", "--command", "true", "--cron", "*/30 * * * *",
               "--tz", "America/New_York", *START).code == 0
    across = cli("simulate", "--from", "2027-03-14T01:00", "--hours", "1.5")
    assert _column(across.out, "FIRE AT") == [
        "2027-03-14 01:00:00-05:00", "2027-03-14 01:30:00-05:00", "2027-03-14 03:00:00-04:00",
        "2027-03-14 03:30:00-04:00"]  # (1.5 real hours, both ends included)
    before = cli("simulate", "--from", "2027-03-13T01:00", "--hours", "1")
    assert _column(before.out, "FIRE AT") == [
        "2027-03-13 01:00:00", "2027-03-13 01:30:00", "2027-03-13 02:00:00"]


def test_task_list_and_show_say_the_offset_of_a_repeated_time(cli: Any) -> None:
    assert cli("task", "add", "first", "--command", "true", "--at", "2027-11-07T01:30").code == 0
    assert cli("task", "add", "later", "--command", "true", "--at", "2027-12-01T09:00").code == 0
    assert _column(cli("task", "list").out, "NEXT RUN") == [
        "2027-11-07 01:30:00-04:00", "2027-12-01 09:00:00-05:00"]
    card = cli("task", "show", "first").out
    assert "next run: 2027-11-07 01:30:00-04:00\n" in card
    assert "next run: 2027-12-01 09:00:00\n" in cli("task", "show", "later").out
    assert cli("task", "delete", "first").code == 0
    assert _column(cli("task", "list").out, "NEXT RUN") == ["2027-12-01 09:00:00"]


def test_a_one_shots_words_say_which_pass_of_the_repeated_hour_it_is_in(cli: Any) -> None:
    """Both 01:30s of 7 November were "Once at 2027-11-07 01:30 (America/New_York)", and a
    bare 01:30 means the first pass: `--at …01:30-05:00` (or 06:30Z) was confirmed as the
    instant an hour before the one stored. The words name the pass as the window's times
    do; a time the clocks show once keeps its words."""
    said = {}
    for name, at in (("first", "2027-11-07T01:30"), ("second", "2027-11-07T01:30-05:00"),
                     ("utc", "2027-11-07T06:30Z"), ("after", "2027-11-07T02:30")):
        made = cli("task", "add", name, "--command", "true", "--at", at)
        assert made.code == 0, made.err
        said[name] = made.out
    assert said == {
        "first": "created task 1 'first': Once at 2027-11-07 01:30 EDT (America/New_York)\n",
        "second": "created task 2 'second': Once at 2027-11-07 01:30 EST (America/New_York)\n",
        "utc": "created task 3 'utc': Once at 2027-11-07 01:30 EST (America/New_York)\n",
        "after": "created task 4 'after': Once at 2027-11-07 02:30 (America/New_York)\n"}
    assert _column(cli("task", "list", "--sort", "id").out, "SCHEDULE")[:2] == [
        "Once at 2027-11-07 01:30 EDT (America/New_York)",
        "Once at 2027-11-07 01:30 EST (America/New_York)"]


@pytest.mark.parametrize("option", [
    ("task", "add", "t", "--command", "true", "--at"),
    ("task", "add", "t", "--command", "true", "--every", "1h", "--start"),
    ("task", "add", "t", "--command", "true", "--every", "1h", "--end"),
    ("simulate", "--from"),
])
def test_every_local_time_option_refuses_a_time_the_clocks_skip(
        cli: Any, option: tuple[str, ...]) -> None:
    result = cli(*option, "2027-03-14T02:30")
    name = option[-1].removeprefix("--")
    assert (result.code, result.out) == (2, "")
    assert result.err == (f"tickwork: error: {name}: 2027-03-14 02:30:00 does not exist in "
                          "America/New_York (the clocks skip it for daylight saving time)\n")
    assert cli("task", "list", "--json").json() == []


def test_simulate_from_a_repeated_time_starts_at_its_first_pass(cli: Any) -> None:
    assert cli("task", "add", "half", "--command", "true", "--cron", "*/30 * * * *",
               "--tz", "America/New_York", *START).code == 0
    naive = cli("simulate", "--from", "2027-11-07T01:30", "--hours", "1", "--json").json()
    first = cli("simulate", "--from", "2027-11-07T01:30-04:00", "--hours", "1", "--json").json()
    assert naive == first
    assert [i["fire_at"] for i in naive] == [
        "2027-11-07T01:30:00-04:00", "2027-11-07T01:00:00-05:00", "2027-11-07T01:30:00-05:00"]


def test_a_new_zone_keeps_a_one_shots_wall_time_as_a_crons(cli: Any) -> None:
    """`task update --tz` keeps the wall times, as the editor's fields do: a one-shot at
    09:00 Europe/Berlin then runs at 09:00 New York (it kept the instant, 03:00 there, and
    said nothing), as a cron at 07:00 keeps 07:00; start and end keep theirs; the line says
    the schedule in the new zone. A kept wall time the clocks skip there is refused."""
    assert cli("task", "add", "once9", "--command", "true", "--at", "2027-01-10T09:00",
               "--cron", "0 7 * * *", "--start", "2027-01-01T08:00", "--end",
               "2027-03-14T02:30", "--tz", "Europe/Berlin").code == 0
    refused = cli("task", "update", "once9", "--tz", "America/New_York")
    assert (refused.code, refused.out) == (2, "")
    assert refused.err.startswith("tickwork: error: end: 2027-03-14 02:30:00 does not exist in "
                                  "America/New_York")
    assert cli("task", "update", "once9", "--end", "2027-06-01T00:00+02:00").code == 0
    moved = cli("task", "update", "once9", "--tz", "America/New_York")
    assert moved.out == ("updated task 1 'once9': Once at 2027-01-10 09:00; at 07:00 "
                         "(America/New_York)\n")
    task = cli("task", "show", "once9", "--json").json()
    assert task["schedule"]["schedules"][0]["at"] == "2027-01-10T09:00:00-05:00"
    assert [datetime.fromisoformat(task[k]) for k in ("start_at", "end_at")] == [
        datetime.fromisoformat("2027-01-01T08:00:00-05:00"),  # 08:00 as it was in Berlin
        datetime.fromisoformat("2027-06-01T00:00:00-04:00")]  # midnight, as in Berlin
    assert cli("task", "update", "once9", "--priority", "3").out == "updated task 1 'once9'\n"
