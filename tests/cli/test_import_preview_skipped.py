"""`tickwork import --crontab FILE|--systemd DIR --dry-run --skip-existing`: the preview's
table listed the tasks already here too, under "would create 1 task" and above a line saying
they would be left as they are (a fault hunt). The table (and `--json`'s tasks) now holds
only what would be created; the line below names the rest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.cli.test_crontab_systemd import units

HERE = "0 2 * * * /bin/echo backup\n*/5 * * * * /bin/true\n"
NEW = "0 3 * * * /bin/echo other\n"


def rows(out: str) -> list[list[str]]:
    """The preview table's rows (the line under the count is its header)."""
    lines = out.splitlines()
    end = next((i for i, line in enumerate(lines) if line.startswith(("already here",
                                                                        "not mapped",
                                                                        "nothing was"))),
               len(lines))
    return [line.split() for line in lines[2:end]]


def test_a_crontab_preview_leaves_out_the_tasks_already_here(cli: Any, tmp_path: Path) -> None:
    first = tmp_path / "first"
    first.write_text(HERE)
    assert cli("import", "--crontab", str(first)).code == 0
    names = sorted(t["name"] for t in cli("task", "list", "--json").json())
    both = tmp_path / "both"
    both.write_text(HERE + NEW)
    preview = cli("import", "--crontab", str(both), "--dry-run", "--skip-existing")
    assert preview.code == 0, preview.err
    lines = preview.out.splitlines()
    assert lines[0] == f"would create 1 task from crontab {both}:"
    assert lines[1].split() == ["from", "name", "schedule", "time", "zone", "command", "notes"]
    assert [row[:3] for row in rows(preview.out)] == [["line", "3", "echo-other"]]
    assert lines[3:] == []  # (the notes: on stderr, beside the result)
    assert preview.err.splitlines() == [f"already here, left as they are: {', '.join(names)}",
                                        "nothing was imported (--dry-run)"]
    as_json = cli("import", "--crontab", str(both), "--dry-run", "--skip-existing", "--json")
    assert [t["name"] for t in as_json.json()["tasks"]] == ["echo-other"]
    assert sorted(as_json.json()["already_here"]) == names
    done = cli("import", "--crontab", str(both), "--skip-existing", "--json").json()
    assert [t["name"] for t in done["tasks"]] == ["echo-other"]  # what was created
    again = cli("import", "--crontab", str(both), "--dry-run", "--skip-existing")
    assert again.out.splitlines() == [f"would create 0 tasks from crontab {both}:"]
    assert again.err.splitlines()[0] == (f"already here, left as they are: "
                                         f"{', '.join([*names, 'echo-other'])}")


def test_a_systemd_preview_leaves_out_the_tasks_already_here(cli: Any, tmp_path: Path) -> None:
    folder = units(tmp_path / "user", tmp_path)
    assert cli("task", "add", "Poll", "--command", "true", "--manual").code == 0  # (any case)
    preview = cli("import", "--systemd", str(folder), "--dry-run", "--skip-existing")
    assert preview.code == 0, preview.err
    assert preview.out.splitlines()[0] == f"would create 1 task from systemd units in {folder}:"
    assert [row[:2] for row in rows(preview.out)] == [["backup.timer", "backup"]]
    assert "already here, left as they are: poll" in preview.err.splitlines()
