"""`tickwork import`'s notes — what it renamed or kept, left as it is, could not map, would
refuse — go to stderr; stdout holds the result alone ("imported 2 tasks: …", a preview's
table), what a script reads, and with `--json` nothing but the JSON. The notes were mixed
into stdout, where `tickwork import … | tail -1` read "not mapped: …" as the result."""

from __future__ import annotations

import json
from typing import Any

CRONTAB = ("MAILTO=me@example.com\n"
           "0 2 * * * /bin/echo nightly\n"
           "*/5 * * * * /bin/true\n")


def test_notes_go_to_stderr_and_the_result_stays_alone_on_stdout(cli: Any) -> None:
    assert cli("task", "add", "true", "--command", "true", "--manual").code == 0
    preview = cli("import", "--crontab", "-", "--dry-run", "--skip-existing", stdin=CRONTAB)
    assert preview.code == 0, preview.err
    assert preview.out.splitlines()[0] == "would create 1 task from crontab (standard input):"
    assert len(preview.out.splitlines()) == 3  # (the table: its head and its one row)
    assert preview.err.splitlines() == [
        "already here, left as they are: true",
        "not mapped: line 1: MAILTO=me@example.com (Tickwork sends no mail; a failed run is "
        "shown as a desktop notification)",
        "nothing was imported (--dry-run)"]
    done = cli("import", "--crontab", "-", "--skip-existing", stdin=CRONTAB)
    assert done.code == 0, done.err
    assert done.out == "imported 1 task from crontab (standard input): echo-nightly\n"
    assert done.err.splitlines()[0] == "already here, left as they are: true"


def test_json_is_all_stdout_holds(cli: Any) -> None:
    assert cli("task", "add", "true", "--command", "true", "--manual").code == 0
    for extra in (["--dry-run"], []):
        result = cli("import", "--crontab", "-", "--skip-existing", "--json", *extra,
                     stdin=CRONTAB)
        assert result.code == 0, result.err
        data = json.loads(result.out)  # (the whole of stdout: nothing before or after)
        assert data["already_here"] == ["true"] and len(data["not_mapped"]) == 1
        assert result.err == ""
