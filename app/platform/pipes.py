"""How many bytes a pipe holds that its reader has not read yet (FIONREAD on POSIX, asked
of either end; imported only when asked)."""

from __future__ import annotations

import struct


def unread(fd: int) -> int | None:
    """The bytes waiting in the pipe `fd` belongs to; None when it cannot be told."""
    try:
        import fcntl
        import termios
    except ImportError:
        return None
    try:
        return int(struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0" * 4))[0])
    except OSError:
        return None
