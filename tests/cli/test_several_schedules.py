"""Several schedules per task and exclusion dates, through the real `tickwork` CLI: add, show,
list, simulate across a DST change, update, .ics files, export/import, and bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

# A public-holiday style calendar: CRLF lines, folded lines (a continuation starts with a
# space), yearly fixed-date holidays, a two-day event, a rule this reader does not take, a
# timed event (not a day off) and an alarm nested in an event.
HOLIDAYS = (
    "BEGIN:VCALENDAR\r\n"
    "VERSION:2.0\r\n"
    "PRODID:-//Example//Public Holidays//EN\r\n"
    "BEGIN:VEVENT\r\n"
    "UID:xmas@example\r\n"
    "DTSTART;VALUE=DATE:20201225\r\n"
    "DTEND;VALUE=DATE:20201226\r\n"
    "RRULE:FREQ=YEARLY\r\n"
    "SUMMARY:Christmas\r\n"
    "  Day\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\n"
    "UID:ny@example\r\n"
    "DTSTART;VALUE=DATE:20200101\r\n"
    "RRULE:FREQ=YEARLY;BYMO\r\n"
    " NTH=1;BYMONTHDAY=1\r\n"
    "SUMMARY:New Year\r\n"
    "BEGIN:VALARM\r\n"
    "TRIGGER:-PT15M\r\n"
    "DTSTART:19700101T000000\r\n"
    "END:VALARM\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\n"
    "UID:bridge@example\r\n"
    "DTSTART;VALUE=DATE:20270329\r\n"
    "DTEND;VALUE=DATE:20270331\r\n"
    "SUMMARY:Spring break\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\n"
    "UID:thanks@example\r\n"
    "DTSTART;VALUE=DATE:20201126\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=4TH\r\n"
    "SUMMARY:Thanksgiving\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\n"
    "UID:meeting@example\r\n"
    "DTSTART:20270330T090000Z\r\n"
    "SUMMARY:Meeting\r\n"
    "END:VEVENT\r\n"
    "END:VCALENDAR\r\n"
)


def _fires(cli: Any, start: str, hours: int) -> list[str]:
    result = cli("simulate", "--from", start, "--hours", str(hours), "--json")
    assert result.code == 0, result.err
    return [i["fire_at"] for i in result.json() if i["kind"] == "fire"]


def test_two_schedules_and_an_exclusion_simulated_across_spring_forward(cli: Any) -> None:
    # Berlin, 28 March 2027: 02:00 CET becomes 03:00 CEST. Weekdays at 09:00, Mondays at 09:00
    # again (the same instant: one fire), Sundays at 02:30 (in the gap: once, at 03:00) and
    # Wednesdays at 00:30 local (22:30 UTC the day before); 31 March, a Wednesday, is excluded
    # as a local date, so both its fires go, even the one whose UTC date is the 30th.
    result = cli("task", "add", "mixed", "--command", "true", "--tz", "Europe/Berlin",
                 "--cron", "0 9 * * 1-5", "--cron", "30 2 * * 0", "--cron", "0 9 * * 1",
                 "--cron", "30 0 * * 3", "--exclude", "2027-03-31")
    assert result.code == 0, result.err
    assert "not on 31 Mar 2027" in result.out
    assert _fires(cli, "2027-03-26T00:00:00+00:00", 156) == [
        "2027-03-26T09:00:00+01:00",  # Friday
        "2027-03-28T03:00:00+02:00",  # Sunday 02:30 does not exist: the first instant after
        "2027-03-29T09:00:00+02:00",  # Monday: two schedules, one fire
        "2027-03-30T09:00:00+02:00",  # Tuesday
        "2027-04-01T09:00:00+02:00",  # Thursday (Wednesday excluded, 00:30 and 09:00)
    ]
    shown = cli("task", "show", "mixed")
    assert ("schedule: At 09:00, Monday through Friday; at 02:30, only on Sunday; at 09:00, "
            "only on Monday; at 00:30, only on Wednesday (Europe/Berlin); not on 31 Mar 2027"
            ) in shown.out
    listed = cli("task", "list", "--json").json()
    assert listed[0]["schedule"]["kind"] == "any"
    assert listed[0]["schedule"]["exclude"] == ["2027-03-31"]


def test_mixed_kinds_update_and_clear(cli: Any) -> None:
    assert cli("task", "add", "t", "--command", "true", "--tz", "UTC", "--cron", "0 6 * * *",
               "--every", "12h", "--calendar", "1mo@03:00", "--at", "2030-01-01T05:00").code == 0
    schedule = cli("task", "show", "t", "--json").json()["schedule"]
    assert [s["kind"] for s in schedule["schedules"]] == ["cron", "interval", "calendar", "date"]
    assert "exclude" not in schedule
    assert cli("task", "update", "t", "--exclude", "2030-01-02",
               "--exclude", "2030-01-03").code == 0
    assert cli("task", "update", "t", "--exclude", "R/2030-12-25/P1Y").code == 0
    schedule = cli("task", "show", "t", "--json").json()["schedule"]
    assert schedule["exclude"] == ["2030-01-02", "2030-01-03", "R/2030-12-25/P1Y"]
    assert len(schedule["schedules"]) == 4  # an exclusion alone keeps the schedules
    assert cli("task", "update", "t", "--cron", "0 7 * * *").code == 0  # one schedule again
    schedule = cli("task", "show", "t", "--json").json()["schedule"]
    assert schedule == {"kind": "cron", "expr": "0 7 * * *",
                        "exclude": ["2030-01-02", "2030-01-03", "R/2030-12-25/P1Y"]}
    assert cli("task", "update", "t", "--exclude-clear").code == 0
    assert cli("task", "show", "t", "--json").json()["schedule"] == {"kind": "cron",
                                                                    "expr": "0 7 * * *"}
    assert cli("task", "reschedule", "t", "--cron", "0 8 * * *", "--cron", "0 20 * * *",
               "--exclude", "2030-02-01").code == 0
    assert cli("task", "show", "t", "--json").json()["schedule"]["exclude"] == ["2030-02-01"]


def test_exclude_an_ics_calendar(cli: Any, tmp_path: Path) -> None:
    ics = tmp_path / "holidays.ics"
    ics.write_bytes(HOLIDAYS.encode())
    result = cli("task", "add", "daily", "--command", "true", "--tz", "Europe/Berlin",
                 "--cron", "0 9 * * *", "--exclude", str(ics))
    assert result.code == 0, result.err
    assert result.err.splitlines() == [
        "exclude: " + str(ics) + ": 1 event not read: Thanksgiving: RRULE FREQ=YEARLY;"
        "BYMONTH=11;BYDAY=4TH (only yearly on a fixed date is read)",
        "exclude: " + str(ics) + ": passed over 1 timed event (at a time of day: not a day off)"]
    schedule = cli("task", "show", "daily", "--json").json()["schedule"]
    assert schedule["exclude"] == ["2027-03-29", "2027-03-30", "R/2020-01-01/P1Y",
                                   "R/2020-12-25/P1Y"]
    fires = _fires(cli, "2027-12-23T12:00:00+00:00", 24 * 10)  # to 2 January 2028
    days = [f[:10] for f in fires]
    assert days == ["2027-12-24", "2027-12-26", "2027-12-27", "2027-12-28", "2027-12-29",
                    "2027-12-30", "2027-12-31", "2028-01-02"]


@pytest.mark.parametrize(("args", "message"), [
    (["--exclude", "24.12.2027"], "exclude: not a date: '24.12.2027'"),
    (["--exclude", "2027-02-30"],
     "exclude: no such date: '2027-02-30' (February 2027 has 28 days)"),
    (["--exclude", "{missing}"], "exclude: cannot read missing.ics"),
    (["--exclude", "{not_text}"], "exclude: not_text.ics is not an iCalendar file"),
    (["--exclude", "{timed}"], "exclude: timed.ics has no all-day events: passed over 1 timed "
     "event (at a time of day: not a day off)"),
    (["--manual", "--exclude", "2030-01-01"], "exclude: a manual schedule takes no"),
    (["--cron", "@reboot", "--cron", "0 9 * * *"], "schedule: @reboot cannot be one of"),
    (["--after", "x", "--every", "5m"], "schedule: --after and --manual do not mix"),
    (["--cron", "0 9 24 12 *", "--exclude", "R/2026-12-24/P1Y"], "exclude: leaves no fire"),
    # a newcomer's run-through: both were stored (the second never fires; the first fired
    # twice alike in the schedule's words)
    (["--at", "2031-01-01T10:00", "--every", "1d", "--exclude", "2031-01-01"],
     "exclude: excludes 2031-01-01, the day of the one-shot at 2031-01-01 10:00"),
    (["--cron", "0 12 * * 6", "--cron", "0 12 * * sat"],
     "schedule: names the same schedule twice ('0 12 * * 6' and '0 12 * * sat' fire alike)"),
])
def test_bad_schedules_exit_2_naming_the_field(cli: Any, tmp_path: Path, args: list[str],
                                               message: str) -> None:
    (tmp_path / "not_text.ics").write_bytes(b"\xff\xfe\x00BEGIN")
    (tmp_path / "timed.ics").write_text("BEGIN:VCALENDAR\nBEGIN:VEVENT\n"
                                        "DTSTART:20270101T100000Z\nEND:VEVENT\nEND:VCALENDAR\n")
    paths = {k: str(tmp_path / f"{k}.ics") for k in ("missing", "not_text", "timed")}
    args = [a.format(**paths) for a in args]
    if "--cron" not in args and "--every" not in args and "--manual" not in args:
        args = ["--cron", "0 9 * * *", *args]
    result = cli("task", "add", "bad", "--command", "true", *args)
    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.err
    assert cli("task", "list", "--json").json() == []


def test_old_single_schedule_json_and_export_import_round_trip(cli: Any, tmp_path: Path
                                                               ) -> None:
    old = tmp_path / "old.json"  # an export file written before several schedules existed
    old.write_text(json.dumps({"version": 1, "tasks": [
        {"name": "legacy", "action": {"kind": "command", "argv": ["true"]},
         "schedule": {"kind": "cron", "expr": "0 2 * * *"}, "timezone": "UTC"}]}))
    result = cli("import", str(old))
    assert result.code == 0, result.err
    assert cli("task", "show", "legacy", "--json").json()["schedule"] == {
        "kind": "cron", "expr": "0 2 * * *"}
    assert cli("task", "add", "many", "--command", "true", "--tz", "Asia/Tokyo",
               "--cron", "0 9 * * 1-5", "--every", "90m", "--calendar", "2w@08:30",
               "--exclude", "2030-05-05", "--exclude", "R/2027-01-01/P1Y").code == 0
    before = {t["name"]: t for t in cli("task", "list", "--json").json()}
    out = tmp_path / "export.json"
    assert cli("export", str(out)).code == 0
    other = tmp_path / "other-home"
    result = cli("--home", str(other), "import", str(out))  # the later --home wins
    assert result.code == 0, result.err
    after = {t["name"]: t for t in cli("--home", str(other), "task", "list", "--json").json()}
    for name in ("legacy", "many"):
        assert after[name]["schedule"] == before[name]["schedule"]
        assert after[name]["schedule_text"] == before[name]["schedule_text"]
    assert after["many"]["schedule"]["exclude"] == ["2030-05-05", "R/2027-01-01/P1Y"]
    assert len(after["many"]["schedule"]["schedules"]) == 3


def test_after_is_repeatable_in_add_update_and_reschedule(cli: Any) -> None:
    """`--after A --after B` kept only B; now each --after adds its tasks, in the order typed,
    each once (`--after A,B --after A`), as the other schedule options repeat."""
    for name in ("A", "B", "C"):
        assert cli("task", "add", name, "--command", "true", "--manual").code == 0

    def after(task: str) -> list[str]:
        return list(cli("task", "show", task, "--json").json()["schedule"]["tasks"])

    added = cli("task", "add", "D", "--command", "true", "--after", "A", "--after", "B")
    assert added.code == 0, added.err
    assert after("D") == ["A", "B"] and "After A and B succeed" in added.out, added.out
    assert cli("task", "update", "D", "--after", "A,B", "--after", "C").code == 0
    assert after("D") == ["A", "B", "C"]
    moved = cli("task", "reschedule", "D", "--after", "C", "--after", "A,C", "--after", " B")
    assert moved.code == 0, moved.err
    assert after("D") == ["C", "A", "B"]
    mixed = cli("task", "update", "D", "--after", "A", "--manual")
    assert mixed.code == 2 and "not allowed with argument --after" in mixed.err
    assert after("D") == ["C", "A", "B"]


def test_a_stored_pair_that_fires_alike_still_loads(cli: Any, home: Path) -> None:
    """Two crons that fire alike are refused as typed, not when a stored task is read: a
    store written before the check (it stored them) kept listing, exporting and deleting
    (a review: the first try refused them in the schedule itself, and `task list` and `task
    delete` of such a store failed)."""
    import sqlite3

    assert cli("task", "add", "d1", "--command", "true", "--cron", "0 12 * * 6",
               "--cron", "0 13 * * sat").code == 0
    with sqlite3.connect(home / "tickwork.db") as db:  # as an earlier version stored it
        db.execute("UPDATE task SET schedule = ?", (json.dumps({"kind": "any", "schedules": [
            {"kind": "cron", "expr": "0 12 * * 6"}, {"kind": "cron", "expr": "0 12 * * sat"}]}),))
    assert cli("task", "list").code == 0
    assert cli("export", "-").code == 0
    assert cli("task", "update", "d1", "--priority", "2").code == 0
    refused = cli("task", "reschedule", "d1", "--cron", "0 9 * * *", "--cron", "0 9 * * *")
    assert refused.code == 2 and "names the same schedule twice ('0 9 * * *')" in refused.err
    refused = cli("task", "reschedule", "d1", "--every", "5m", "--cron", "0 9 * * *",
                  "--every", "300s")  # (a newcomer: which one, of several?)
    assert refused.code == 2
    assert "schedule: names the same schedule twice (every 5m)" in refused.err
    assert cli("task", "delete", "d1").code == 0
    # alike values but an hour written `*` against one listed: not alike across daylight
    # saving (the `*` fires in both passes of a repeated hour), so both are kept
    assert cli("task", "add", "d2", "--command", "true", "--cron", "30 * * * *",
               "--cron", "30 0-23 * * *").code == 0


def test_readmes_standup_example_says_what_readme_shows(home: Path, tmp_path: Path) -> None:
    """README's "Several schedules, and days off" opens with a `task add` and the line it
    prints, typed in a folder holding standup.sh; README showed a line the CLI never printed
    ("standup: At 09:00, …"). The command is read from README and run as typed."""
    import shlex

    from tests.support import tickwork

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("### Several schedules, and days off", 1)[1]
    block = next(chunk for chunk in section.split("\n\n")
                 if chunk.startswith("    tickwork ")).splitlines()
    typed = " ".join(line.strip().rstrip("\\") for line in block
                     if not line.strip().startswith("#"))
    shown = " ".join(line.strip().lstrip("#").strip() for line in block
                     if line.strip().startswith("#"))
    argv = shlex.split(typed)
    assert argv[:3] == ["tickwork", "task", "add"] and shown
    script = tmp_path / "standup.sh"
    script.write_text("#!/bin/sh\necho standup\n")
    script.chmod(0o755)
    proc = tickwork.run(["--home", str(home), *argv[1:]], cwd=tmp_path, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == shown
