"""A Python action's keyword arguments are bounded as its command is (1,000,000 characters):
they had no bound, and an import file kept 50 MB of them, read with the task by the engine
and every list and sent to a worker at each run (a fault hunt: its run started 1.9 s late,
the engine grew by 150 MB). An import giving more is refused in one line naming the field,
nothing imported; as much as the bound still imports and runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import command_task


def _file(tmp_path: Path, size: int) -> Path:
    task = command_task("big-kwargs")
    task["action"] = {"kind": "python", "target": "json:dumps",
                      "kwargs": {"obj": "v" * (size - len('{"obj": ""}'))}}
    path = tmp_path / f"tasks-{size}.json"
    path.write_text(json.dumps({"version": 1, "tasks": [task]}))
    return path


def test_kwargs_longer_than_a_command_may_be_are_refused_at_import(cli: Any,
                                                                   tmp_path: Path) -> None:
    res = cli("import", str(_file(tmp_path, 50_000_000)))
    assert (res.code, res.out) == (2, ""), res
    assert res.err == ("tickwork: error: tasks[0].action.kwargs: is 50,000,000 characters of "
                       "JSON, over 1,000,000: give the function a file's path and read the "
                       "data there\n"), res.err
    assert cli("task", "list", "--json").json() == []


def test_kwargs_as_long_as_a_command_may_be_are_kept(cli: Any, tmp_path: Path) -> None:
    res = cli("import", str(_file(tmp_path, 1_000_000)))
    assert res.code == 0, res
    kwargs = cli("task", "show", "big-kwargs", "--json").json()["action"]["kwargs"]
    assert len(kwargs["obj"]) == 1_000_000 - len('{"obj": ""}')
