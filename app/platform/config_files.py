"""Tickwork's own small files in the user's config folder (the start-at-login entry, the
engine's systemd unit): read without waiting on whatever stands at their path, and written
whole or not at all.

Something else may stand there: a fifo, a folder, a device, a link, a file that cannot be
read. A fifo opened for reading waits for a writer for ever, so nothing is opened before
`os.stat` says it is a regular file (and it is opened without waiting even then, in case it
was swapped meanwhile). A write goes to a temp file beside the path, renamed over it; a
write that fails removes its temp file, so nothing is left behind.

The temp file has one name per path, `.NAME.tickwork-tmp` (it had a random one, so a write
killed half-way left one behind for good, a new name each time). The writer holds an
advisory lock on it while it writes, which dies with its process: the next write (or
`tidy`, when the file is removed) finds an unlocked one stale, and takes it over or removes
it, with any `.NAME.XXXXXXXX.tmp` that earlier versions left; a locked one is another
write under way, and this one fails rather than write over it.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import re
import stat
from pathlib import Path

from app.platform import locks as platform

LIMIT = 1 << 16  # more than any file of ours holds: the rest of a bigger one is not read
TEMP_SUFFIX = ".tickwork-tmp"
OLDER = re.compile(r"[a-z0-9_]{8}\.tmp")  # the rest of an older temp file's name (mkstemp's)


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


def temp_path(path: Path) -> Path:
    """Where a write to `path` puts its text before the rename."""
    return path.with_name(f".{path.name}{TEMP_SUFFIX}")


def replace(path: Path, text: str) -> None:
    """Put `text` at `path`: its temp file (0600: only its user reads it) renamed over it. An
    OSError when it cannot be, after its temp file is removed."""
    tmp = temp_path(path)
    _clear_older(path)
    fd = _take(tmp)
    try:
        try:
            os.ftruncate(fd, 0)  # (a stale one taken over)
            data = text.encode("utf-8")
            while data:
                data = data[os.write(fd, data):]
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)  # (ours: locked, and checked to be at that name)
            raise
    finally:
        os.close(fd)


def _take(tmp: Path) -> int:
    """The temp file open for writing and locked: a stale one taken over, made if none."""
    for _ in range(3):  # (another writer renamed it away meanwhile: a new one)
        _clear_odd(tmp)
        flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(
            os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(tmp, flags, 0o600)
        except OSError as exc:  # what stands at its name is said (not as the file's own)
            if not os.path.lexists(tmp):
                raise
            raise OSError(exc.errno, f"its temp file {tmp.name} beside it cannot be written "
                                     f"({exc.strerror}): remove it, then try again") from None
        try:
            if not platform.try_lock(fd):
                raise OSError(errno.EBUSY, f"another write to it is under way ({tmp.name} is "
                                           "locked)")
            try:
                here = os.lstat(tmp)
            except FileNotFoundError:
                here = None
            if here is not None and os.path.samestat(here, os.fstat(fd)):
                os.fchmod(fd, 0o600)  # (a stale one made otherwise)
                return fd
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
    raise OSError(errno.EBUSY, f"another write to it is under way ({tmp.name} keeps changing)")


def _clear_odd(tmp: Path) -> None:
    """Anything but a regular file at the temp file's name (a link, a fifo …) is removed; a
    folder stays, and the write fails on it."""
    with contextlib.suppress(OSError):
        if not stat.S_ISREG(os.lstat(tmp).st_mode):
            os.unlink(tmp)


def _clear_older(path: Path) -> None:
    """The randomly named temp files earlier versions left beside `path` (regular files)."""
    with contextlib.suppress(OSError):
        for older in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
            if OLDER.fullmatch(older.name[len(path.name) + 2:]) and stat.S_ISREG(
                    os.lstat(older).st_mode):
                older.unlink(missing_ok=True)


def tidy(path: Path) -> None:
    """Remove what a killed write to `path` left beside it (its file is being removed): its
    temp file unless a write holds it, and the older versions' temp files. Quiet."""
    _clear_older(path)
    tmp = temp_path(path)
    _clear_odd(tmp)
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | \
        getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(tmp, flags)
    except OSError:
        return
    try:
        if platform.try_lock(fd):
            with contextlib.suppress(OSError):
                if os.path.samestat(os.lstat(tmp), os.fstat(fd)):
                    os.unlink(tmp)
    finally:
        os.close(fd)
