"""How `run list` and `run show` print a run: cells cut alike, times local to the second,
labels in words as `task show` has them; `--json` as stored."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo


def _note(home: Path, run_id: int, reason: str) -> None:
    """Give a run a long note, as the engine writes one (an overlap skip, an upstream's
    failure): the run ended, with that reason."""
    from app.store import ledger
    from app.store.database import Store

    store = Store.open(home)
    try:
        with store.write():
            ledger.update(run_id, {"status": "cancelled", "finished_at": datetime.now(UTC),
                                   "reason": reason})
    finally:
        store.close()


def test_run_list_cuts_a_long_note_with_an_ellipsis_as_other_cells(cli: Any, home: Path
                                                                   ) -> None:
    assert cli("task", "add", "t", "--command", "true", "--manual").code == 0
    run = cli("task", "run", "t", "--json").json()["id"]
    note = ("skipped (overlap: 1 run of this task is going, --max-instances 1, --overlap "
            "skip)")
    _note(home, run, note)
    (line,) = cli("run", "list").out.splitlines()[1:]
    assert line.endswith(note[:59] + "…")
    assert cli("run", "list", "--json").json()[0]["reason"] == note


def test_run_show_reads_like_task_show_in_local_time_to_the_second(
        cli: Any, monkeypatch: Any) -> None:
    """Labels in words, right-aligned as `task show` has them; each time the moment's wall
    time here (a zone half an hour off UTC, so neither UTC nor a whole-hour shift passes),
    to the second; `--json` the same moments, ISO 8601 with offset and microseconds."""
    from tests.conftest import local_zone

    zone = local_zone(monkeypatch, "Asia/Kolkata")
    next(zone)
    try:
        assert cli("task", "add", "t", "--command", "true", "--manual").code == 0
        run = cli("task", "run", "t", "--json").json()["id"]
        assert cli("run", "cancel", str(run)).code == 0
        data = cli("run", "show", str(run), "--json").json()
        shown = cli("run", "show", str(run)).out
    finally:
        next(zone, None)
    assert datetime.fromisoformat(data["scheduled_for"]).utcoffset() is not None
    assert "." in data["scheduled_for"]  # microseconds kept in the JSON

    def here(iso: str) -> str:
        return datetime.fromisoformat(iso).astimezone(ZoneInfo("Asia/Kolkata")).strftime(
            "%Y-%m-%d %H:%M:%S")

    card = dict(line.split(": ", 1) for line in shown.splitlines())
    assert card == {
        "          id": str(run), "        task": f"t (id {data['task_id']})",
        "      status": "cancelled", "     attempt": "1", "     trigger": "manual",
        "   scheduled": here(data["scheduled_for"]), "      queued": here(data["queued_at"]),
        "     started": "-", "    finished": here(data["finished_at"]), "    duration": "-",
        "        late": "-", "   exit code": "-", "why it ended": "cancelled on request",
        "        note": "-",  # (as an engine's cancel says it; who asked: the audit)
        "   after run": "-", "cancel asked": "yes",
        "   celery id": "-", "  checkpoint": "-",
        "   resources": "-"}


def test_run_list_shows_what_followed_a_run_before_why_it_was_claimed(cli: Any, home: Path
                                                                       ) -> None:
    """A last attempt's note is why it was claimed (its retry's words, long), then what
    followed it: `run list`'s NOTE cut the fallback off at 60 columns behind the retry's
    words. What followed comes first now; `run show` and `--json` keep the note as stored."""
    from app.store import ledger
    from app.store.database import Store

    assert cli("task", "add", "t", "--command", "false", "--manual").code == 0
    run = cli("task", "run", "t", "--json").json()["id"]
    note = ("retry of run 5 (attempt 1 failed: exit code 1), due 0.1 s after it ended, the "
            "retry delay ± 10 %; fell back to “rescue”, run 9")
    store = Store.open(home)
    try:
        with store.write():
            ledger.update(run, {"status": "failed", "finished_at": datetime.now(UTC),
                                "exit_code": 1, "reason": note})
    finally:
        store.close()
    (line,) = cli("run", "list").out.splitlines()[1:]
    assert line.endswith("exit code 1 · fell back to “rescue”, run 9; retry of run 5 …"), line
    assert cli("run", "list", "--json").json()[0]["reason"] == note
    assert f"        note: {note}\n" in cli("run", "show", str(run)).out
