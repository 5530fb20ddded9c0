"""JSON that does not read says where it goes wrong: `--kwargs '{"n": }'` said only "not valid
JSON: Expecting value", and a long argument left the reader to hunt for the slip. The line
and column are said, as the editor and an import file say them, and nothing is changed."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def test_kwargs_not_json_says_the_line_and_column(cli: Any) -> None:
    added = cli("task", "add", "p", "--python", "json:dumps", "--kwargs", '{"n": }')
    assert (added.code, added.out) == (2, ""), added
    assert added.err == ("tickwork: error: kwargs: not valid JSON at line 1, column 7: "
                         "Expecting value\n"), added.err
    assert cli("task", "list", "--json").json() == []
    assert cli("task", "add", "p", "--python", "json:dumps", "--kwargs", '{"obj": 1}').code == 0
    updated = cli("task", "update", "p", "--kwargs", '{"obj": 1,\n "indent": 2,,}')
    assert (updated.code, updated.err) == (2, (
        "tickwork: error: kwargs: not valid JSON at line 2, column 14: Expecting property "
        "name enclosed in double quotes\n")), updated
    assert cli("task", "show", "p", "--json").json()["action"]["kwargs"] == {"obj": 1}


def test_an_import_file_not_json_says_the_line_and_column(cli: Any, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": 1,\n "tasks": [}\n')
    refused = cli("import", str(bad))
    assert (refused.code, refused.err) == (2, (
        f"tickwork: error: file: {bad} is not valid JSON at line 2, column 12: Expecting "
        "value\n")), refused
