"""A Python action that returns or raises something huge (100 MB here) costs the engine
nothing for it: its worker sends only what the engine keeps of it — the end of the value
and of the traceback, the error's start and end — and counts the rest, so the run's output
says exactly how much was left out, as when it came whole. It crossed to the engine whole,
and the engine's memory grew by twice to five times its size before it kept its bounds (1 GB
for a 200 MB exception message: a fault hunt), enough to end an engine and every run of it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.engine.test_python_workers import _run_by_hand

SIZE = 100 << 20  # characters of the value returned, and of the exception's message


def _peak_mib(pid: int) -> float:
    """The engine's peak resident memory so far (VmHWM)."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024  # type: ignore[union-attr]


def _omitted(log: str) -> int:
    said = re.search(r"\[… ([\d,]+) characters of output omitted", log)
    assert said, log[-500:]
    return int(said.group(1).replace(",", ""))


def test_a_huge_value_returned_or_raised_never_reaches_the_engine_whole(
        spawn: Any, cli: Any) -> None:
    engine = spawn()
    engine.wait_for("engine running")
    kwargs = ("--kwargs", json.dumps({"n": SIZE}))
    _run_by_hand(cli, "small", "return_large", "succeeded", "--kwargs", json.dumps({"n": 1}))
    before = _peak_mib(engine.proc.pid)  # (a worker has started, and a run has ended)
    returned = _run_by_hand(cli, "returner", "return_large", "succeeded", *kwargs)
    raised = _run_by_hand(cli, "raiser", "raise_large", "failed", *kwargs)
    assert _peak_mib(engine.proc.pid) - before < 40  # 100 MB twice came and went

    log = cli("run", "show", "--log", str(returned["id"])).out
    said = len("returned: ") + len(repr("x" * SIZE + "END")) + len("\n")
    assert _omitted(log) == said - 65_536
    assert log.endswith("xxxEND'\n")
    log = cli("run", "show", "--log", str(raised["id"])).out
    assert log.rstrip("\n").endswith("zzzEND")
    assert "characters of output omitted" in log
    error = cli("run", "show", str(raised["id"]), "--json").json()["error"]
    message = "ValueError: " + "z" * SIZE + "END"
    assert error == (f"{message[:2048]}[… {len(message) - 4096:,} characters left out …]"
                     f"{message[-2048:]}")
    assert engine.stop() == 0
    assert "Traceback" not in engine.text()
