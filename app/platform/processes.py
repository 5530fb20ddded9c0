"""Stopping a whole process group, where the system has process groups; and the command
that starts this same Tickwork again (from source, or the bundle's own executable)."""

from __future__ import annotations

import contextlib
import os
import signal
import sys

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


def tickwork_argv() -> list[str]:
    """The command line that runs `tickwork` (add its arguments): in a PyInstaller bundle
    the bundle's executable itself (there is no Python to pass `-m` to), else this
    interpreter running the `app.cli` package."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "app.cli"]
