"""Standard output whose encoding cannot hold a task's name — a terminal of an ASCII or
Latin-1 locale, `PYTHONIOENCODING=ascii` in a cron job or a systemd unit — is written to
with what it cannot hold escaped (`\\u540d`), as Python writes stderr; `--json` and
`export -` with JSON's own escapes (the same value to a reader). Every command that printed
such a name failed ("failed: UnicodeEncodeError", exit 1), a `task add` after adding its
task; `export -` and `--json` would otherwise have written `caf\\xe9`, which is not JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.cli.test_transfer import ok
from tests.conftest import ROOT


def written(home: Path, encoding: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    """The CLI with standard output and error in `encoding` (its bytes as they came)."""
    env = {**os.environ, "PYTHONIOENCODING": encoding}
    return subprocess.run([sys.executable, "-m", "app.cli", "--home", str(home), *args],
                          capture_output=True, cwd=ROOT, env=env, timeout=60)


def test_a_name_ascii_cannot_hold_is_escaped_and_the_command_succeeds(tmp_path: Path) -> None:
    home = tmp_path / "home"
    added = written(home, "ascii", "task", "add", "名前", "--command", "true", "--manual")
    assert (added.returncode, added.stderr) == (0, b"")
    assert added.stdout == b"created task 1 '\\u540d\\u524d': Manually\n"
    ok(home, "task", "add", "plain", "--command", "true", "--manual")
    listed = written(home, "ascii", "task", "list")
    assert (listed.returncode, listed.stderr) == (0, b"")
    rows = listed.stdout.decode("ascii").splitlines()
    assert rows[2].startswith("1   \\u540d\\u524d  yes  Manually")  # (after "plain")
    # the columns after the name stay aligned: measured as written, escapes and all
    assert [row.index("Manually") for row in rows[1:]] == [rows[0].index("SCHEDULE")] * 2
    shown = written(home, "ascii", "task", "show", "名前")
    assert shown.returncode == 0 and b"name: \\u540d\\u524d\n" in shown.stdout


def test_json_and_an_export_to_stdout_stay_json_in_ascii(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ok(home, "task", "add", "café 名前", "--command", "echo 日本", "--manual")
    listed = written(home, "ascii", "task", "list", "--json")
    assert (listed.returncode, listed.stderr) == (0, b"")
    assert [t["name"] for t in json.loads(listed.stdout.decode("ascii"))] == ["café 名前"]
    exported = written(home, "ascii", "export", "-")
    assert exported.returncode == 0, exported.stderr
    (tmp_path / "tasks.json").write_bytes(exported.stdout)
    ok(tmp_path / "other", "import", str(tmp_path / "tasks.json"))
    task = ok(tmp_path / "other", "task", "show", "café 名前", "--json").json()
    assert task["action"]["argv"] == ["echo", "日本"]


def test_latin1_writes_what_it_holds_and_escapes_the_rest(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ok(home, "task", "add", "café 名前", "--command", "true", "--manual")
    listed = written(home, "latin-1", "task", "list")
    assert listed.returncode == 0, listed.stderr
    assert b"1   caf\xe9 \\u540d\\u524d  yes" in listed.stdout
    as_json = written(home, "latin-1", "task", "list", "--json")
    assert json.loads(as_json.stdout.decode("latin-1"))[0]["name"] == "café 名前"
