"""What a command left running when its leader exited, noticed without scanning the process
table for every command that leaves nothing.

A run ends when its leader exits; what it left holding its output (given half a second to
let go when the leader succeeded: loop.py `LET_GO`), and — when it failed — whatever else it
left running, is then stopped (SIGTERM, `KILL_GRACE`, SIGKILL) before the
run's end is told, so a retry never starts beside it (a command that succeeded may leave a
program running on purpose: an app `xdg-open` started, a server). The
launcher is the *child subreaper* of its commands (Linux `PR_SET_CHILD_SUBREAPER`): a
process whose parent died is re-parented to the launcher, not to init — `setsid` escapees
and double-forked daemons too. So when a leader exits, anything it left running is
- in its process group (`killpg(pgid, 0)`: the group's id stays reserved while it has a
  member, so it names no stranger), or
- holding its pipes, or
- a child the launcher adopted (`/proc/self/task/<pid>/children`) that carries the run's
  `TICKWORK_RUN_TOKEN`, or a descendant of one.
Only then is the process table scanned (`RunProcesses`) and the leftovers stopped; a command
that leaves nothing costs a signal 0 and one small read. A process that left the group
*and* dropped the token (`setsid env -u TICKWORK_RUN_TOKEN daemon </dev/null >/dev/null
2>&1 &`) is not the run's: it is left running, and reaped by the launcher when it ends.
Without a subreaper (not Linux) the group and the pipes are looked at only.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Container

from app.engine.lineage import TOKEN_VAR, become_subreaper

_TOKEN = f"{TOKEN_VAR}=".encode()


def group_exists(pgid: int) -> bool:
    """Some process is still in the group `pgid` (a zombie counts: reap adopted ones first)."""
    killpg = getattr(os, "killpg", None)
    if killpg is None:
        return False
    try:
        killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # there, but not ours to signal: still something left
    return True


def token_of(pid: int) -> str | None:
    """The run token in the environment `pid` started with; None without one (or gone)."""
    try:
        with open(f"/proc/{pid}/environ", "rb") as fh:
            data = fh.read()
    except OSError:
        return None
    for item in data.split(b"\0"):
        if item.startswith(_TOKEN):
            return item[len(_TOKEN):].decode(errors="replace")
    return None


class Adopted:
    """The launcher's children that are not leaders: orphans it adopted as their reaper.
    Each is watched by a pidfd (`fds`) so its exit wakes the loop and it is reaped."""

    def __init__(self) -> None:
        self.enabled = become_subreaper()
        self._list = -1  # this process's list of children (kept open: read again each time)
        if self.enabled:
            with contextlib.suppress(OSError):
                self._list = os.open(f"/proc/self/task/{os.getpid()}/children",
                                     os.O_RDONLY | os.O_CLOEXEC)
        self.tokens: dict[int, str | None] = {}  # live adopted pid → its run token
        self.fds: dict[int, int] = {}  # adopted pid → its pidfd, registered by the loop

    def look(self, leaders: Container[int]) -> list[int]:
        """Reap the adopted children that ended; the pids of those newly seen alive."""
        if self._list < 0:
            return []
        text = b""
        try:
            while part := os.pread(self._list, 65536, len(text)):
                text += part
            pids = [int(p) for p in text.split()]
        except (OSError, ValueError):
            return []
        fresh = []
        for pid in pids:
            if pid in leaders:
                continue
            if reap(pid):
                self.tokens.pop(pid, None)
            elif pid not in self.tokens:
                self.tokens[pid] = token_of(pid)
                fresh.append(pid)
        return fresh

    def carry(self, token: str | None) -> bool:
        """Some adopted child still alive carries `token`."""
        return token is not None and token in self.tokens.values()

    def gone(self, pid: int) -> None:
        self.tokens.pop(pid, None)
        fd = self.fds.pop(pid, None)
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)
        reap(pid)


def reap(pid: int) -> bool:
    """Reap `pid` if it ended (True), or it is no child of ours any more."""
    try:
        done, _status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return done != 0
