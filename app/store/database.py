"""Opening the store: identity, integrity, pragmas, schema version, owner-only permissions.

SQLite runs in WAL mode with `synchronous=FULL`, so a committed row survives `kill -9`
and power loss; the engine's writer batches rows into group commits to keep that cheap.
Before anything is written, the file is identified read-only (`integrity.identify`): a
database that is not Tickwork's, or not SQLite at all, is refused untouched. Permissions are
only ever tightened: group and other bits are removed from the home and the database files
(and the fix is audited); a home or database its owner cannot write is refused, never
chmod-ed. Every folder Tickwork creates is 0700. `Store.open(check=True)` (the engine, and
the CLI's writing commands) also runs `PRAGMA quick_check` and refuses a damaged store with
one line naming the newest backup.

A store may instead be a shared PostgreSQL database (`Store.open(home, url=...)`, chosen by
`--store` or `$TICKWORK_STORE`): the same models make the schema there, the schema version
is the same meta row, and writers are serialised by an advisory lock (app/store/backend.py).
The home then still holds what is this machine's own: the engine lock, the logs, the
keyring's file backend if any, and the backups folder (empty: PostgreSQL is backed up with
`pg_dump`, and its integrity is the server's care, so there is no `quick_check`).
"""

from __future__ import annotations

import os
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import peewee as pw

from app.core.errors import StoreError
from app.store import backend, location
from app.store.connection import SqliteStore, lose, refuse_if_lost, write_batch
from app.store.home import (
    DB_NAME,
    DIR_MODE,
    FILE_MODE,
    LOCK_NAME,
    RESTORE_COPY,
    RESTORE_MARK,
    make_private_dir,
    refuse_left,
    refuse_others,
    refuse_replaceable,
    tighten_all,
)
from app.store.integrity import (
    NewerStore,
    NotTickworks,
    StoreDamaged,
    fault_of,
    file_identity,
    identify,
    newer_schema,
    problems,
    readonly_target,
    readwrite_uri,
    said_if_gone,
    unusable,
)
from app.store.models import ALL_MODELS, SCHEMA_VERSION, Meta, db
from app.store.said_url import safe_url
from app.store.writable import refuse_read_only, refuse_unwritable

# the audit, the backups and the migrations are imported where they are used: a command
# that only reads (`task list`) needs none of them (~25 M of its ~670 M instructions)

WAL_KEPT = 32 << 20  # an emptied -wal is cut to this (~4 MB usual): a read open elsewhere grew it
PRAGMAS = (  # every connection's, in each thread (peewee sets them as it connects)
    ("journal_mode", "wal"),
    ("synchronous", "full"),
    ("foreign_keys", 1),
    ("busy_timeout", 10_000),
    ("cache_size", -16_000),
    ("temp_store", "memory"),
    ("journal_size_limit", WAL_KEPT),
)
COPY_PRAGMAS = tuple((n, "delete") if n == "journal_mode" else (n, v) for n, v in PRAGMAS)
__all__ = ["DIR_MODE", "FILE_MODE", "PRAGMAS", "Store", "StoreDamaged"]
_DB_SUFFIXES = ("", "-wal", "-shm")
CONNECT_TIMEOUT = 10  # seconds a PostgreSQL store's server has to answer a new connection


class Store:
    """The open store of one data home. One per process (the peewee database is global)."""

    def __init__(self, home: Path, url: str | None = None) -> None:
        self.home = home
        self.path = home / DB_NAME
        self.url = url  # a PostgreSQL store's URL; None: the SQLite file at `path`
        self.file: tuple[int, int] | None = None  # the file opened (device, inode)

    @property
    def name(self) -> str:
        """The store as messages name it: the file, or the URL without its password."""
        return str(self.path) if self.url is None else safe_url(self.url)

    @classmethod
    def open(cls, home: Path, *, actor: str = "engine", now: datetime | None = None,
             check: bool = False, url: str | None = None) -> Store:
        """Open (creating if needed) the store under `home` — or the PostgreSQL database at
        `url`, the home keeping only this machine's files — or raise StoreError.

        With `check`, an SQLite store failing `PRAGMA quick_check` (run read-only, before
        anything is written) raises StoreDamaged."""
        if url is not None:
            return cls._open_postgres(home, url)
        store = cls(home)
        store._prepare_home()
        try:
            version = identify(store.path, quick_check=check)
        except StoreDamaged as exc:
            raise store.damaged(exc.detail) from None
        if newer := newer_schema(store.path, version):
            raise NewerStore(newer)
        fixes = store._prepare_files()
        _close_current()
        db.initialize(SqliteStore(readwrite_uri(store.path), pragmas=PRAGMAS, uri=True,
                                  check_same_thread=False, timeout=10))
        try:
            if version is None:
                _make_new(store.path)
            db.connect(reuse_if_open=True)
            store.file = file_identity(store.path)
            store._check_schema()
        except StoreError:
            db.close()
            raise
        except (pw.DatabaseError, sqlite3.DatabaseError) as exc:
            db.close()
            if fault_of(exc) == "corrupt":
                raise store.damaged(str(exc)) from None
            raise unusable(store.path, exc) from None
        if check and any((home / name).exists() for name in (RESTORE_COPY, RESTORE_MARK)):
            from app.store import restore_trail  # what a killed restore left

            restore_trail.tidy(home)
        store._audit_fixes(fixes, actor, now)
        return store

    @classmethod
    def open_file(cls, home: Path, path: Path) -> Store:
        """Open `path`, a store file under `home` that is not its store yet (a restore's
        copy, put in its place by one rename), brought up to this version's schema, in a
        rollback journal (one self-contained file to rename)."""
        store = cls(home)
        store.path = path
        _close_current()
        db.initialize(pw.SqliteDatabase(str(path), pragmas=COPY_PRAGMAS,
                                        check_same_thread=False, timeout=10))
        try:
            db.connect(reuse_if_open=True)
            store._check_schema()
        except BaseException:
            db.close()
            raise
        return store

    @classmethod
    def open_readonly(cls, home: Path) -> Store | None:
        """The SQLite store under `home` as it is, for reading only (`tickwork check`): over a
        `mode=ro` connection, so nothing is migrated, fixed or written. None when its schema
        is not this version's (an older one is read once migrated)."""
        store = cls(home)
        if identify(store.path) != SCHEMA_VERSION:
            return None
        _close_current()
        db.initialize(pw.SqliteDatabase(readonly_target(store.path), uri=True,
                                        check_same_thread=False, timeout=10))
        try:
            db.connect(reuse_if_open=True)
        except (pw.DatabaseError, sqlite3.DatabaseError) as exc:
            db.close()
            raise unusable(store.path, exc) from None
        return store

    @classmethod
    def _open_postgres(cls, home: Path, url: str) -> Store:
        store = cls(home, url)
        store._prepare_home()  # the engine lock and the logs stay on this machine
        _close_current()
        # TCP keepalives and a send timeout: a network that drops packets silently (rather
        # than a server that stops) is noticed in about 15 s instead of TCP's minutes
        shared = backend.PostgresStore(
            url, connect_timeout=CONNECT_TIMEOUT, application_name="tickwork",
            keepalives=1, keepalives_idle=5, keepalives_interval=2, keepalives_count=3,
            tcp_user_timeout=15000, options=backend.session_options())
        shared.home = home.resolve()  # (its keyring keeps the audit key: backend.audit_slot)
        db.initialize(shared)
        try:
            db.connect(reuse_if_open=True)
        except pw.DatabaseError as exc:
            raise StoreError(f"cannot open the PostgreSQL store {store.name}: "
                             f"{location.connection_advice(url, _said(exc), CONNECT_TIMEOUT)}"
                             ) from None
        try:
            store._check_schema()
        except StoreError:
            db.close()
            raise
        except pw.DatabaseError as exc:
            db.close()
            raise StoreError(f"{store.name} is not a usable Tickwork database: "
                             f"{_first_line(exc)}") from None
        return store

    def close(self) -> None:
        audit = _audit_if_loaded()
        if audit is not None:  # an audit head still waiting for its second goes there now
            audit.flush()
        _close_current(opening=False)

    @contextmanager
    def write(self) -> Iterator[None]:
        """A write transaction that takes the write lock up front (no upgrade deadlocks).
        The audit chain's key is read from the keyring before (once a process): a keyring
        that waits — locked, its unlock prompt unanswered — then holds up this command, not
        every other writer behind the lock (the engine's runs stalled: a fault hunt)."""
        if not db.in_transaction():
            from app.store.audit import key_ahead

            key_ahead()
        with write_batch():  # (`StoreGone` in one line when its file went)
            self._not_replaced()
            yield
        audit = _audit_if_loaded()
        if audit is not None:  # the audit head goes to the keyring after the commit, not before
            audit.committed()

    def _not_replaced(self) -> None:
        """In a write transaction: refuse to write a file a restore is replacing (its lock
        says so) or has replaced (after a wait for the write lock, this connection's file
        is no longer the store's): the write would be lost with a success said. (The
        engine's writer needs no look: no engine runs while a restore does.)"""
        if self.url is not None or self.file is None:
            return
        if file_identity(self.path) != self.file:
            raise StoreError(f"{self.path} was replaced by a restore while this waited for "
                             "it: nothing was written; run it again")
        from app.store.lock import RESTORE, EngineLock, restoring, said_in

        if f'"{RESTORE}'.encode() not in said_in(self.home / LOCK_NAME):
            return
        holder = EngineLock(self.home).holder() or {}
        if restoring(holder) is not None and holder.get("pid") != os.getpid():
            raise StoreError(f"a restore is replacing {self.path} (pid {holder.get('pid')}): "
                             "nothing was written; run it again once it has ended")

    @contextmanager
    def read(self) -> Iterator[None]:
        """A read transaction: one snapshot for several queries (`StoreGone`: its file went,
        or was replaced under this process: `connection.lose`)."""
        if self.url is None:
            refuse_if_lost()
        with said_if_gone(self.path), db.atomic("REPEATABLE READ" if self.url else "DEFERRED"):
            yield

    def follow(self) -> bool:
        """SQLite: another file at the store's path than the one opened (a copy put back) is
        its file from now on, this thread's connection closed to open it; whether it was."""
        now = file_identity(self.path) if self.url is None else None
        if now is None or self.file is None or now == self.file:
            return False
        self.file = now
        _close_current(opening=False)
        return True

    def data_version(self) -> int:
        """A number for this thread's connection that changes when another connection
        commits, so a poller sees CLI edits without reading any table (SQLite's
        `PRAGMA data_version`; see backend.data_version for PostgreSQL)."""
        return backend.data_version()

    def check(self, *, full: bool = True) -> list[str]:
        """SQLite's integrity check (`quick_check` unless `full`) on this thread's connection:
        one line per problem, none when the store is sound. PostgreSQL keeps its own
        integrity (page checksums, WAL): nothing to check here."""
        if self.url is not None:
            return []
        return problems(db.connection(), full=full)

    def damaged(self, detail: str) -> StoreDamaged:
        """The one-line refusal of a damaged store: what failed and how to get back."""
        from app.store.backup import restore_hint

        return StoreDamaged(f"{self.path} is damaged ({detail}); Tickwork will not write to "
                            f"it. {restore_hint(self.home)}", detail)

    def _prepare_home(self) -> None:
        """Create the home (and any missing parent) 0700; refuse one on a read-only file
        system, one this user cannot write, or one another user could replace
        (app/store/writable.py)."""
        refuse_replaceable(self.home)
        refuse_read_only(self.home, self.path)
        make_private_dir(self.home)
        refuse_others(self.home)
        refuse_unwritable(self.home, [Path(f"{self.path}{s}") for s in _DB_SUFFIXES])
        refuse_left(self.home)  # (after the store's files: a store of theirs is said so)

    def _prepare_files(self) -> dict[str, tuple[int, int]]:
        """Create the database 0600; tighten looser modes, return what changed."""
        if not self.path.exists():
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY | os.O_CLOEXEC, FILE_MODE))
        return self._tighten()

    def _tighten(self) -> dict[str, tuple[int, int]]:
        return tighten_all([self.home, *(Path(f"{self.path}{s}") for s in _DB_SUFFIXES)])

    def keep_private(self, actor: str = "engine") -> None:
        """Tighten the home and the store's files again, audited (the engine opens it once)."""
        if self.url is None:
            self._audit_fixes(self._tighten(), actor, None)

    def _audit_fixes(self, fixes: dict[str, tuple[int, int]], actor: str, now: datetime | None
                     ) -> None:
        if fixes:
            from app.store import audit

            with self.write():
                audit.append(actor, "store.permissions_fixed", str(self.home),
                             {"modes": {k: oct(v[0]) for k, v in fixes.items()}},
                             {"modes": {k: oct(v[1]) for k, v in fixes.items()}},
                             now or datetime.now(UTC))

    def _check_schema(self) -> None:
        tables = set(db.get_tables())
        if "meta" not in tables:
            if tables:
                raise NotTickworks(f"{self.name} is not a Tickwork database (unknown tables)")
            with write_batch():
                if "meta" not in set(db.get_tables()):
                    from app.store import audit

                    db.create_tables(ALL_MODELS)
                    Meta.create(key="schema_version", value=str(SCHEMA_VERSION))
                    audit.create_chain()
            return
        row = Meta.get_or_none(Meta.key == "schema_version")
        version = int(row.value) if row else 0
        if newer := newer_schema(self.name, version):
            raise NewerStore(newer)
        if version < SCHEMA_VERSION:
            from app.store.migrations import migrate

            migrate(version)


def _make_new(path: Path) -> None:
    """A new store's file made to give deleted history's pages back to the disk
    (`PRAGMA incremental_vacuum`, app/store/retention.py; a store from before version 3
    switches once, in its migration). The setting takes only before the file's first page
    is written — switching to WAL writes it — and said again to an existing store it is a
    write (a transaction, two fsyncs and a checkpoint at close, the write lock taken from a
    running engine): so it is said here once, not among every connection's `PRAGMAS`."""
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA auto_vacuum = INCREMENTAL")
        con.execute("PRAGMA journal_mode = WAL")
    finally:
        con.close()


def _close_current(opening: bool = True) -> None:
    """Close this thread's connection to the store the proxy points at, if any; `opening`
    another: what this process could no longer use of the last (`lose`) is over."""
    if db.obj is not None and not db.is_closed():
        db.close()
    if opening:
        lose(None)


def _said(exc: BaseException) -> str:
    """All the driver said, on one line: libpq's second line is its hint ("Is the server
    running on that host and accepting TCP/IP connections?"), which the first line alone lost."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    ended = [line if line[-1] in ".?!:" else f"{line}." for line in lines[:-1]]
    return " ".join([*ended, *lines[-1:]]) or type(exc).__name__


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _audit_if_loaded() -> ModuleType | None:
    """app/store/audit.py if this process loaded it. Whatever appends an event or keys a
    chain loads it first, so a process without it (a command that only reads) has no audit
    head waiting to be written, and needs not load it to find that out."""
    return sys.modules.get("app.store.audit")
