"""The SQLite store's file replaced under the running engine — a backup put back by hand
(`cp backup.db tickwork.db`, or `mv`), or the file deleted — found, said, and never mixed
with what the engine wrote.

SQLite pairs the store's file with its write-ahead log (`-wal`, indexed in `-shm`) by name.
A file moved over the store (a new file there) was seen, but the engine's store, whole in
the file it had open, was thrown away as it let go, and it exited 1 for a service manager to
start again. A file copied over it (the same file, its contents replaced) was not seen at
all: the engine went on, and every reader — the engine, each command — read the pages of the
log over the copy's. A backup newer than the log's last checkpoint was silently undone (the
log's pages win, and the engine folded them into the file as it stopped); an older one made
a damaged store of both ("btreeInitPage() returns error code 11").

How a copy is seen: as it starts leading, the engine stamps the store with a number of its
own (SQLite's `user_version`, a header field Tickwork uses for nothing else) and checkpoints
it into the file; from then on the file's header must carry that number and say WAL mode
(`overwritten`). Tickwork's backups are in rollback-journal mode, and a copy made before this
engine started carries another number; a raw copy of the live file made while it ran is not
told apart. The engine's writer looks before each commit (`differs`: a stat and a read of
100 bytes), the store thread at every poll (app/engine/watcher.py: every 0.25 s while the
engine is busy; every 2 s while it rests, writing nothing), and an error calling the store
damaged is first looked at as that (app/engine/faults.py): a copy older than the log's last
checkpoint reads as damage over it. The header is read through a descriptor opened once per
file and kept open while the process uses that store: closing any descriptor of a file lets
go of the process's SQLite locks on it (POSIX).

What is done (`StoreFile.replaced`): the engine stops with one line (exit 66, no restart)
and this process reads and writes the store no more (`connection.lose`). Whatever was put
there is the store from then on, as it was put:
- copied over: the log, whose pages belong to the file that was overwritten, is moved into
  backups/ (`…-overwritten.db-wal`; no command reads it), so that no process opening the
  store reads it over the copy; what the engine recorded since its last checkpoint went with
  the file it was in;
- moved over, or deleted: the engine's store, whole in the file it has open, is kept as
  backups/`…-replaced.db` (SQLite's backup API through its connection), then its log is
  folded into that file and emptied for whoever opens the new one.
Either way an open-file-description lock is then held on the file the engine opened, while
this process uses the store (Linux): a connection's close folds its log into the file under
SQLite's exclusive lock, which no connection, of any process, gets while it is held.
A checkpoint another process made in the moment between the copy and the engine's look (one
every 1,000 pages written), or the engine in a commit under way as the copy came, may have
written pages of the log into the copy: `tickwork check` says so.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import stat
from datetime import UTC, datetime
from pathlib import Path

from app.store import backup, connection
from app.store.database import Store
from app.store.home import FILE_MODE
from app.store.integrity import HEADER_SIZE, SQLITE_MAGIC, StoreReplaced, file_identity
from app.store.models import db

log = logging.getLogger("tickwork.engine")

WAL_MODE = b"\x02\x02"  # the header's file format versions (bytes 18-19) of a WAL database
SHARED_FIRST, SHARED_SIZE = 0x40000000 + 2, 510  # SQLite's shared lock bytes (os_unix.c)
AGAIN = ("a backup is put back with `tickwork restore FILE` (stop the engine first), which "
         "keeps the store it replaces and carries over what ran since")
_held: dict[tuple[int, int], int] = {}  # (device, inode) -> a descriptor of it (`open`)


class StoreFile:
    """The store's file as this engine opened it, held (`open`), stamped (`stamp`) and
    looked at (`replaced`) on the store thread, whose connection it uses."""

    def __init__(self, store: Store, fd: int | None) -> None:
        self.store = store
        self.fd = fd  # None: the file there is not the one opened (seen as replaced)
        self.mark: int | None = None  # this engine's number in the header (`stamp`)
        self.armed = False  # the file carries it: a copy over the file is seen from now
        self._before: set[int] = set()  # the numbers the file may carry until then
        self.found: StoreReplaced | None = None

    @classmethod
    def open(cls, store: Store) -> StoreFile:
        """The store's file held, if the file at its path is still the one opened. What
        was held of another file is let go: a process uses one SQLite store at a time (its
        connections to a store it used before are left unused), so no lock of SQLite's that
        the close lets go is still counted on."""
        opened = store.file
        for other in [held for held in _held if held != opened]:
            os.close(_held.pop(other))
        fd = _held.get(opened) if opened is not None else None
        if fd is None and opened is not None:
            with contextlib.suppress(OSError):
                fd = os.open(store.path, os.O_RDONLY | os.O_CLOEXEC)
                found = os.fstat(fd)
                _held[found.st_dev, found.st_ino] = fd  # (whichever file it is)
                fd = fd if (found.st_dev, found.st_ino) == opened else None
        return cls(store, fd)

    def stamp(self) -> None:
        """Give the store this engine's number, and fold it into the file: once the file
        carries it, the engine is `armed`. A checkpoint that readers keep from reaching it is
        tried again at each look, while the file's number is one it had before (`_before`:
        never into a copy that carries another)."""
        header = self._header()
        before = {_number(header)} if header is not None else set()
        before.add(int(db.execute_sql("PRAGMA user_version").fetchone()[0]))  # (the log's)
        mark = secrets.randbelow(2**31 - 2) + 1
        with connection.write_batch():
            db.execute_sql(f"PRAGMA user_version = {mark}")
        self.mark, self._before = mark, before
        self.overwritten()

    def overwritten(self) -> bool:
        """Whether the file's contents were replaced where it is (a file copied over it);
        store thread (unarmed, it tries to fold the engine's number into the file)."""
        header = self._header()
        if header is None or self.mark is None:
            return False
        if self._foreign(header):
            return True
        if not self.armed and _number(header) in self._before:
            db.execute_sql("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            header = self._header()
            self.armed = header is not None and _number(header) == self.mark
        return False

    def differs(self) -> bool:
        """Any thread: whether the file at the store's path is not the one the engine opened,
        or was overwritten (an error that calls the store damaged may be only that). A home
        moved whole is not that: the engine's last writes go where it went (HomeMoved)."""
        path = self.store.path
        if file_identity(path) != self.store.file:
            return path.parent.is_dir()
        header = self._header()
        return header is not None and self.mark is not None and self._foreign(header)

    def _header(self) -> bytes | None:
        return None if self.fd is None else os.pread(self.fd, HEADER_SIZE, 0)

    def _foreign(self, header: bytes) -> bool:
        """Whether `header` is not one a checkpoint of the store could have given its file:
        not a WAL database's (Tickwork's backups are in rollback-journal mode), or, once the
        engine's number reached the file, another number."""
        if (len(header) < HEADER_SIZE or not header.startswith(SQLITE_MAGIC)
                or header[18:20] != WAL_MODE):
            return True
        number = _number(header)
        self.armed = self.armed or number == self.mark
        return self.armed and number != self.mark

    def replaced(self, opened: dict[str, tuple[int, int] | None]) -> StoreReplaced | None:
        """Why the engine goes no further, its files kept apart first, when the store's file
        was replaced or deleted since it opened them (`opened`: the store's `sidecars` then);
        None when it is still the one opened. Found once: the same answer after."""
        if self.found is not None or self.store.file is None:
            return self.found
        there = file_identity(self.store.path)
        if there == self.store.file and not self.overwritten():
            return None
        now = datetime.now(UTC)
        path, home = self.store.path, self.store.home
        _pin(self.fd)  # (first: a connection closing meanwhile folds nothing into the file)
        connection.lose(f"{path} was replaced while the engine ran")  # (said in full below)
        if there == self.store.file:
            aside = _log_aside(path, opened, now)
            why = (f"{path} was overwritten while the engine ran (a file copied over it?): the "
                   "engine stopped and wrote nothing more, so the store is the file put there, "
                   "as it was put (`tickwork check` checks it); what the engine recorded since "
                   "its last checkpoint went with the file it overwrote"
                   f"{f' (its log is kept as {aside})' if aside else ''}; {AGAIN}")
        else:
            kept = _keep(home, now)
            what = _put_there(path)
            a_file = what.startswith("replaced while")
            why = "; ".join([
                f"{path} was {what}: the engine stopped" + (
                    " and wrote nothing into the file there now, which is the store from now "
                    "on" if a_file else ""),
                f"the store it had is kept as {kept}: `tickwork restore {kept}` puts it back"
                if kept else "the store it had could not be kept (said above)",
                *([AGAIN] if a_file else [])])
        connection.lose(why)
        self.found = StoreReplaced(why)
        return self.found


def _number(header: bytes) -> int:
    """The `user_version` a store file's header carries."""
    return int.from_bytes(header[60:64], "big", signed=True)


def _put_there(path: Path) -> str:
    """What became of the store's file, as the engine's line says it."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return "deleted or moved away while the engine ran"
    if stat.S_ISREG(mode):
        return "replaced while the engine ran (a file moved or copied over it?)"
    from app.platform.config_files import kind

    return f"moved away while the engine ran, and {kind(mode)} put in its place"


def _keep(home: Path, now: datetime) -> Path | None:
    """The store as this thread's connection has it (the file the engine opened, and its
    log), copied into backups/, then its log folded into that file and emptied: the log is
    named after the store's path, where another file is now (None: it could not be kept)."""
    try:
        kept = backup.new_path(home, "replaced", now)
        backup.write_copy(db.connection(), kept)
    except Exception as exc:  # (a full disk …: said, and the store is let go all the same)
        log.error("the store the engine had could not be kept in %s: %s",
                  backup.backups_dir(home), exc)
        kept = None
    try:
        connection.checkpoint()
    except Exception as exc:
        log.error("the engine's log could not be folded into the store it had: %s", exc)
    return kept


def _log_aside(path: Path, opened: dict[str, tuple[int, int] | None],
               now: datetime) -> Path | None:
    """Move the engine's `-wal` into backups/ and remove its `-shm`, when they are still the
    ones it opened: the next process to open the store makes new ones for the file there
    (None: no log moved)."""
    wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
    aside = None
    try:
        if opened.get("-wal") is not None and file_identity(wal) == opened["-wal"]:
            aside = Path(f"{backup.new_path(path.parent, 'overwritten', now)}-wal")
            os.rename(wal, aside)
            os.chmod(aside, FILE_MODE)
        if opened.get("-shm") is not None and file_identity(shm) == opened["-shm"]:
            shm.unlink()
    except OSError as exc:
        log.error("the engine's log of %s could not be moved aside: %s", path, exc)
    return aside


def _pin(fd: int | None) -> None:
    """Hold a read lock on SQLite's shared-lock bytes of the file behind `fd` while `fd` is
    held (`StoreFile.open`), as its open file description's (app/platform/locks.py): the
    exclusive lock a connection's close takes to fold its log into the file is refused to
    every connection, this process's too, so none does (nor deletes the `-wal` and `-shm`
    by their names)."""
    from app.platform.locks import hold_read_range

    if fd is not None and not hold_read_range(fd, SHARED_FIRST, SHARED_SIZE):
        log.warning("cannot hold the store's file against SQLite's checkpoint at close here: "
                    "a connection of another program closing now may fold the engine's log "
                    "into it")
