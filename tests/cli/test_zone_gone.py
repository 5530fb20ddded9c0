"""A task whose time zone this machine does not know — tzdata dropped the name (US/Pacific-New
went in 2020), or a backup came from a machine with newer zone data — can be given one it
knows: `task update T --tz ZONE` was refused with the old zone's error ("tz: unknown time
zone: 'Atlantis/Capital' (use an IANA name such as …)"), the one way out closed. Another
change names the zone and the way out."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any


def test_a_task_in_a_zone_this_machine_lacks_takes_one_it_knows(cli: Any, home: Path) -> None:
    assert cli("task", "add", "nightly", "--command", "true", "--cron", "0 2 * * *").code == 0
    assert cli("task", "add", "once", "--command", "true", "--at",
               "2031-05-01T09:00:00+00:00").code == 0
    with sqlite3.connect(home / "tickwork.db") as con:
        con.execute("UPDATE task SET timezone = 'Atlantis/Capital'")
    at = cli("task", "show", "once", "--json").json()["schedule"]["at"]
    refused = cli("task", "update", "nightly", "--description", "x")
    assert refused.code == 2 and refused.err == (
        "tickwork: error: tz: the task's time zone 'Atlantis/Capital' is not one this machine "
        "knows (its time zone data lacks it): give it one that is with --tz ZONE\n")
    moved = cli("task", "update", "nightly", "--tz", "Europe/Berlin", "--description", "x")
    assert moved.code == 0 and moved.out == (
        "updated task 1 'nightly': At 02:00 (Europe/Berlin)\n"), moved.err
    assert cli("task", "update", "once", "--tz", "Asia/Tokyo").code == 0
    once = cli("task", "show", "once", "--json").json()
    assert once["timezone"] == "Asia/Tokyo"  # the moment it fires kept: no wall time to keep
    assert once["schedule"]["kind"] == "date" and once["schedule"]["at"] == at
    nightly = cli("task", "show", "nightly", "--json").json()
    assert (nightly["timezone"], nightly["description"]) == ("Europe/Berlin", "x")
