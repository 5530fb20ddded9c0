"""The moments in a run's notes — "replaced by the fire at …", "waiting for upstream 'a' to
fire at …" — are said in local time by `run show` and `run list`, as every other time they
show; they were the one time a user saw in UTC ("… 07:04:37 UTC"). The engine still writes
them in UTC, said so (the note is read anywhere: app/core/rules.py's `when_text`), and
`--json` keeps them as stored. A real engine, through the CLI; the zone injected (TZ)."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from faults.harness import wait_until
from tests.support import tickwork

ZONE = "Asia/Tokyo"  # (+09:00 all year: no moment said twice, so no offset is added)


def _in_zone(home: Path, *args: str) -> str:
    proc = tickwork.run(["--home", str(home), *args], env={**os.environ, "TZ": ZONE},
                        timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_a_notes_moment_is_said_in_local_time(spawn: Any, cli: Any, home: Path) -> None:
    engine = spawn()
    engine.wait_for("engine running")
    assert cli("task", "add", "newer", "--every", "1s", "--overlap", "replace",
               "--command", "sleep 30").code == 0
    replaced = wait_until(lambda: [r for r in cli("run", "list", "--task", "newer", "--json")
                                   .json() if r["status"] == "cancelled"], 10)
    assert cli("task", "pause", "newer").code == 0
    assert engine.stop() == 0
    run = replaced[0]
    stored = " ".join(filter(None, [run["error"], run["reason"]]))
    found = re.search(r"replaced by the fire at (\S+ \S+) UTC", stored)
    assert found is not None, stored  # (--json: as stored)
    _said_here(home, run["id"], "newer", f"replaced by the fire at {_here(found[1])}")


def test_a_dependency_notes_moment_is_said_in_local_time(
        spawn: Any, cli: Any, home: Path) -> None:
    """A run waiting for its upstream's run when the engine stopped keeps that note: "waiting
    for upstream up (run 3 at …); the engine stopped before it started"."""
    engine = spawn()
    engine.wait_for("engine running")
    assert cli("task", "add", "up", "--every", "10s", "--command", "sleep 8").code == 0
    assert cli("task", "add", "down", "--every", "10s", "--depends-on", "up",
               "--command", "true").code == 0

    def waiting() -> list[dict[str, Any]]:
        return [r for r in cli("run", "list", "--task", "down", "--json").json()
                if "waiting for upstream" in (r["reason"] or "")]
    wait_until(waiting, 30)
    assert engine.stop() == 0  # (the note stays: it never started)
    run = waiting()[0]
    found = re.search(r"\(((?:run \d+|fire) at) (\S+ \S+) UTC\)", run["reason"])
    assert found is not None, run["reason"]  # (--json: as stored)
    _said_here(home, run["id"], "down", f"({found[1]} {_here(found[2])})")


def _here(stored: str) -> str:
    """A moment the engine wrote in a note (UTC) as the CLI says it in ZONE."""
    return datetime.strptime(stored, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC).astimezone(
        ZoneInfo(ZONE)).strftime("%Y-%m-%d %H:%M:%S")


def _said_here(home: Path, run_id: int, task: str, words: str) -> None:
    """`run show` and `run list`'s row say `words`, and no moment in UTC."""
    shown = _in_zone(home, "run", "show", str(run_id))
    assert words in shown and " UTC" not in shown, shown
    listed = _in_zone(home, "run", "list", "--task", task)
    row = next(line for line in listed.splitlines() if line.startswith(f"{run_id} "))
    assert words in row and " UTC" not in row, row


def test_other_utc_looking_text_is_left_as_it_was_written(
        spawn: Any, cli: Any, home: Path, tmp_path: Path) -> None:
    """Only the moments the engine wrote are said locally: a Python task's exception that
    names a moment in UTC ("deadline 2026-01-01 00:00:00 UTC passed") is what the program
    said, word for word — it read "deadline 2026-01-01 09:00:00 passed" in Tokyo, a time
    the program never wrote — and so is an upstream task named like one."""
    (tmp_path / "deadline.py").write_text(
        "def late():\n    raise ValueError('deadline 2026-01-01 00:00:00 UTC passed')\n")
    said = "ValueError: deadline 2026-01-01 00:00:00 UTC passed"
    up = "2026-01-01 00:00:00 UTC"
    assert cli("task", "add", "late", "--python", "deadline:late", "--cwd", str(tmp_path),
               "--manual").code == 0
    assert cli("task", "add", up, "--every", "10s", "--command", "sleep 8").code == 0
    assert cli("task", "add", "down", "--every", "10s", "--depends-on", up,
               "--command", "true").code == 0
    engine = spawn()
    engine.wait_for("engine running")
    ran = tickwork.run(["--home", str(home), "task", "run", "late", "--wait", "30"],
                       env={**os.environ, "TZ": ZONE}, timeout=60)
    assert ran.returncode == 1 and f"failed ({said})" in ran.stdout, ran.stdout + ran.stderr

    def waiting() -> list[dict[str, Any]]:
        return [r for r in cli("run", "list", "--task", "down", "--json").json()
                if "waiting for upstream" in (r["reason"] or "")]
    wait_until(waiting, 30)
    assert engine.stop() == 0
    failed = cli("run", "list", "--task", "late", "--json").json()[0]
    assert failed["error"] == said  # (as stored)
    assert said in _in_zone(home, "run", "show", str(failed["id"]))
    assert said in _in_zone(home, "run", "list", "--task", "late")
    held = waiting()[0]
    shown = _in_zone(home, "run", "show", str(held["id"]))
    assert f"waiting for upstream {up} (" in shown, shown
    assert shown.count(" UTC") == 1, shown  # (the name's; the engine's moment said here)
