"""A stop signal (SIGTERM, Ctrl+C's SIGINT, SIGHUP) sent to `tickwork engine` as soon as its
own code runs — a service manager's stop right after its start — stops it gracefully, as
one later does: its one "received …: stopping" line, exit 0, nothing left locked (a second
engine starts at once). The stop signals were held only from `app.cli`'s import, ~40 ms
into the process; one sent before that killed it by the signal's default action (status
-15, -2 or -1, nothing said).

Each moment made certain, not hoped for: `python -X importtime` prints the line of the
package `app` once its first lines have run, the first code of Tickwork's that every door
runs; the signal goes then, or a few milliseconds later. (Before those lines the
interpreter is still starting, which only the process that starts it can cover:
test_stop_while_starting.py's "before Python starts".)"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from app.store.lock import EngineLock
from tests.conftest import ROOT

SCRIPT = Path(sys.executable).parent / "tickwork"  # pip's console script (`make install`)
DOORS = {"python -m app.cli": ["-m", "app.cli"], "python main.py": [str(ROOT / "main.py")],
         "tickwork": [str(SCRIPT)]}
SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
DELAYS = (0.0, 0.0, 0.001, 0.002, 0.005, 0.01, 0.02)  # seconds after the package's first lines


def _as_started() -> None:
    """The child as a service manager or a shell starts it: the stop signals neither
    blocked nor ignored (whatever this test's process does with them)."""
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)


def _stopped_at_once(door: str, home: Path, signum: int, delay: float) -> tuple[int, str]:
    """The engine's exit status and its stderr, `signum` sent `delay` s after the package's
    first lines ran."""
    proc = subprocess.Popen(
        [sys.executable, "-X", "importtime", *DOORS[door], "--home", str(home), "engine",
         "--grace", "1"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True, preexec_fn=_as_started)
    assert proc.stderr is not None
    said = []
    never = threading.Timer(60, proc.kill)  # (a line never seen, a signal never heard)
    never.start()
    try:
        for line in proc.stderr:  # (until the package `app` is imported: its lines ran)
            said.append(line)
            if line.startswith("import time:") and line.split("|")[-1].strip() == "app":
                break
        time.sleep(delay)
        proc.send_signal(signum)
        rest = proc.communicate(timeout=60)[1]
    finally:
        never.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, "".join(said) + rest


def _words(stderr: str) -> str:
    return "\n".join(line for line in stderr.splitlines() if not line.startswith("import time:"))


# each moment is made certain, so once each is enough: every delay through one door (each
# signal two or three times), every signal through the others (20 through one door took
# 38 s of the suite, the slowest of its tests)
@pytest.mark.parametrize("door,times", [("python -m app.cli", len(DELAYS)),
                                        ("python main.py", 3), ("tickwork", 3)])
def test_a_stop_signal_as_soon_as_it_runs_stops_it_gracefully(
        door: str, times: int, home: Path, spawn: Any) -> None:
    if door == "tickwork" and not SCRIPT.exists():
        pytest.skip("the package's script is not installed")
    for attempt in range(times):
        signum, delay = SIGNALS[attempt % 3], DELAYS[attempt % len(DELAYS)]
        code, stderr = _stopped_at_once(door, home, signum, delay)
        name = signal.Signals(signum).name
        words = _words(stderr)
        assert code == 0, f"{name} {delay} s after: exit {code}\n{words[-2000:]}"
        assert words.count(f"received {name}: stopping") == 1, words[-2000:]
        assert "Traceback" not in words
        assert EngineLock(home).holder() is None  # (nothing left locked)
    second = spawn("second")  # starts at once: nothing left to wait for
    second.wait_for("engine running on")
    assert second.stop() == 0
    assert "Traceback" not in second.text()
