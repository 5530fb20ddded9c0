"""`tickwork import FILE` names what it made on one line a person can read: a few tasks all
by name, many by their first few and how many more (300 printed all 300 names on one
line); the same for the tasks left as they were. `--json` keeps every name."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from tests.cli.test_transfer import ok


def _file(tmp_path: Path, names: list[str]) -> Path:
    home = tmp_path / "made"
    ok(home, "task", "add", "model", "--command", "true", "--every", "1h")
    export = tmp_path / "model.json"
    ok(home, "export", str(export))
    data = json.loads(export.read_text())
    (task,) = data["tasks"]
    data["tasks"] = [{**copy.deepcopy(task), "id": i + 1, "name": name}
                     for i, name in enumerate(names)]
    out = tmp_path / f"{len(names)}.json"
    out.write_text(json.dumps(data))
    return out


def test_an_import_of_300_tasks_names_the_first_five_and_how_many_more(tmp_path: Path) -> None:
    names = [f"job-{i:03d}" for i in range(300)]
    file = _file(tmp_path, names)
    home = tmp_path / "home"
    assert ok(home, "import", str(file)).out == (
        "imported 300 tasks: job-000, job-001, job-002, job-003, job-004 and 295 more\n")
    again = ok(home, "import", str(file), "--skip-existing").err  # (a note: beside it)
    assert "already here, left as they are: job-000, job-001, job-002, job-003, job-004 and " \
           "295 more\n" in again, again
    fresh = tmp_path / "fresh"
    assert json.loads(ok(fresh, "import", str(file), "--json").out)["created"] == names


def test_an_import_of_a_few_tasks_names_them_all(tmp_path: Path) -> None:
    names = [f"job-{i}" for i in range(10)]
    assert ok(tmp_path / "home", "import", str(_file(tmp_path, names))).out == (
        f"imported 10 tasks: {', '.join(names)}\n")
