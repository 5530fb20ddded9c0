"""How many bytes a pipe holds that its reader has not read yet (FIONREAD, imported only
when asked; Linux answers it for either end of a pipe, which is what a Python worker asks:
elsewhere the write end may say 0)."""

from __future__ import annotations

import struct


def unread(fd: int) -> int | None:
    """The bytes waiting in the pipe `fd` belongs to; None when it cannot be told."""
    try:
        import fcntl
        import termios
    except (ImportError, OSError):  # (OSError: no file descriptor free to load it with)
        return None
    try:
        return int(struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0" * 4))[0])
    except OSError:
        return None
