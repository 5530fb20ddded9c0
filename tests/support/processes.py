"""Stopping a process a test started: SIGTERM, a wait, then SIGKILL if it is still there."""

from __future__ import annotations

import signal
import subprocess
from typing import Any


def stop(proc: Any, timeout: float = 20.0) -> None:
    """Ask `proc` (a Popen or a zygote launch) to end; kill it after `timeout` seconds."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
