"""How `run list` and `run show` print a run: cells cut alike, times local to the second,
labels in words as `task show` has them; `--json` as stored."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def _note(home: Path, run_id: int, reason: str) -> None:
    """Give a run a long note, as the engine writes one (an overlap skip, an upstream's
    failure): the store's own cancel, with that reason."""
    from app.store import runs
    from app.store.database import Store

    store = Store.open(home)
    try:
        with store.write():
            runs.cancel(run_id, datetime.now(UTC), reason)
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
