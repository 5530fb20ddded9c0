"""A secret's value is at most 1 MiB: `secret set NAME < /dev/zero` (or a stream that never
ends) read for ever, memory and all, before refusing what it read (a fault hunt), and values
of 30 MB were kept. It reads no more than the bound, refuses a larger value in one line
naming it, exit 2, and keeps nothing; 1 MiB (and its line's end) is kept."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from tests.conftest import ROOT
from tests.support import tickwork

MIB = 1 << 20
REFUSED = ("tickwork: error: value: is over 1,048,576 bytes (1 MiB): a keyring keeps small "
           "values; keep large data in a file the task reads\n")


def test_a_value_from_a_stream_that_never_ends_is_refused(home: Path, cli: Any,
                                                          tmp_path: Path) -> None:
    err = tmp_path / "err"
    with open("/dev/zero", "rb") as zero, err.open("w") as stderr:
        proc = tickwork.start(["--home", str(home), "secret", "set", "endless"], cwd=ROOT,
                              stdin=zero, stdout=subprocess.DEVNULL, stderr=stderr)
        try:
            code = proc.wait(60)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert (code, err.read_text()) == (2, REFUSED)
    assert cli("secret", "list").out == "(none)\n"


def test_one_mebibyte_is_kept_and_a_byte_more_refused(cli: Any) -> None:
    assert cli("secret", "set", "most", stdin="é" * (MIB // 2) + "\n").code == 0
    res = cli("secret", "set", "over", stdin="é" * (MIB // 2) + "x")
    assert (res.code, res.out, res.err) == (2, "", REFUSED), res
    assert cli("secret", "list").out == "most\n"
