"""A task whose time zone this machine does not know (tzdata dropped the name, or a backup
came from a machine with newer zone data) is left out of what the engine schedules, said once
in its log, as a task it cannot read: no fire of it can be worked out, and every step of the
engine failed on it ("dispatcher step failed … unknown time zone"), its start-up recovery of
every task's missed fires too. `task show` still shows it, and `task update --tz` gives it a
zone the engine then schedules it in (tests/cli/test_zone_gone.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any


def test_a_task_in_a_zone_this_machine_lacks_stops_no_other(spawn: Any, cli: Any,
                                                             home: Path) -> None:
    for name in ("gone", "good"):
        assert cli("task", "add", name, "--command", "true", "--every", "1s").code == 0
    with sqlite3.connect(home / "tickwork.db") as con:
        con.execute("UPDATE task SET timezone = 'Atlantis/Capital' WHERE name = 'gone'")
    engine = spawn()
    engine.wait_for("engine running on")
    ran = cli("task", "run", "good", "--wait", "30")
    assert ran.code == 0, (ran.out, ran.err)
    assert "step failed" not in engine.text() and "Traceback" not in engine.text()
    assert engine.text().count("task 'gone' (id 1) cannot be read and is left out: tz: "
                               "unknown time zone: 'Atlantis/Capital'") == 1
    assert cli("task", "show", "gone").code == 0
    assert [t["name"] for t in cli("task", "list", "--json").json()] == ["gone", "good"]
    assert cli("task", "update", "gone", "--tz", "UTC").code == 0
    engine.wait_for(" of gone: succeeded")  # scheduled in its new zone
