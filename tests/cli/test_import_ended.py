"""`tickwork import` of a task whose end is already past: imported (all or nothing, and an
export of a home with such a task imports again), and said in a note naming it, when it
ended and that it never fires — it was imported silently, enabled and never to fire, while
`task add --end <past>` is refused. `--json` has the same words in its `notes`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.support import tickwork

NOTE = ("task {!r} ends 2025-01-01 00:00 (UTC), in the past: it never fires until its end "
        "is cleared or moved")


def _cli(home: Path, *args: str) -> Any:
    return tickwork.run(["--home", str(home), *args], timeout=60)


def test_an_import_keeps_a_task_whose_end_is_past_and_says_so(cli: Any, tmp_path: Path
                                                               ) -> None:
    for name, end in (("ended", "2099-01-01 00:00"), ("live", "2099-01-01 00:00"),
                      ("open", None)):
        assert cli("task", "add", name, "--command", "true", "--every", "1h", "--tz", "UTC",
                   *(["--end", end] if end else [])).code == 0
    assert cli("task", "add", "by-hand", "--command", "true", "--manual").code == 0
    export = tmp_path / "tasks.json"
    assert cli("export", str(export)).code == 0
    data = json.loads(export.read_text())
    for task in data["tasks"]:
        if task["name"] in ("ended", "by-hand"):  # (a task run by hand has no fires to end)
            task["end_at"] = "2025-01-01T00:00:00+00:00"
    export.write_text(json.dumps(data))

    second = tmp_path / "second"
    imported = _cli(second, "import", str(export))
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout == "imported 4 tasks: ended, live, open, by-hand\n"
    assert imported.stderr == f"note: {NOTE.format('ended')}\n"  # (beside the result)
    shown = json.loads(_cli(second, "task", "show", "ended", "--json").stdout)
    assert (shown["end_at"], shown["enabled"]) == ("2025-01-01T00:00:00+00:00", True)

    again = tmp_path / "again.json"  # the round trip: its export imports, said again
    assert _cli(second, "export", str(again)).returncode == 0
    third = _cli(tmp_path / "third", "import", "--json", str(again))
    assert third.returncode == 0, third.stderr
    said = json.loads(third.stdout)
    assert (said["created"], said["notes"]) == (["ended", "live", "open", "by-hand"],
                                                [NOTE.format("ended")])
