"""One engine per store: an exclusive OS lock on its own file beside the database.

The lock is `flock` on `engine.lock`, opened close-on-exec so task processes never inherit
it, and never a second descriptor on the database file (closing one would drop SQLite's
own POSIX locks). The holder writes its pid and start time into the file so others can say
whose engine they are looking at; an engine without a window (`tickwork engine`) also writes
its `grace`, the seconds its runs get when it is asked to stop, which `tickwork engine stop`
waits out (it read the engine's command line for it: 10 s where that could not be read, or
did not say it, and an engine of a longer grace, still stopping as told, was given up on).
A record without one (an older engine, the window's) is read as before. The lock dies with
its process, so a standby engine that polls it takes over within its poll interval when the
holder is killed.

A file can be deleted under its lock: the next engine would create a new `engine.lock`, lock
it and lead beside the first. So the holder also locks the home directory itself (which
cannot go while the database is in it), and only the holder of both leads; who holds the
store is asked of the directory first. The file is only re-made, and written, by an engine
that holds the directory. Where a directory cannot be locked (some network file systems),
the file alone decides, as before.

A standby engine also holds a shared lock on `engine.standby` while it waits, so the holder
can tell, by failing to lock that file exclusively for an instant, that another engine on
this computer takes over as soon as it lets go (the Quit question says so); it too dies
with its process.

It lives with the store (the file sits beside the database, and the service asks who holds
it before cancelling a run) and meets `flock` through `app.platform`.

A shared PostgreSQL store is led otherwise: engines on other machines cannot see this
machine's file, so the lock there is a lease held in the database (app/store/leader.py).
`engine_lock` chooses, in this one place, by the store's kind; both answer `EngineLease`.
An engine on a shared store still marks the home it was started from (`SharedMark`), so
`tickwork engine stop` there finds it without being given the store.
"""

from __future__ import annotations

import errno
import json
import os
import stat
import time
from pathlib import Path
from typing import Any, Protocol

from app import platform
from app.store.home import LOCK_NAME, SHARED_NAME, STANDBY_NAME


class EngineLease(Protocol):
    """What an engine asks of its store's lock, whichever kind it is."""

    leases: bool  # held only while renewed (True), or until the process dies (False)
    epoch: int | None  # the fencing epoch taken with it (a shared store), else None
    continued: bool  # its last take followed its own previous epoch (nobody led between)
    info: dict[str, Any]  # who leads, as recorded when it was taken (a shared store)

    @property
    def held(self) -> bool: ...
    def try_acquire(self, who: str) -> bool: ...
    def renew(self) -> bool: ...
    def release(self) -> None: ...
    def holder(self) -> dict[str, Any] | None: ...
    def stand_by(self) -> None: ...
    def standing_by(self) -> bool | None: ...


def engine_lock(home: Path, url: str | None, grace: float | None = None) -> EngineLease:
    """The lock one engine of this store holds: the file lock in the home for an SQLite
    store, the database's lease for a shared PostgreSQL store at `url`; its record gives
    the engine's `grace` where it has one (`graced`)."""
    if url is None:
        return EngineLock(home, grace)
    from app.store.leader import LeaderLease

    return LeaderLease(url, grace)


def graced(info: dict[str, Any], grace: float | None) -> dict[str, Any]:
    """A holder's record with the engine's grace, where it has one (`grace_of`)."""
    return info if grace is None else {**info, "grace": grace}


def grace_of(info: dict[str, Any] | None) -> float | None:
    """The grace a holder's record gives (None: it gives none, or none that reads as one)."""
    grace = (info or {}).get("grace")
    if isinstance(grace, bool) or not isinstance(grace, int | float):
        return None
    return float(grace) if 0 <= grace < 1e9 else None  # (not nan, nor inf: JSON allows them)


RESTORE = "restore:"  # how a restore names itself holding the lock: `restore:<file>`


def restoring(holder: dict[str, Any] | None) -> str | None:
    """The file a restore holding the lock puts in place (None: no restore holds it)."""
    name = (holder or {}).get("engine")
    return name[len(RESTORE):] if isinstance(name, str) and name.startswith(RESTORE) else None


def held_by(info: dict[str, Any] | None, pid: int) -> bool:
    """A lock file's holder, as it wrote itself, is process `pid`, and that process started
    before it took the lock: a stale file (its engine killed) whose id another process took
    since, while something else holds the file, names a stranger."""
    from app.platform.processes import started_before

    since = (info or {}).get("since")
    return (info or {}).get("pid") == pid and isinstance(since, int | float) \
        and started_before(pid, float(since))


RECORD_MOST = 4096  # bytes of a holder's record read (as every earlier Tickwork reads it)


def holder_record(info: dict[str, Any]) -> bytes:
    """A holder's record as written, with the engine's PATH — the one its commands start
    with unless their task sets its own, where a task's checks look for its program
    (app/preflight) — when the record stays within what is read of it."""
    path = os.environ.get("PATH")
    data = json.dumps(info if path is None else {**info, "path": path}).encode()
    return data if len(data) <= RECORD_MOST else json.dumps(info).encode()


def said_in(path: Path) -> bytes:
    """What a lock file says, as read of it (`RECORD_MOST`); b"" where nothing can be read.
    Never waited on: a fifo in its place held every write to the store, the engine's first
    among them, until something wrote into it."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return b""
    try:
        return os.read(fd, RECORD_MOST)
    except OSError:  # (a folder)
        return b""
    finally:
        os.close(fd)


def record(data: bytes) -> dict[str, Any] | None:
    """A lock file's or mark's record of its holder; None when it holds none: empty (its
    holder writing it this instant, or letting go) or damaged (bytes that are not UTF-8
    JSON failed every `engine stop` with "UnicodeDecodeError")."""
    try:
        info = json.loads(data or b"{}")
    except ValueError:  # (JSONDecodeError and UnicodeDecodeError)
        return None
    return info if isinstance(info, dict) and info else None


class EngineLock:
    leases = False
    epoch: int | None = None
    continued = False

    def __init__(self, home: Path, grace: float | None = None) -> None:
        self.path = home / LOCK_NAME
        self.home = home
        self.grace = grace  # written into the record (`graced`)
        self._fd: int | None = None
        self._dir: int | None = None
        self._standby: int | None = None  # the shared lock on engine.standby, while waiting
        self.info: dict[str, Any] = {}

    @property
    def held(self) -> bool:
        return self._fd is not None

    def try_acquire(self, who: str) -> bool:
        """Take the lock if it is free; never blocks."""
        if self._fd is not None:
            return True
        fd = self._open()
        if not platform.try_lock(fd):
            os.close(fd)
            return False
        witness = self._witness()
        if witness is False:  # the file was deleted under a live holder, who still leads
            platform.unlock(fd)
            os.close(fd)
            return False
        self._dir = witness
        info = holder_record(graced({"pid": os.getpid(), "engine": who,
                                     "since": time.time()}, self.grace))
        os.ftruncate(fd, 0)
        os.pwrite(fd, info, 0)
        os.fsync(fd)
        self._fd = fd
        self._stop_standing_by()
        return True

    def _open(self) -> int:
        """The lock file, made if need be; `NotAFile` for anything else there (a folder, a
        fifo, a socket, a device: a fifo was taken as the lock, and the engine stood by,
        saying nothing, while nothing ran)."""
        from app.platform.config_files import NotAFile, kind

        try:  # (not blocked, on a fifo; a plain file is read and written as ever)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NONBLOCK,
                         0o600)
        except OSError as exc:
            if exc.errno not in (errno.EISDIR, errno.ENXIO):  # (ENXIO: a socket)
                raise
            raise NotAFile(kind(os.stat(self.path).st_mode)) from None
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            os.close(fd)
            raise NotAFile(kind(mode))
        return fd

    def stand_by(self) -> None:
        """Say, while this process lives or until it leads, that it waits to take over."""
        if self._standby is not None or self._fd is not None:
            return
        fd = self._open_standby()
        if fd is None:
            return
        try:
            taken = platform.try_lock(fd, shared=True)
        except OSError:
            taken = False
        if taken:
            self._standby = fd
        else:  # (the holder's instant of looking: the next poll says it again)
            os.close(fd)

    def standing_by(self) -> bool | None:
        """Another engine on this computer waits to take over (None: cannot tell)."""
        fd = self._open_standby()
        if fd is None:
            return None
        try:
            free = platform.try_lock(fd)
        except OSError:
            return None
        finally:
            os.close(fd)  # (closing drops the lock if it was taken)
        return not free

    def _open_standby(self) -> int | None:
        """engine.standby, made if need be (None: it cannot be opened)."""
        try:
            return os.open(self.home / STANDBY_NAME, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC,
                           0o600)
        except OSError:
            return None

    def _stop_standing_by(self) -> None:
        if self._standby is not None:
            os.close(self._standby)
            self._standby = None

    def renew(self) -> bool:
        """Held until released or its process dies: nothing to renew."""
        return self._fd is not None

    def _witness(self, *, shared: bool = False) -> int | bool | None:
        """Lock the home directory: its descriptor when taken (exclusive; shared ones are
        let go at once and answer True), False when another process holds it, None where
        the directory cannot be locked."""
        try:
            fd = os.open(self.home, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except OSError:
            return None
        try:
            taken = platform.try_lock(fd, shared=shared)
        except OSError:  # e.g. NFS, where flock is fcntl and a read-only fd takes no lock
            os.close(fd)
            return None
        if not taken or shared:
            os.close(fd)  # (closing drops the shared lock)
            return taken
        return fd

    def release(self) -> None:
        self._stop_standing_by()
        if self._fd is not None:
            try:
                os.ftruncate(self._fd, 0)
                platform.unlock(self._fd)
            finally:
                os.close(self._fd)
                self._fd = None
                if self._dir is not None:
                    os.close(self._dir)  # (its lock goes with its last descriptor)
                    self._dir = None

    def names(self, pid: int) -> bool:
        """The lock is held and names process `pid` (`held_by`)."""
        return held_by(self.holder(), pid)

    def holder(self) -> dict[str, Any] | None:
        """Who holds the lock, as they wrote it; None when nobody does."""
        if self._fd is not None:
            return {"pid": os.getpid(), "engine": "this process"}
        held = self._witness(shared=True) is False  # (an older engine locks the file only)
        try:  # (not blocked: a fifo there waited for a writer for ever)
            fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC | getattr(os, "O_NONBLOCK", 0))
        except FileNotFoundError:
            return {"pid": None} if held else None
        try:
            if held or not platform.try_lock(fd, shared=True):
                return record(os.pread(fd, RECORD_MOST, 0)) or {"pid": None}
            platform.unlock(fd)
            return None
        finally:
            os.close(fd)


class SharedMark:
    """An engine on a shared store, marked in the home it was started from while its process
    lives: `engine.shared`, locked as `engine.lock` is, naming its pid and the store (its URL
    without a password). The store's lease lives in the database, so nothing in the home
    said an engine ran from it: `tickwork engine stop` there, not given the store, answered
    "no engine is running for this home: nothing to stop" and left it running."""

    def __init__(self, home: Path) -> None:
        self.path = home / SHARED_NAME
        self._fd: int | None = None
        self._info: dict[str, Any] = {}
        self._size = 0  # bytes written: a shorter rewrite is padded with spaces

    @property
    def held(self) -> bool:
        return self._fd is not None

    def take(self, engine: str, store: str, state: str, grace: float | None = None
             ) -> str | None:
        """Mark the home for this process, with its `state` (running: it leads; standby)
        (left as it is when another holds the mark: the first engine started from a home is
        the one its `engine stop` finds). A mark that cannot be made or written (a read-only
        home, a full disk, a file there that is no plain file) is not made, and why is
        returned: the engine runs unmarked, as one did before the mark."""
        if self._fd is not None:
            return None
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NONBLOCK,
                         0o600)
        except OSError as exc:
            return exc.strerror or str(exc)
        info = graced({"pid": os.getpid(), "engine": engine, "store": store,
                       "since": time.time(), "state": state}, grace)
        try:
            if platform.try_lock(fd):
                os.ftruncate(fd, 0)
                data = json.dumps(info).encode()
                os.pwrite(fd, data, 0)
                self._fd, fd, self._info, self._size = fd, -1, info, len(data)
        except OSError as exc:
            return exc.strerror or str(exc)
        finally:
            if fd >= 0:
                os.close(fd)  # (its lock, if taken, goes with it)
        return None

    def say(self, state: str) -> None:
        """The marking engine's state changed (it took over, or lost its lease): the mark
        says it, rewritten in place, so `engine stop` says what stopping it does."""
        if self._fd is None or self._info.get("state") == state:
            return
        info = {**self._info, "state": state}
        data = json.dumps(info).encode()
        try:  # (never shorter than before: a reader never finds it cut)
            os.pwrite(self._fd, data.ljust(self._size), 0)
        except OSError:
            return  # (said as it was: the next look tries again)
        self._info, self._size = info, max(self._size, len(data))

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                os.ftruncate(fd, 0)
            except OSError:
                pass  # (its lock goes all the same: nobody holds it, whatever it says)
            finally:
                os.close(fd)  # (its lock goes with it)

    def holder(self) -> dict[str, Any] | None:
        """The marking engine, as it wrote itself; None when no live process holds the mark,
        {"pid": None} when one does but the mark does not say who (`record`)."""
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            return None
        try:
            if platform.try_lock(fd, shared=True):
                return None  # (closing drops it)
            return record(os.pread(fd, RECORD_MOST, 0)) or {"pid": None}
        finally:
            os.close(fd)

    def names(self, pid: int) -> bool:
        """The mark is held by process `pid` (`held_by`)."""
        return held_by(self.holder(), pid)
