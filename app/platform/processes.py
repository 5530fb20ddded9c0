"""Stopping a whole process group, where the system has process groups; asking one process
to stop without ever signalling another that took its id; and the command that starts this
same Tickwork again (from source, or the bundle's own executable); how many CPUs this process
may run on."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

# SIGKILL where there is one (POSIX); SIGTERM, the only hard stop, elsewhere.
SIGKILL: int = getattr(signal, "SIGKILL", signal.SIGTERM)


def usable_cpus() -> int:
    """The CPUs this process may run on: its affinity where the system has one (a container's
    `--cpuset-cpus`, `taskset`), not every CPU of the machine (`os.cpu_count()`)."""
    affinity = getattr(os, "sched_getaffinity", None)
    if affinity is not None:
        with contextlib.suppress(OSError):
            return max(1, len(affinity(0)))
    return os.cpu_count() or 1


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
    interpreter running the `app.cli` package — installed, not a package named `app` in
    the folder it happens to start in (`-P`: a Flask project's `app` was run instead)."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-P", "-m", "app.cli"]


def terminate_if(pid: int, still: Callable[[], bool]) -> bool:
    """Ask process `pid` to stop (SIGTERM) if `still()` holds once the process is pinned: a
    pidfd where the system has one, so a process id reused before `still()` was asked is
    never signalled. False when the process is gone, not ours to signal, `pid` is not one
    process's id (0, 1, negative, a bool), or `still()` says no."""
    if type(pid) is not int or pid < 2 or pid == os.getpid():
        return False  # (os.kill(-1) would signal every process of the user; 1 is init)
    pidfd_open = getattr(os, "pidfd_open", None)
    if pidfd_open is None:
        if not still():
            return False
        try:
            os.kill(pid, signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            return False
        return True
    try:
        fd = pidfd_open(pid)
    except (ProcessLookupError, PermissionError, OSError):
        return False
    try:
        if not still():
            return False
        signal.pidfd_send_signal(fd, signal.SIGTERM)
        return True
    except (ProcessLookupError, PermissionError):
        return False
    finally:
        os.close(fd)


def started_before(pid: int, moment: float) -> bool:
    """Did process `pid` start at or before `moment` (seconds since the epoch)? A process
    that started after a lock was taken cannot be the one that took it: its id was reused."""
    try:
        import psutil  # type: ignore[import-untyped]  # no stubs installed

        return bool(psutil.Process(pid).create_time() <= moment + 1.0)  # (tick rounding)
    except Exception:  # gone, not readable, or no way to ask: not proven
        return False


def command_line(pid: int) -> list[str] | None:
    """The arguments process `pid` was started with, where the system shows them (Linux's
    /proc); None when it does not, or the process is gone."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part] or None
