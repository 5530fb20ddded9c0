"""Hear that a file was written, without polling it (Linux inotify).

An idle engine must still notice another process's commit (the CLI's `run`, a second
window's edit) at once. Polling the write-ahead log twice a second cost an idle engine most
of its CPU: on this VM each wake-up of a sleeping thread costs 0.1–0.4 ms, whatever it then
does. `FileWrites(path)` gives a descriptor that becomes readable when `path` is written,
truncated, replaced or created anew (its folder is watched for the name coming back), so a
thread can sleep in `select` until something happens. Where inotify is missing (another
system, a container without it, the per-user watch limit reached) `open` returns None and
the caller polls as before.
"""

from __future__ import annotations

import ctypes
import logging
import os
import struct
import sys
from pathlib import Path

log = logging.getLogger(__name__)

IN_MODIFY = 0x002
IN_ATTRIB = 0x004
IN_MOVED_TO = 0x080
IN_CREATE = 0x100
IN_DELETE_SELF = 0x400
IN_MOVE_SELF = 0x800
IN_IGNORED = 0x8000
FILE_MASK = IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF
FOLDER_MASK = IN_CREATE | IN_MOVED_TO
EVENT = struct.Struct("iIII")  # wd, mask, cookie, len (then `len` bytes of name)
ENOENT = 2
FAILED = -2  # the file could not be watched (not for being missing)


class FileWrites:
    """A descriptor (`fd`) readable once `path` changed; `drain` says whether it did."""

    def __init__(self, libc: ctypes.CDLL, fd: int, path: Path) -> None:
        self._libc = libc
        self.fd = fd
        self.path = path
        self._name = os.fsencode(path.name)
        self._folder = self._add(path.parent, FOLDER_MASK)
        self._file = self._add(path, FILE_MASK)  # -1 while the file is missing

    @classmethod
    def open(cls, path: Path) -> FileWrites | None:
        """Watch `path` (which may not exist yet), or None where inotify is unavailable."""
        if not sys.platform.startswith("linux"):
            return None
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        except (OSError, AttributeError):
            return None
        if fd < 0:
            log.info("no inotify (%s): the store is polled", os.strerror(ctypes.get_errno()))
            return None
        watch = cls(libc, fd, path)
        if watch._folder < 0 or watch._file == FAILED:
            watch.close()
            return None
        return watch

    def _add(self, path: Path, mask: int) -> int:
        """The watch's descriptor; -1 while the file is missing (ENOENT: watched once its
        folder says it is back), FAILED for any other refusal (the watch limit, access)."""
        wd = int(self._libc.inotify_add_watch(self.fd, os.fsencode(path), mask))
        if wd >= 0:
            return wd
        errno = ctypes.get_errno()
        if errno == ENOENT:
            return -1
        log.info("cannot watch %s (%s): the store is polled", path, os.strerror(errno))
        return FAILED

    def drain(self) -> bool:
        """Read every pending event; True when the file was written, replaced or made (or
        the file is not watched now: the caller cannot be told, so it looks)."""
        changed = self._file == FAILED
        while True:
            try:
                data = os.read(self.fd, 65536)
            except BlockingIOError:
                if self._file < 0:  # gone, renamed or refused: watched again once there
                    self._file = self._add(self.path, FILE_MASK)
                return changed
            except OSError:
                return True  # (cannot tell: say it changed, the caller looks)
            at = 0
            while at + EVENT.size <= len(data):
                wd, mask, _cookie, length = EVENT.unpack_from(data, at)
                name = data[at + EVENT.size:at + EVENT.size + length].rstrip(b"\0")
                at += EVENT.size + length
                if wd == self._file:
                    changed = True
                    if mask & IN_MOVE_SELF:  # (the watch would follow the renamed file)
                        self._libc.inotify_rm_watch(self.fd, wd)
                    if mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF):
                        self._file = -1  # gone or renamed: watched again once back
                elif wd == self._folder and name == self._name:
                    changed = True

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
