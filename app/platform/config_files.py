"""Tickwork's own small files in the user's config folder (the start-at-login entry, the
engine's systemd unit): read without waiting on whatever stands at their path, and written
whole or not at all.

Something else may stand there: a fifo, a folder, a device, a link, a file that cannot be
read. A fifo opened for reading waits for a writer for ever, so nothing is opened before
`os.stat` says it is a regular file (and it is opened without waiting even then, in case it
was swapped meanwhile). A write goes to a new temp file beside the path, renamed over it; a
write that fails removes its temp file, so nothing is left behind.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

LIMIT = 1 << 16  # more than any file of ours holds: the rest of a bigger one is not read


class NotAFile(Exception):
    """What stands at a path where a regular file Tickwork can read was wanted: `what` says
    it ("a fifo (named pipe)"), ready to follow "PATH is"."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def kind(mode: int) -> str:
    """What a file that is not a regular one is, by its mode."""
    for test, what in ((stat.S_ISDIR, "a folder"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a fifo (named pipe)"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return what
    return "something other than a file"


def link(path: Path) -> str | None:
    """"a link to TARGET" when `path` is a symbolic link, else None."""
    try:
        return f"a link to {os.readlink(path)}"
    except OSError:
        return None


def read(path: Path) -> str | None:
    """The text of the regular file at `path` (a link followed; bytes that are not UTF-8
    replaced), or None when nothing is there (a link to nothing included); NotAFile when
    anything else is there or it cannot be read."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise NotAFile(f"a path that cannot be looked at ({exc.strerror})") from None
    if not stat.S_ISREG(mode):
        raise NotAFile(kind(mode))
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise NotAFile(f"a file that cannot be read ({exc.strerror})") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotAFile(kind(mode))
        data = b""
        while len(data) < LIMIT and (chunk := os.read(fd, LIMIT - len(data))):
            data += chunk
    except OSError as exc:
        raise NotAFile(f"a file that cannot be read ({exc.strerror})") from None
    finally:
        os.close(fd)
    return data.decode("utf-8", errors="replace")


def replace(path: Path, text: str) -> None:
    """Put `text` at `path`: a new file (0600: only its user reads it) renamed over it. An
    OSError when it cannot be, after its temp file is removed."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
