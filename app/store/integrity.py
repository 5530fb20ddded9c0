"""Is this file a healthy Tickwork store? Answered without ever writing to it.

`identify` reads the 100-byte SQLite header and then `sqlite_master` through a read-only
connection (`mode=ro`; `immutable=1` when the file is in WAL mode but has no `-wal` file,
so not even a `-shm` appears beside someone else's database). Only a file that is empty or
already Tickwork's is ever opened for writing. `problems` runs SQLite's own checks
(`quick_check` at engine start, the full `integrity_check` for `tickwork check`), and
`fault_of` names the faults the engine treats as states: a damaged file, a full disk (for a
PostgreSQL store, the server's), (for a PostgreSQL store) a server that cannot be
reached — stopped, restarting, behind a cut network, or with no connection slot left —, and
(for an SQLite store) a write lock another process held past SQLite's busy timeout (another
tool's open write transaction: `sqlite3`, a database browser).
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import stat
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from app.core.errors import StoreError
from app.store.home_naming import ANOTHER_HOME

SQLITE_MAGIC = b"SQLite format 3\x00"
HEADER_SIZE = 100
CORRUPT = "corrupt"
FULL = "full"
UNREACHABLE = "unreachable"  # a PostgreSQL store's server is away
BUSY = "busy"  # another process held the SQLite store's write lock past the busy timeout
_CORRUPT_NAMES = ("SQLITE_CORRUPT", "SQLITE_NOTADB")
_CORRUPT_TEXT = ("malformed", "file is not a database", "disk image")
_FULL_TEXT = ("database or disk is full",)
_BUSY_TEXT = ("database is locked",)
# SQLSTATEs of a server going away or not taking connections: class 08 (connection
# exception), admin/crash shutdown, "the database system is starting up/shutting down"
# (a connection refused for want of a slot, "sorry, too many clients already", has none)
_AWAY_STATES = ("57P01", "57P02", "57P03")
_FULL_STATES = ("53100",)  # the server's disk is full ("could not extend file")
SILENT_TOO_LONG = "25P03"  # idle_in_transaction_session_timeout: the server ended a session
# silent inside its transaction (a write: `backend.WRITE_SILENCE`)


class StoreDamaged(StoreError):
    """The store failed SQLite's integrity checks or reported SQLITE_CORRUPT."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail or message


class NotTickworks(StoreError):
    """The file where the store goes is not a Tickwork store (not SQLite, or another
    program's database): left untouched, and refused until it is moved away."""


class NewerStore(StoreError):
    """The store was upgraded by a newer Tickwork: refused until this one is upgraded."""


class NotPermitted(StoreError):
    """The home or its store's files are another user's, could be replaced by another user,
    or may not be written by their owner: refused until the person puts that right (never
    chmod-ed or chown-ed for them)."""


class FilesMoved(StoreError):
    """The store's `-wal` or `-shm` file was deleted or replaced under the running engine."""


class HomeMoved(FilesMoved):
    """The data home was moved or deleted under the running engine: its files went with it,
    unchanged, so an engine may start on them again once the folder is back."""


class StoreReplaced(FilesMoved):
    """The store's file was replaced (another file moved or copied over it) or deleted under
    the running engine: the engine stopped without mixing what it had with what is there
    now (app/store/replaced.py)."""


class StoreGone(StoreError):
    """The store's file cannot be opened any more: its home was moved or deleted, or the file
    is gone or is not a file (a folder in its place), under a window or command that had it
    open. A state to wait out (the window says it once and looks again), not a bug."""


def gone(path: Path) -> StoreGone | None:
    """Why the SQLite store at `path` cannot be opened now, in one line that names it and
    says what to do; None when nothing is wrong with where it is (another failure)."""
    home = path.parent
    if not home.is_dir():
        return StoreGone(f"the data home {home} was moved or deleted: put the folder back, or "
                         f"reopen Tickwork with {ANOTHER_HOME} naming where it went")
    if not path.exists():
        return StoreGone(f"{path} was moved or deleted: put it back, or reopen Tickwork with "
                         f"{ANOTHER_HOME} naming the data home it went to")
    if not path.is_file():
        return StoreGone(f"{path} is not a file any more: put the store's file back, or "
                         f"reopen Tickwork with {ANOTHER_HOME} naming where its data home went")
    if not os.access(path, os.R_OK):  # (never an open and a close: closing any descriptor
        # of the file lets go of the process's SQLite locks on it)
        return StoreGone(f"{path} cannot be read (permission denied): give its owner back "
                         f"the use of it (`chmod u+rw {path}`)")
    return None


@contextmanager
def said_if_gone(path: Path | Callable[[], Path]) -> Iterator[None]:
    """A store access whose connection cannot be opened because the SQLite store at `path`
    (or where the callable says, asked only then) is not where it was raises `StoreGone` in
    one line (a PostgreSQL store's errors as they are). It was `OperationalError: unable to
    open database file`, a traceback a read."""
    try:
        yield
    except Exception as exc:  # (peewee's OperationalError wraps sqlite3's)
        if any(isinstance(e, sqlite3.OperationalError) for e in causes(exc)) and (
                why := gone(path if isinstance(path, Path) else path())) is not None:
            raise why from exc
        raise


def file_identity(path: Path | str) -> tuple[int, int] | None:
    """The file at `path` (device, inode); None when there is none."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino


def sidecars(path: Path) -> dict[str, tuple[int, int] | None]:
    """The store's file and its `-wal` and `-shm` files (by suffix: "", "-wal", "-shm") as
    (device, inode), None where there is none."""
    return {suffix: file_identity(f"{path}{suffix}") for suffix in ("", "-wal", "-shm")}


def moved(path: Path, opened: dict[str, tuple[int, int] | None]) -> FilesMoved | None:
    """The refusal to go on when a file of `opened` (`sidecars` as the engine opened them,
    its connections open since: SQLite deletes them only at the last close) is not there
    any more: each connection keeps the one it opened, which no other program sees, so two
    copies of the log's index, or of the log, go two ways and commits are lost."""
    if not path.parent.is_dir():  # (its connections still write to the files they opened)
        return HomeMoved(
            f"the data home {path.parent} was moved or deleted while the engine ran: the "
            "engine stopped, as what it recorded would no longer be where Tickwork looks; "
            f"put the folder back, or start it with {ANOTHER_HOME} naming where it went")
    now = sidecars(path)
    gone = [s for s, was in opened.items() if was is not None and now.get(s) != was]
    if not gone:
        return None
    return FilesMoved(
        f"{path}{gone[0]} was deleted or replaced while the engine ran: the engine stopped, "
        "as its writes and other programs' would no longer meet and commits would be lost; "
        "start it again (`tickwork engine`)")


class DiskFull(StoreError):
    """The store cannot be opened because the disk holding it is full: a state that ends
    when space is freed (`tickwork engine` waits for it)."""


LOW_SPACE = 1 << 20  # bytes free under which an I/O error at open is taken for a full disk


def unusable(path: Path, exc: BaseException) -> StoreError:
    """The one line for a store file that failed to open: a full disk said as such (SQLite
    says "disk I/O error" when it cannot even make the `-shm` beside the file), else the
    error as it is."""
    try:
        free = shutil.disk_usage(path.parent).free
    except OSError:
        free = None
    full = fault_of(exc) == FULL or getattr(exc, "errno", None) == errno.ENOSPC or (
        free is not None and free < LOW_SPACE and "I/O" in str(exc))
    if full:
        left = "" if free is None else f" ({free // 1024:,} KiB free)"
        return DiskFull(f"{path} cannot be opened: the disk holding it is full{left}; free "
                        "some space and try again")
    if read_only_mount(path.parent):  # SQLite says "unable to open database file"
        return StoreError(f"{path} cannot be opened: the file system holding it is mounted "
                          "read-only (Tickwork writes its store as it runs)")
    return StoreError(f"{path} is not a usable Tickwork database: {exc}")


def read_only_mount(path: Path) -> bool:
    """Whether the file system holding `path` (or, for a path not there yet, the nearest
    folder above it that is) is mounted read-only."""
    for there in (path, *path.parents):
        try:
            return bool(os.statvfs(there).f_flag & os.ST_RDONLY)
        except FileNotFoundError:
            continue
        except (OSError, AttributeError):  # (no ST_RDONLY: not a POSIX system)
            return False
    return False


def readonly_uri(path: Path, *, immutable: bool = False) -> str:
    """The path's bytes, escaped (a name that is not UTF-8, `b\\xff.db`, is one too)."""
    return f"file:{quote(os.fsencode(path))}?mode=ro" + ("&immutable=1" if immutable else "")


def readwrite_uri(path: Path) -> str:
    """The store's file for its connections: read and written, never created (one opened
    once it had gone — its home moved, the file deleted — made a new empty store there)."""
    return f"file:{quote(os.fsencode(path))}?mode=rw"


def readonly_target(path: Path) -> str:
    """The URI of a connection that cannot write `path` (nor create a `-wal`/`-shm` for a
    file without one)."""
    with path.open("rb") as fh:
        header = fh.read(HEADER_SIZE)
    wal_header = len(header) >= 20 and header[18] == 2
    wal_file = Path(str(path) + "-wal")
    return readonly_uri(path, immutable=wal_header and not wal_file.exists())


def connect_readonly(path: Path) -> sqlite3.Connection:
    """A connection that cannot write `path` (`readonly_target`)."""
    return sqlite3.connect(readonly_target(path), uri=True, check_same_thread=False)


def newer_schema(name: object, version: int | None) -> str | None:
    """The one line every door gives for a store a newer Tickwork upgraded (a downgrade);
    None for a store this Tickwork opens (or a new one)."""
    from app.store.models import SCHEMA_VERSION  # (peewee: loaded by what opens a store)

    if version is None or version <= SCHEMA_VERSION:
        return None
    return (f"{name} has schema version {version}, newer than this Tickwork understands "
            f"({SCHEMA_VERSION}); upgrade Tickwork to open it")


def identify(path: Path, *, quick_check: bool = False) -> int | None:
    """The schema version of the Tickwork store at `path`; None when the file is empty (a new
    store). Raises StoreError, having written nothing, for anything else; with
    `quick_check`, StoreDamaged for a store that fails SQLite's `quick_check`."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(info.st_mode):  # (a folder failed "IsADirectoryError"; a fifo,
        from app.platform.config_files import kind  # empty, was taken for a new store)

        raise NotTickworks(f"{path} is {kind(info.st_mode)}, not a store's file; Tickwork "
                           "left it untouched (move it away, or name another home with "
                           f"{ANOTHER_HOME})")
    if info.st_size == 0:
        return None
    with path.open("rb") as fh:
        header = fh.read(HEADER_SIZE)
    if not header.startswith(SQLITE_MAGIC) or len(header) < HEADER_SIZE:
        raise NotTickworks(f"{path} is not an SQLite database; Tickwork left it untouched "
                           f"(move it away, or name another home with {ANOTHER_HOME})")
    try:
        con = connect_readonly(path)
    except sqlite3.Error as exc:
        raise StoreError(f"{path} cannot be read: {exc}") from None
    try:
        tables = {r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            return None
        if "meta" not in tables:
            raise NotTickworks(f"{path} is not a Tickwork database (it has tables "
                             f"{', '.join(sorted(tables)[:5])}); Tickwork left it untouched")
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        found = problems(con) if quick_check else []
        if found:
            raise StoreDamaged(f"{path} is damaged: {found[0]}", found[0])
    except sqlite3.DatabaseError as exc:
        if fault_of(exc) == CORRUPT:
            raise StoreDamaged(f"{path} is damaged: {exc}", str(exc)) from None
        raise unusable(path, exc) from None
    finally:
        con.close()
    try:
        return int(row[0]) if row else _not_ours(path)
    except (TypeError, ValueError):
        return _not_ours(path)


def _not_ours(path: Path) -> int:
    raise NotTickworks(f"{path} is not a Tickwork database (no schema version); "
                     "Tickwork left it untouched")


def problems(con: sqlite3.Connection, *, full: bool = False, limit: int = 100) -> list[str]:
    """SQLite's `quick_check` (or the full `integrity_check`): one line per problem, empty
    when the file is sound. A file too damaged to check is itself one problem."""
    pragma = "integrity_check" if full else "quick_check"
    try:
        rows = [str(r[0]) for r in con.execute(f"PRAGMA {pragma}({int(limit)})")]
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    return [] if rows == ["ok"] else rows


def fault_of(exc: BaseException | None) -> str | None:
    """CORRUPT, FULL, UNREACHABLE, BUSY or None for an exception from sqlite3, psycopg or
    peewee (which wraps them)."""
    found = find_fault(exc)
    return found[0] if found else None


def find_fault(exc: BaseException | None) -> tuple[str, BaseException] | None:
    """The fault (CORRUPT, FULL, UNREACHABLE or BUSY) and the exception that says so, looking
    through peewee's wrapping and through a failed rollback's context ("cannot rollback - no
    transaction is active" hides the "database or disk is full" that ended the
    transaction). A session the PostgreSQL server ended for its silence in a transaction
    (25P03, read as a statement's answer) is UNREACHABLE too: its transaction is gone, and
    what it held is tried again on a new session, as after a server away."""
    for err in causes(exc):
        orig = getattr(err, "orig", None)  # the driver's exception a peewee one wraps
        silent = _from_postgres(err) and getattr(err, "sqlstate", None) == SILENT_TOO_LONG
        if silent or server_away(err):
            return UNREACHABLE, err
        if _from_postgres(err) and getattr(err, "sqlstate", None) in _FULL_STATES:
            return FULL, err
        if not _from_postgres(err) and not _from_postgres(orig):  # SQLite's words: a
            # PostgreSQL "malformed array literal" is a bad statement, not a damaged store
            name = getattr(err, "sqlite_errorname", "") or ""
            text = str(err).lower()
            if name.startswith(_CORRUPT_NAMES) or any(t in text for t in _CORRUPT_TEXT):
                return CORRUPT, err
            if name == "SQLITE_FULL" or any(t in text for t in _FULL_TEXT):
                return FULL, err
            if name.startswith("SQLITE_BUSY") or any(t in text for t in _BUSY_TEXT):
                return BUSY, err
    return None


def causes(exc: BaseException | None) -> Iterator[BaseException]:
    """`exc` and what lies behind it, each once, nearest first: the driver's exception a
    peewee one wraps (`orig`), exceptions among its arguments, its cause and its context."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        err = todo.pop(0)
        if err is None or id(err) in seen:
            continue
        seen.add(id(err))
        yield err
        todo.extend(a for a in err.args if isinstance(a, BaseException))
        todo.extend((getattr(err, "orig", None), err.__cause__, err.__context__))


def _from_postgres(err: BaseException | None) -> bool:
    """Is `err` an error of psycopg (the PostgreSQL driver)?"""
    if err is None or "psycopg" not in sys.modules:
        return False
    import psycopg

    return isinstance(err, psycopg.Error)


def ended_silent(exc: BaseException | None) -> bool:
    """Did the PostgreSQL server end this thread's session for its silence inside a
    transaction? psycopg says so (SQLSTATE 25P03) when it reads the server's last word as
    a statement's answer; when that word came between two statements (the process was
    stopped, its answer unread), the next statement fails as a server gone away ("server
    closed the connection unexpectedly") and the word is the connection's `farewell`."""
    if any(getattr(err, "sqlstate", None) == SILENT_TOO_LONG for err in causes(exc)):
        return True
    from app.store.models import db

    farewell = getattr(db.obj, "farewell", None)
    return farewell is not None and farewell() == SILENT_TOO_LONG and fault_of(exc) == UNREACHABLE


def server_away(err: BaseException) -> bool:
    """Is `err` psycopg saying the PostgreSQL server is away: a connection refused, closed
    or timed out (no SQLSTATE: libpq's own), a connection exception (class 08), the server
    shutting down (AdminShutdown) or not yet taking connections?"""
    if "psycopg" not in sys.modules:  # no PostgreSQL store was ever opened
        return False
    import psycopg

    if isinstance(err, psycopg.InterfaceError):  # "the connection is in status BAD"...
        return "connection" in str(err)
    if not isinstance(err, psycopg.OperationalError):
        return False
    state = err.sqlstate
    return state is None or state.startswith("08") or state in _AWAY_STATES
