"""What differs between operating systems, in one place: file locks and process groups.

Tickwork runs on POSIX today; this module is where the rest of the code meets `fcntl` and
`os.killpg`, which Windows lacks. The POSIX-only imports happen inside the functions, so the
module imports everywhere and a port replaces these few bodies.
"""

from __future__ import annotations

import contextlib
import os
import signal

# SIGKILL where there is one (POSIX); SIGTERM, the only hard stop, elsewhere.
SIGKILL: int = getattr(signal, "SIGKILL", signal.SIGTERM)


def try_lock(fd: int, *, shared: bool = False) -> bool:
    """Take an advisory lock on an open file without blocking (exclusive unless `shared`);
    False when another descriptor holds a conflicting one."""
    import fcntl

    try:
        fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def unlock(fd: int) -> None:
    import fcntl

    fcntl.flock(fd, fcntl.LOCK_UN)


def kill_group(pgid: int, sig: int) -> None:
    """Send `sig` to a process group; nothing when it is gone, not ours, or the system has
    no process groups."""
    killpg = getattr(os, "killpg", None)
    if killpg is None:
        return
    with contextlib.suppress(OSError):
        killpg(pgid, sig)
