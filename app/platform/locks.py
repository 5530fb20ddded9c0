"""Advisory file locks: `flock` on POSIX, imported only when a lock is taken."""

from __future__ import annotations


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
