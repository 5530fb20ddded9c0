"""Tags at scale: a task (or an import) with 100,000 tags took 78 s to be stored — each tag
was looked for among those before it (a list's `in`: quadratic). Repeats are now dropped in
one pass, first one kept, and a task has at most 1,000 different tags of at most 100
characters each (a name has 200, a group 64): more is refused in one line, exit 2, nothing
changed. A task stored with more before still lists and shows; an edit of it is refused
until its tags fit."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any


def _export_with(cli: Any, tmp_path: Path, tags: list[str]) -> Path:
    assert cli("task", "add", "seed", "--command", "true", "--manual").code == 0
    assert cli("export", str(tmp_path / "seed.json")).code == 0
    doc = json.loads((tmp_path / "seed.json").read_text())
    doc["tasks"] = [{**doc["tasks"][0], "name": "tagged", "tags": tags}]
    path = tmp_path / "tagged.json"
    path.write_text(json.dumps(doc))
    return path


def test_an_import_with_100000_tags_is_refused_in_one_line(cli: Any, tmp_path: Path) -> None:
    path = _export_with(cli, tmp_path, [f"t{i}" for i in range(100_000)])
    refused = cli("import", str(path))  # (it took 78 s and was stored)
    assert (refused.code, refused.out, refused.err) == (
        2, "", "tickwork: error: tasks[0].tags: 100,000 different tags; a task has at "
               "most 1,000\n")
    assert [t["name"] for t in cli("task", "list", "--json").json()] == ["seed"]


def test_100000_repeats_of_1000_tags_keep_the_1000_in_order(cli: Any, tmp_path: Path) -> None:
    distinct = [f"t{i}" for i in range(999, -1, -1)]
    path = _export_with(cli, tmp_path, [f" {t}" for t in distinct] * 100)
    imported = cli("import", str(path))
    assert imported.code == 0, imported.err
    assert cli("task", "show", "tagged", "--json").json()["tags"] == distinct
    # the CLI's own --tag and --untag, over a task's 1,000
    moved = cli("task", "update", "tagged", "--untag", "t0", "--tag", "t5", "--tag", "new")
    assert moved.code == 0, moved.err
    assert cli("task", "show", "tagged", "--json").json()["tags"] == [*distinct[:-1], "new"]
    over = cli("task", "update", "tagged", "--tag", "new", "--tag", "newer")
    assert (over.code, over.err) == (2, "tickwork: error: tags: 1,001 different tags; "
                                        "a task has at most 1,000\n")


def test_a_tag_of_more_than_100_characters_is_refused(cli: Any, home: Path) -> None:
    long = "x" * 101
    refused = cli("task", "add", "t", "--command", "true", "--manual", "--tag", long)
    assert (refused.code, refused.err) == (
        2, "tickwork: error: tags: 'xxxxxxxxxxxxxxxxxxxx'… is longer than 100 characters\n")
    assert cli("task", "list", "--json").json() == []
    assert cli("task", "add", "t", "--command", "true", "--manual", "--tag", long[1:]).code == 0
    stored = [long, *(f"t{i}" for i in range(1_500))]  # as an older version let it be stored
    with closing(sqlite3.connect(home / "tickwork.db")) as con, con:
        con.execute("UPDATE task SET tags = ? WHERE name = 't'", (json.dumps(stored),))
    assert cli("task", "show", "t", "--json").json()["tags"] == stored
    assert [t["name"] for t in cli("task", "list", "--json", "--search", "t1499").json()] == ["t"]
    edit = cli("task", "update", "t", "--description", "d")
    assert (edit.code, edit.err) == (2, "tickwork: error: tags: 1,501 different tags; a "
                                        "task has at most 1,000\n")
    assert cli("task", "update", "t", "--tag-clear", "--tag", "kept").code == 0
    assert cli("task", "show", "t", "--json").json()["tags"] == ["kept"]
