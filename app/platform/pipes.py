"""How many bytes a pipe holds that its reader has not read yet (FIONREAD, imported only
when first asked; Linux answers it for either end of a pipe, which is what a Python worker
asks: elsewhere the write end may say 0)."""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

_COUNT = struct.Struct("i")
_asked: tuple[Callable[..., Any], int] | None = None  # fcntl.ioctl and FIONREAD, once found


def unread(fd: int) -> int | None:
    """The bytes waiting in the pipe `fd` belongs to; None when it cannot be told."""
    global _asked
    if _asked is None:  # (a worker asks at each run's end: the imports once, not each time)
        try:
            import fcntl
            import termios
        except (ImportError, OSError):  # (OSError: no file descriptor free to load it with)
            return None
        _asked = fcntl.ioctl, termios.FIONREAD
    ioctl, fionread = _asked
    try:
        return int(_COUNT.unpack(ioctl(fd, fionread, b"\0\0\0\0"))[0])
    except OSError:
        return None
