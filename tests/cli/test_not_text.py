"""Input that is not text — bytes that are not UTF-8 in an argument (`$'\\xff'`, a file name
pasted from a Latin-1 listing), a lone surrogate a JSON file escapes (`"\\ud800"`) — is refused
in one line naming the option or the file's key, exit 2, nothing changed: no store can keep
it, and every door that took it said "failed: UnicodeEncodeError: 'utf-8' codec can't encode
character '\\udcff' …" (exit 1)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.test_transfer import ok, tickwork
from tests.conftest import ROOT

NOT_TEXT = ("which is not a Unicode character (a byte that is not UTF-8, or half of a UTF-16 "
            "pair)")


def raw(home: Path, *args: bytes) -> subprocess.CompletedProcess[bytes]:
    """The CLI given these bytes as its arguments, as a shell gives `$'\\xff'`."""
    return subprocess.run([sys.executable, "-m", "app.cli", "--home", os.fsencode(home), *args],
                          capture_output=True, cwd=ROOT, timeout=60)


@pytest.mark.parametrize(("args", "said"), [
    ([b"task", b"add", b"t", b"--command", b"true", b"--description", b"caf\xe9"],
     "description: holds \\udce9 at character 4"),
    ([b"task", b"add", b"t", b"--command", b"true", b"--env", b"A=\xff"],
     "env: holds \\udcff at character 3"),
    ([b"task", b"add", b"t", b"--command", b"ls /srv/\xe9t\xe9"],
     "command: holds \\udce9 at character 9"),
    ([b"task", b"update", b"keep", b"--cwd", b"/tmp/\xff"], "cwd: holds \\udcff at character 6"),
    ([b"task", b"show", b"k\xe9ep"], "task: holds \\udce9 at character 2"),
    ([b"task", b"list", b"--search", b"\xff"], "search: holds \\udcff at character 1"),
    ([b"run", b"list", b"--task", b"\xff"], "task: holds \\udcff at character 1"),
])
def test_an_argument_that_is_not_text_is_named_by_its_option(
        tmp_path: Path, args: list[bytes], said: str) -> None:
    home = tmp_path / "home"
    ok(home, "task", "add", "keep", "--command", "true", "--manual")
    before = ok(home, "task", "show", "keep", "--json").json()
    proc = raw(home, *args)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.decode() == f"tickwork: error: {said}, {NOT_TEXT}\n"
    assert [t["name"] for t in ok(home, "task", "list", "--json").json()] == ["keep"]
    assert ok(home, "task", "show", "keep", "--json").json() == before


@pytest.mark.parametrize(("key", "value", "said"), [
    ("description", "half \\ud800 a pair", "tasks[1].description: holds \\ud800 at character 6"),
    ("env", {"A": "v\\udcff"}, "tasks[1].env: A: holds \\udcff at character 2"),
    ("action", {"kind": "command", "argv": ["echo", "\\udfff"]},
     "tasks[1].action.argv: holds \\udfff at character 1"),
    ("action", {"kind": "python", "target": "os:getcwd", "kwargs": {"k": ["\\ud83d"]}},
     "tasks[1].action.kwargs: k: holds \\ud83d at character 1"),
])
def test_a_file_escaping_half_a_pair_is_refused_naming_its_key(
        tmp_path: Path, key: str, value: object, said: str) -> None:
    home = tmp_path / "home"
    task = {"name": "bad", "action": {"kind": "command", "argv": ["true"]}, key: value}
    text = json.dumps({"version": 1, "tasks": [{"name": "fine", "action": {
        "kind": "command", "argv": ["true"]}}, task]}).replace("\\\\u", "\\u")
    assert "\\ud" in text and "\\\\ud" not in text  # the file escapes a lone surrogate
    path = tmp_path / "tasks.json"
    path.write_text(text)
    result = tickwork(home, "import", str(path))
    assert result.code == 2 and result.err == f"tickwork: error: {said}, {NOT_TEXT}\n"
    assert ok(home, "task", "list", "--json").json() == []
