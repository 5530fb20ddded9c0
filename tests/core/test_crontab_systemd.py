"""Reading systemd user timers and their services: calendar expressions that translate to cron
exactly (checked against `systemd-analyze calendar` where it is installed), intervals,
Persistent=, the service's command, environment and folder, and what is not mapped."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from app.core.schedule import Schedule, next_fire_times
from app.core.systemd_units import NotMapped, calendar_to_cron, parse_unit, read_timers, timespan

NOW = datetime(2027, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(("calendar", "expr", "zone"), [
    ("daily", "0 0 * * *", None),
    ("hourly", "0 * * * *", None),
    ("weekly", "0 0 * * 1", None),
    ("monthly", "0 0 1 * *", None),
    ("quarterly", "0 0 1 1,4,7,10 *", None),
    ("Mon..Fri 09:30", "30 9 * * 1-5", None),
    ("Sat,Sun 3:00", "0 3 * * 6,7", None),
    ("*:0/15", "0-59/15 * * * *", None),
    ("*-*-* 02:00 Europe/Berlin", "0 2 * * *", "Europe/Berlin"),
    ("*-*-01,15 06:00:00", "0 6 1,15 * *", None),
    ("*-01/2-01", "0 0 1 1-12/2 *", None),
    ("Fri *-*-* 12:00:30", "30 0 12 * * 5", None),
    ("*-*-* 08..18:00", "0 8-18 * * *", None),
])
def test_calendars_that_translate(calendar: str, expr: str, zone: str | None) -> None:
    assert calendar_to_cron(calendar) == (expr, zone)


@pytest.mark.parametrize(("calendar", "why"), [
    ("Mon *-*-1..7 10:00", "weekdays together with days of the month"),
    ("*-*~01", "'~'"),
    ("2027-06-01 12:00", "a year"),
    ("*-*-* 10:00:00.5", "fractions of a second"),
    ("Mon..Fry 10:00", "weekday"),
    ("*-*-* 10:00 Mars/Olympus", "time zone"),
])
def test_calendars_that_do_not_translate_say_why(calendar: str, why: str) -> None:
    with pytest.raises(Exception) as caught:
        calendar_to_cron(calendar)
    assert why in str(caught.value)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
@pytest.mark.parametrize("calendar", ["Mon..Fri 09:30", "Sat,Sun 3:00", "*-*-01,15 06:00",
                                      "quarterly", "*-01/2-01", "Fri *-*-* 12:00:30",
                                      "*-*-* 08..18:00", "weekly"])
def test_translated_calendars_fire_when_systemd_would(calendar: str) -> None:
    out = subprocess.run(
        ["systemd-analyze", "calendar", "--iterations=6", "--base-time=2027-01-01 00:00:00 UTC",
         calendar], capture_output=True, text=True, env={"TZ": "UTC"}, check=True).stdout
    expected = [datetime.strptime(m, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
                for m in re.findall(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC", out)]
    assert len(expected) == 6
    expr, _ = calendar_to_cron(calendar)
    ours = next_fire_times(Schedule.parse_cron(expr), ZoneInfo("UTC"), NOW, 6)
    assert ours == expected


def test_timespans() -> None:
    assert timespan("90", "k") == 90
    assert timespan("15min", "k") == 900
    assert timespan("1h 30min", "k") == 5400
    assert timespan("2d", "k") == 172800
    assert timespan("1w", "k") == 604800
    with pytest.raises(NotMapped):
        timespan("5 fortnights", "k")


def test_unit_files_are_read_as_systemd_reads_them() -> None:
    unit = parse_unit("# c\n; c\n[Service]\nExecStart=/bin/a \\\n  --b\nEnvironment=A=1\n"
                      "Environment=\nEnvironment=B=2\nignored line\n")
    assert unit == {"Service": {"ExecStart": ["/bin/a --b"], "Environment": ["B=2"]}}


UNITS = {
    "backup.timer": ("[Unit]\nDescription=Nightly backup\n[Timer]\nOnCalendar=*-*-* 02:30\n"
                     "Persistent=true\nAccuracySec=1h\n[Install]\nWantedBy=timers.target\n"),
    "backup.service": ("[Unit]\nDescription=Back up the notes\n[Service]\nType=oneshot\n"
                       "ExecStart=-/usr/bin/rsync -a %h/notes /mnt/backup\n"
                       'Environment="GREETING=hello world" LANG=C\n'
                       "WorkingDirectory=~/work\nNice=10\n"),
    "poll.timer": "[Timer]\nOnBootSec=5min\nOnUnitActiveSec=15min\nUnit=poller.service\n",
    "poller.service": "[Service]\nExecStart=/bin/echo $GREETING\n",
    "boot.timer": "[Timer]\nOnBootSec=2min\n",
    "boot.service": "[Service]\nExecStart=@/usr/bin/startup startup-name --now\n",
    "last.timer": "[Timer]\nOnCalendar=*-*~01\n",
    "last.service": "[Service]\nExecStart=/bin/true\n",
    "lonely.timer": "[Timer]\nOnCalendar=daily\n",
    "twice.timer": "[Timer]\nOnCalendar=Mon 10:00\nOnCalendar=Fri 16:00\n",
    "twice.service": "[Service]\nExecStart=/bin/true\n",
    "other.service": "[Service]\nExecStart=/bin/true\n",
    "sync@.timer": "[Timer]\nOnCalendar=daily\n",
    "sync@.service": "[Service]\nExecStart=/bin/sync %i\n",
}


def test_timers_with_their_services() -> None:
    plan = read_timers(UNITS, "units", home="/home/ann", user="ann")
    found = {t.name: t for t in plan.tasks}
    assert sorted(found) == ["backup", "boot", "poll", "twice"]
    backup = found["backup"].data
    assert backup["schedule"] == {"kind": "cron", "expr": "30 2 * * *"}
    assert backup["catch_up"] == "once"  # Persistent=true: a missed run runs once
    assert backup["action"] == {"kind": "command", "shell": False, "cwd": "/home/ann/work",
                                "argv": ["/usr/bin/rsync", "-a", "/home/ann/notes",
                                         "/mnt/backup"],
                                "line": "/usr/bin/rsync -a /home/ann/notes /mnt/backup"}
    assert backup["env"] == {"GREETING": "hello world", "LANG": "C"}
    assert backup["description"] == "Back up the notes"
    assert "a failing exit code fails the run" in found["backup"].notes[0]
    poll = found["poll"].data
    assert poll["schedule"] == {"kind": "interval", "seconds": 900}
    assert poll["catch_up"] == "skip"
    assert poll["action"]["shell"] is True and poll["action"]["line"] == "/bin/echo $GREETING"
    boot = found["boot"]
    assert boot.data["schedule"] == {"kind": "cron", "expr": "@reboot"}
    assert boot.data["action"]["argv"] == ["/usr/bin/startup", "--now"]
    assert "without the 2min delay" in boot.notes[0]
    assert plan.notes == [
        "backup.timer: AccuracySec=1h",
        "backup.service: Nice=10",
        "last.timer (skipped): OnCalendar=*-*~01: '~' (days counted from the month's end) "
        "has no cron form",
        "lonely.timer (skipped): its service lonely.service is not in the folder",
        "sync@.timer (skipped): a template (its instances are not known here)",
    ]
    specs = plan.specs(NOW)
    assert [s.name for s in specs] == ["backup", "boot", "poll", "twice"]
    # several OnCalendar= lines: the task fires at each, as the timer does (it was skipped,
    # "a Tickwork task has one schedule", though a task has several)
    assert found["twice"].data["schedule"] == {"kind": "any", "schedules": [
        {"kind": "cron", "expr": "0 10 * * 1"}, {"kind": "cron", "expr": "0 16 * * 5"}]}


def test_an_unknown_specifier_skips_the_unit() -> None:
    units = {"a.timer": "[Timer]\nOnCalendar=daily\n",
             "a.service": "[Service]\nExecStart=/bin/run %t/sock\n"}
    plan = read_timers(units, "units", home="/h", user="u")
    assert plan.tasks == []
    assert plan.notes == ["a.timer (skipped): the specifier %t in '/bin/run %t/sock' is not "
                          "mapped"]
