"""A run's output shown on a terminal: the escape sequences and controls a program printed are
shown, not obeyed (they could move the cursor, retitle the window, hide lines); piped or
saved, the output stays byte for byte as the program wrote it."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.conftest import ROOT, command_task

PRINTED = "plain \x1b[31mred\x1b[0m\x1b]0;owned\x07 bell\x07 back\r\x9b end\n"


def noisy_run(home: Path, output: str = PRINTED, error: str | None = None) -> int:
    """A run of a task "noisy" that printed `output` (and failed with `error`, if given)."""
    from app.service import Service
    from app.store import ledger
    from app.store.database import Store
    from app.store.times import utc_text

    store = Store.open(home)
    try:
        service = Service(store, "cli")
        service.create_task(command_task("noisy"))
        run = service.run_now("noisy")
        with store.write():
            ledger.output_many([(run.id, 0, "stdout", output, utc_text(datetime.now(UTC)))])
            if error is not None:
                ledger.update(run.id, {"status": "failed", "error": error})
        return run.id
    finally:
        store.close()


def _on_a_terminal(args: list[str]) -> str:
    """What `python -m app.cli *args` writes to a terminal (a pseudo-terminal here)."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", *args], cwd=ROOT,
                            stdout=follower, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
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
    assert proc.wait(30) == 0, proc.stderr.read() if proc.stderr else ""
    return seen.decode("utf-8", "replace")


def test_output_is_shown_on_a_terminal_and_kept_when_piped(home: Path, cli: Any) -> None:
    run = noisy_run(home)
    shown = _on_a_terminal(["--home", str(home), "run", "show", str(run), "--log"])
    assert "\x1b" not in shown and "\x07" not in shown and "\x9b" not in shown
    assert "plain \\x1b[31mred\\x1b[0m\\x1b]0;owned\\x07 bell\\x07 back\\x0d\\x9b end" in shown
    piped = cli("run", "show", str(run), "--log")
    # as printed when not a terminal (the test reads it as text: "\r" arrives as "\n")
    assert piped.code == 0 and PRINTED.replace("\r", "\n") in piped.out
