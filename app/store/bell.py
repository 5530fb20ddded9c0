"""The engine's bell: a file in the home that a requester touches after it committed a change
of tasks or runs (a task's edit, pause or deletion, an import, a manual run, a cancel
request: `Service._announce`), so that the engine running from the home looks at the store at
once.

The engine's store thread hears the touch (inotify, app/platform/file_writes.py) whether it
rests or is busy; otherwise a busy engine saw another process's request only at its next
poll (every 0.25 s: a `tickwork task run` started up to 250 ms after its commit, a task
paused by `tickwork task pause` fired meanwhile), and a resting one once the commit's write
to the log was synced (the look `SETTLE` after the write, else `POLL` after). The engine's
own commits never touch it, so a busy engine is not woken by them. A ring nobody hears costs
nothing: the engine's polls still find the request.
"""

from __future__ import annotations

import os
from contextlib import suppress
from pathlib import Path

from app.store.home import BELL_NAME, FILE_MODE


def path(home: Path) -> Path:
    return home / BELL_NAME


def ring(home: Path) -> None:
    """Touch the bell (made if need be, owner-only); a home it cannot be written in is let
    be: the engine's next poll finds the request."""
    bell = path(home)
    with suppress(OSError):
        try:
            os.utime(bell)
        except FileNotFoundError:
            os.close(os.open(bell, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, FILE_MODE))
