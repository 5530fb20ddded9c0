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


def test_a_file_whose_name_is_not_utf8_is_written_and_read_at_every_door(tmp_path: Path) -> None:
    """A file's name may be any bytes: export wrote the file and then failed recording it
    ("failed: UnicodeEncodeError", exit 1), and import, restore and the crontab and systemd
    imports failed the same way, nothing done."""
    home, other = tmp_path / "home", tmp_path / "other"
    ok(home, "task", "add", "keep", "--command", "true", "--every", "5m")
    folder = os.fsencode(tmp_path)
    export, backup = folder + b"/t\xe2che.json", folder + b"/sauvegard\xe9.db"
    crontab, units = folder + b"/cr\xf4n", folder + b"/unit\xe9s"
    with open(crontab, "wb") as fh:
        fh.write(b"0 2 * * * echo nightly\n")
    os.mkdir(units)
    with open(units + b"/beat.timer", "wb") as fh:
        fh.write(b"[Timer]\nOnCalendar=hourly\n")
    with open(units + b"/beat.service", "wb") as fh:
        fh.write(b"[Service]\nExecStart=/bin/true\n")
    for args, said in [
        ([b"export", export], b"exported 1 task to " + export + b"\n"),
        ([b"backup", backup], b"backed up "),
        ([b"import", b"--crontab", crontab], b"imported 1 task from crontab " + crontab),
        ([b"import", b"--systemd", units], b"imported 1 task from systemd units in " + units),
    ]:
        proc = raw(home, *args)
        assert proc.returncode == 0 and proc.stdout.startswith(said), proc.stderr
    proc = raw(other, b"import", export)
    assert proc.returncode == 0 and proc.stdout == b"imported 1 task: keep\n", proc.stderr
    proc = raw(other, b"restore", backup)
    assert proc.returncode == 0 and proc.stdout.startswith(b"restored " + backup), proc.stderr
    assert [t["name"] for t in ok(other, "task", "list", "--json").json()] == ["keep"]
    targets = [e["target"] for e in ok(home, "audit", "--json").json()]
    assert os.fsdecode(export).replace("\udce2", "\\udce2") in targets
    for where in (home, other):
        assert ok(where, "audit", "--verify").code == 0


def test_a_home_whose_path_is_not_utf8_holds_tasks_and_secrets(tmp_path: Path) -> None:
    """Every command in such a home said "failed: UnicodeEncodeError" (its keyring slot is
    named from its path); its slot is now named from the path's bytes, the same as before for
    every path that is text."""
    home = os.fsencode(tmp_path) + b"/donn\xe9es"
    for args in ([b"task", b"add", b"t", b"--command", b"true", b"--every", b"5m"],
                 [b"secret", b"set", b"token"],
                 [b"task", b"add", b"u", b"--command", b"true", b"--secret-env", b"T=token"],
                 [b"audit", b"--verify"]):
        proc = subprocess.run([sys.executable, "-m", "app.cli", "--home", home, *args],
                              input=b"s3cret\n", capture_output=True, cwd=ROOT, timeout=60)
        assert proc.returncode == 0, (args, proc.stderr)
    assert [t["name"] for t in ok(Path(os.fsdecode(home)), "task", "list", "--json").json()] == [
        "t", "u"]


def test_a_number_json_has_not_is_refused_naming_where(tmp_path: Path) -> None:
    """Python's JSON reads NaN and Infinity, JSON has neither: `--kwargs '{"x": NaN}'` was
    kept, and `task show --json`, `task list --json` and `export` printed what other JSON
    readers (`jq`, a browser) refuse."""
    home = tmp_path / "home"
    for kwargs, said in [('{"key": NaN}', "key: holds NaN"),
                         ('{"key": [1, -Infinity]}', "key: holds -Infinity")]:
        result = tickwork(home, "task", "add", "p", "--python", "os:getenv", "--kwargs",
                          kwargs, "--no-verify")
        assert result.code == 2 and result.err == (
            f"tickwork: error: kwargs: {said}, which is no JSON number: give a number or "
            "null\n")
    path = tmp_path / "tasks.json"
    path.write_text('{"version": 1, "tasks": [{"name": "p", "action": {"kind": "python", '
                    '"target": "os:getenv", "kwargs": {"default": Infinity}}}]}')
    result = tickwork(home, "import", str(path), "--no-verify")
    assert result.code == 2 and result.err == (
        "tickwork: error: tasks[0].action.kwargs: default: holds Infinity, which is no JSON "
        "number: give a number or null\n")
    assert ok(home, "task", "list", "--json").json() == []


def test_a_whole_number_longer_than_python_reads_is_refused_naming_where(
        tmp_path: Path) -> None:
    """`--kwargs '{"n": <5,000 digits>}'` and an import file holding one ended in "failed:
    ValueError: Exceeds the limit (4300 digits) for integer string conversion …", exit 1."""
    home = tmp_path / "home"
    digits = "9" * 5000
    result = tickwork(home, "task", "add", "p", "--python", "os:getenv", "--kwargs",
                      f'{{"n": {digits}}}', "--no-verify")
    assert result.code == 2 and result.err == (
        "tickwork: error: kwargs: holds a whole number of more than 4,300 digits\n")
    path = tmp_path / "tasks.json"
    path.write_text(f'{{"version": 1, "tasks": [{{"name": "p", "priority": {digits}}}]}}')
    result = tickwork(home, "import", str(path))
    assert result.code == 2 and result.err == (
        f"tickwork: error: file: {path} holds a whole number of more than 4,300 digits\n")
    assert ok(home, "task", "list", "--json").json() == []
