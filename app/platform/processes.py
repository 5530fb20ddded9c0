"""Stopping a whole process group, where the system has process groups."""

from __future__ import annotations

import contextlib
import os
import signal

# SIGKILL where there is one (POSIX); SIGTERM, the only hard stop, elsewhere.
SIGKILL: int = getattr(signal, "SIGKILL", signal.SIGTERM)


def kill_group(pgid: int, sig: int) -> None:
    """Send `sig` to a process group; nothing when it is gone, not ours, or the system has
    no process groups."""
    killpg = getattr(os, "killpg", None)
    if killpg is None:
        return
    with contextlib.suppress(OSError):
        killpg(pgid, sig)
