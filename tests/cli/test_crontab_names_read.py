"""A crontab line's task is named as its command reads: `date +\\%Y-\\%m-\\%d` was named
`date-+%Y-%m-%d`, its program and a date's format run together by the "-" that joins a word
(`rsync-notes`). An argument that is no word keeps the space it was typed with: the name is
`date +%Y-%m-%d`, a name Tickwork's rules allow, found by `task show` as it is listed, and
the same at each import (a second import is refused by name)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

CRONTAB = """\
0 1 * * * date +\\%Y-\\%m-\\%d >> /tmp/dates.log
0 2 * * * rsync -a ~/notes /mnt/backup/
"""


def test_a_format_argument_keeps_its_space_in_the_name(cli: Any, tmp_path: Path) -> None:
    crontab = tmp_path / "crontab"
    crontab.write_text(CRONTAB)
    imported = cli("import", "--crontab", str(crontab), "--no-verify")
    assert imported.code == 0, imported.err
    listed = sorted(t["name"] for t in cli("task", "list", "--json").json())
    assert listed == ["date +%Y-%m-%d", "rsync-notes"]
    shown = cli("task", "show", "date +%Y-%m-%d", "--json")
    assert shown.code == 0, shown.err
    assert shown.json()["action"]["line"] == "date +%Y-%m-%d >> /tmp/dates.log"
    again = cli("import", "--crontab", str(crontab), "--no-verify")
    assert again.code == 2 and "'date +%Y-%m-%d'" in again.err, again
