"""Python actions of the storm's workload (importable as faults.actions:NAME)."""

from __future__ import annotations

import os
import time
from typing import Any


def record(path: str, name: str, pause: float, context: Any) -> None:
    """Append one line per execution: task, fire time, attempt, pid; then work a little."""
    line = f"{name} {context.scheduled_for.isoformat()} {context.attempt} {os.getpid()}\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)
    deadline = time.monotonic() + pause
    while time.monotonic() < deadline and not context.cancelled:
        time.sleep(0.01)
