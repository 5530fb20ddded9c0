"""Which engine process a helper belongs to: launchers and Python workers carry it; and
the helpers as reapers of what their runs leave (`become_subreaper`).

A launcher or Python worker starts with `TICKWORK_HELPER_OF=<pid>:<start>` of the engine
process that started it (`helper_mark`). Two uses:
- the helper itself (`Parent`): it stops taking work once its parent is gone, so a command
  or action the engine handed over just before a `kill -9` is not started afterwards, when
  nobody watches it — the frames were still in the pipe;
- the next engine's recovery (`processes.stop_helpers`): a helper the dead engine left
  (frozen, or slow to be scheduled) is killed before the dead engine's runs are retried, so
  it cannot start a dead engine's command beside its retry.

The helper drops the variable from its own environment at start, so what it runs (a
command's environment is the engine's, a callable's children) never carries it; the
process's own /proc environment keeps it, which is where the scan reads it.
Imported by the workers: standard library only (and app.core.run_env, which is too).
"""

from __future__ import annotations

import os
import socket
import sys

from app.core.run_env import RUN_TOKEN

HELPER_VAR = "TICKWORK_HELPER_OF"
TOKEN_VAR = RUN_TOKEN  # every process of one run carries it (processes.py)


def engine_id(started_ms: int) -> str:
    """An engine's id in the ledger's claims: `host:pid:started (ms)`."""
    return f"{socket.gethostname()}:{os.getpid()}:{started_ms}"


def local_pid(engine: str) -> int | None:
    """The process id of the engine `engine` (an `engine_id`) if it ran on this machine."""
    host, _, pid = engine.rpartition(":")[0].rpartition(":")
    return int(pid) if host == socket.gethostname() and pid.isdecimal() else None


class Parent:
    """The engine process that started this helper (by its mark: it may have died before
    the helper got this far); drops HELPER_VAR from the environment."""

    def __init__(self) -> None:
        pid = os.environ.pop(HELPER_VAR, "").partition(":")[0]
        self.pid = int(pid) if pid.isdecimal() else os.getppid()

    def gone(self) -> bool:
        """It died (this process was handed to another parent): take no more work."""
        return os.getppid() != self.pid


PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> bool:
    """Make this helper the reaper of its descendants' orphans (Linux's child subreaper): a
    process a command or an action left whose parent died is re-parented here, not to init,
    so it is found as a child. False where that cannot be (elsewhere a run's orphans are
    found only by its process group and token)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes  # (only where it is used: the engine never loads it)

        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False
