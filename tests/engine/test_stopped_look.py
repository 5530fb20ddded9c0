"""How long a helper (a launcher, a Python worker) has stood stopped (processes.Stopped):
the engine kills one stopped for 5 s with runs on it. A traced process (`strace -p`, a
debugger stepping) is in a stopped state at each look yet runs between them: counted as
stopped from its first such look, it was killed while it worked. A look that finds its CPU
time grown now starts the count afresh. Real processes; the looks' times are given."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from app.engine.processes import Stopped, stopped_ticks


def _burns() -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


def _burned_a_tick(pid: int, was: int) -> None:
    """Let a stopped process run until its CPU time has grown, then stop it again."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        os.kill(pid, signal.SIGCONT)
        time.sleep(0.05)
        os.kill(pid, signal.SIGSTOP)
        now = None
        while now is None and time.monotonic() < deadline:
            now = stopped_ticks(pid)
        if now is not None and now != was:
            return
    raise AssertionError("it used no CPU")


def test_a_process_stopped_and_still_counts_from_its_first_look() -> None:
    proc = _burns()
    try:
        look = Stopped()
        assert look.look(proc.pid, 100.0) is None  # it runs
        proc.send_signal(signal.SIGSTOP)
        while stopped_ticks(proc.pid) is None:
            time.sleep(0.01)
        assert look.look(proc.pid, 101.0) == 0.0
        assert look.look(proc.pid, 106.5) == 5.5
    finally:
        proc.kill()
        proc.wait()


def test_a_stopped_process_that_ran_between_two_looks_counts_afresh() -> None:
    proc = _burns()
    try:
        proc.send_signal(signal.SIGSTOP)
        while (ticks := stopped_ticks(proc.pid)) is None:
            time.sleep(0.01)
        look = Stopped()
        assert look.look(proc.pid, 100.0) == 0.0
        _burned_a_tick(proc.pid, ticks)  # as a traced process runs between its stops
        assert look.look(proc.pid, 104.0) == 0.0
        assert look.look(proc.pid, 109.0) == 5.0
        proc.send_signal(signal.SIGCONT)
        while stopped_ticks(proc.pid) is not None:
            time.sleep(0.01)
        assert look.look(proc.pid, 110.0) is None
    finally:
        proc.kill()
        proc.wait()
