"""`tickwork secret set` keeps only a value a run can be given: one holding a NUL was kept,
and every run given it as a variable failed "cannot start 'printenv': embedded null byte",
naming no secret; bytes that are not UTF-8 are text no keyring keeps."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.cli.test_transfer import ok
from tests.conftest import ROOT


def secret_set(home: Path, name: str, value: bytes, stdin: str = "utf-8:surrogateescape"
               ) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "app.cli", "--home", str(home), "secret",
                           "set", name], input=value, capture_output=True, cwd=ROOT,
                          timeout=60, env={**os.environ, "PYTHONIOENCODING": stdin})


def test_a_value_no_run_can_be_given_is_refused_and_nothing_kept(tmp_path: Path) -> None:
    home = tmp_path / "home"
    not_utf8 = (b"value: holds \\udce9 at character 4, which is not a Unicode character (a "
                b"byte that is not UTF-8, or half of a UTF-16 pair)")
    for value, stdin, said in [
        (b"pass\x00word", "utf-8", b"value: holds a NUL character, which no program's "
                                   b"environment can carry"),
        (b"caf\xe9", "utf-8:surrogateescape", not_utf8),
        (b"caf\xe9", "utf-8:strict", not_utf8),  # ("failed: UnicodeDecodeError", exit 1)
    ]:
        proc = secret_set(home, "token", value, stdin)
        assert proc.returncode == 2 and proc.stderr == b"tickwork: error: " + said + b"\n"
    assert ok(home, "secret", "list", "--json").json() == []
    proc = secret_set(home, "token", "café\n".encode())
    assert proc.returncode == 0, proc.stderr
    assert ok(home, "secret", "list", "--json").json() == ["token"]


def test_a_value_read_from_a_windows_file_ends_with_its_line(tmp_path: Path) -> None:
    """`tickwork secret set token < token.txt`, the file saved on Windows: the value kept its
    "\\r", and the password the runs were given was wrong by a character no one sees."""
    home = tmp_path / "home"
    for value in (b"s3cret\r\n", b"s3cret\n", b"s3cret"):
        proc = secret_set(home, "token", value)
        assert proc.returncode == 0, proc.stderr
        kept = json.loads(Path(os.environ["TICKWORK_TEST_KEYRING"]).read_text()).values()
        assert "s3cret" in kept and "s3cret\r" not in kept, value  # (the test's keyring file)
