"""Advisory file locks: `flock` on POSIX, and a read lock on a file's byte range held by its
open file description (Linux); `fcntl` imported only when a lock is taken."""

from __future__ import annotations

import os
import struct


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


def hold_read_range(fd: int, start: int, length: int) -> bool:
    """A read lock on `length` bytes of the file behind `fd` from `start`, held by the open
    file description (Linux's OFD locks: unlike a process's record locks, not let go when
    another descriptor of the file is closed, and in the way of the process's own record
    locks too), until `fd` is closed; False where there are none, or it is refused."""
    import fcntl

    if not hasattr(fcntl, "F_OFD_SETLK") or struct.calcsize("P") != 8:
        return False
    try:  # (struct flock on 64-bit Linux: type, whence, start, len, pid, padding)
        fcntl.fcntl(fd, fcntl.F_OFD_SETLK,
                    struct.pack("hhqqi4x", fcntl.F_RDLCK, os.SEEK_SET, start, length, 0))
    except OSError:
        return False
    return True
