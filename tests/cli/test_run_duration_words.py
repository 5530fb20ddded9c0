"""`run show` says a run's duration as the window does (app.core.durations.duration_text): a
run of 0.3 ms read "0.000 s" here and "0 ms" in the window, as if it had taken no time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any


def _took(home: Path, run_id: int, seconds: float) -> None:
    """End a queued run as the engine records one that ran `seconds`."""
    from app.store.database import Store
    from app.store.models import RunRow

    store = Store.open(home)
    try:
        began = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)
        with store.write():
            RunRow.update(status="succeeded", exit_code=0, started_at=began,
                          finished_at=began + timedelta(seconds=seconds)).where(
                RunRow.id == run_id).execute()
    finally:
        store.close()


def test_run_show_says_a_run_shorter_than_a_millisecond_took_under_one(cli: Any, home: Path
                                                                        ) -> None:
    assert cli("task", "add", "t", "--command", "true", "--manual").code == 0
    for seconds, said in ((0.0003, "<1 ms"), (0.0005, "<1 ms"), (0.0015, "2 ms"),
                          (0.85, "850 ms"), (4.213, "4.2 s"),
                          (185, "3 min 5 s")):
        run = cli("task", "run", "t", "--json").json()["id"]
        _took(home, run, seconds)
        shown = cli("run", "show", str(run))
        assert f"    duration: {said}\n" in shown.out, shown
        assert cli("run", "show", str(run), "--json").json()["duration_s"] == seconds
