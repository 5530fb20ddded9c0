"""The command line run with its standard output a terminal (a pseudo-terminal), as a person
at a shell runs it: what it wrote there, its exit status and its standard error."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def on_a_terminal(args: list[str], cwd: Path = ROOT) -> tuple[int, str, str]:
    """`python -m app.cli *args` in `cwd`, stdout a terminal: (status, what the terminal
    showed, stderr)."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", *args], cwd=cwd,
                            stdout=follower, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    code = proc.wait(30)
    assert proc.stderr is not None
    err = proc.stderr.read().decode()
    proc.stderr.close()
    return code, seen.decode("utf-8", "replace"), err
