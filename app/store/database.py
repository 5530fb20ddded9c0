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

import logging
import os
import re
import sqlite3
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import peewee as pw

from app.core.errors import StoreError
from app.store import audit, backend, backup
from app.store.connection import write_batch
from app.store.home import DB_NAME, DIR_MODE, FILE_MODE, make_private_dir, tighten
from app.store.integrity import StoreDamaged, fault_of, identify, problems, unusable
from app.store.models import ALL_MODELS, NAME_ORDER_INDEX, SCHEMA_VERSION, Meta, db, set_meta

PRAGMAS = (  # every connection's, in each thread (peewee sets them as it connects)
    ("journal_mode", "wal"),
    ("synchronous", "full"),
    ("foreign_keys", 1),
    ("busy_timeout", 10_000),
    ("cache_size", -16_000),
    ("temp_store", "memory"),
)
__all__ = ["DIR_MODE", "FILE_MODE", "PRAGMAS", "Store", "StoreDamaged", "migrate"]
_DB_SUFFIXES = ("", "-wal", "-shm")
log = logging.getLogger(__name__)


class Store:
    """The open store of one data home. One per process (the peewee database is global)."""

    def __init__(self, home: Path, url: str | None = None) -> None:
        self.home = home
        self.path = home / DB_NAME
        self.url = url  # a PostgreSQL store's URL; None: the SQLite file at `path`

    @property
    def name(self) -> str:
        """The store as messages name it: the file, or the URL without its password."""
        return str(self.path) if self.url is None else backend.safe_url(self.url)

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
        if version is not None and version > SCHEMA_VERSION:
            raise StoreError(
                f"{store.path} has schema version {version}, newer than this Tickwork "
                f"understands ({SCHEMA_VERSION}); upgrade Tickwork to open it"
            )
        fixes = store._prepare_files()
        _close_current()
        db.initialize(pw.SqliteDatabase(str(store.path), pragmas=PRAGMAS,
                                        check_same_thread=False, timeout=10))
        try:
            if version is None:
                _make_new(store.path)
            db.connect(reuse_if_open=True)
            store._check_schema()
        except StoreError:
            db.close()
            raise
        except (pw.DatabaseError, sqlite3.DatabaseError) as exc:
            db.close()
            if fault_of(exc) == "corrupt":
                raise store.damaged(str(exc)) from None
            raise unusable(store.path, exc) from None
        if fixes:
            with store.write():
                audit.append(
                    actor, "store.permissions_fixed", str(home),
                    {"modes": {k: oct(v[0]) for k, v in fixes.items()}},
                    {"modes": {k: oct(v[1]) for k, v in fixes.items()}},
                    now or datetime.now(UTC),
                )
        return store

    @classmethod
    def _open_postgres(cls, home: Path, url: str) -> Store:
        store = cls(home, url)
        store._prepare_home()  # the engine lock and the logs stay on this machine
        _close_current()
        # TCP keepalives and a send timeout: a network that drops packets silently (rather
        # than a server that stops) is noticed in about 15 s instead of TCP's minutes
        db.initialize(backend.PostgresStore(
            url, connect_timeout=10, application_name="tickwork",
            keepalives=1, keepalives_idle=5, keepalives_interval=2, keepalives_count=3,
            tcp_user_timeout=15000, options=backend.session_options()))
        try:
            db.connect(reuse_if_open=True)
        except pw.DatabaseError as exc:
            raise StoreError(f"cannot open the PostgreSQL store {store.name}: "
                             f"{_first_line(exc)}") from None
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
        audit.flush()  # an audit head still waiting for its second goes to the keyring now
        _close_current()

    @contextmanager
    def write(self) -> Iterator[None]:
        """A write transaction that takes the write lock up front (no upgrade deadlocks)."""
        with write_batch():
            yield
        audit.committed()  # the audit head goes to the keyring after the commit, never before

    @contextmanager
    def read(self) -> Iterator[None]:
        """A read transaction: one consistent snapshot for several queries."""
        with db.atomic("REPEATABLE READ" if self.url else "DEFERRED"):
            yield

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
        return StoreDamaged(f"{self.path} is damaged ({detail}); Tickwork will not write to "
                            f"it. {backup.restore_hint(self.home)}", detail)

    def _prepare_home(self) -> None:
        """Create the home (and any missing parent) 0700; refuse one its owner cannot use."""
        make_private_dir(self.home)
        mode = stat.S_IMODE(self.home.stat().st_mode)
        if mode & 0o700 != 0o700:
            raise StoreError(f"{self.home}: its owner cannot write it (mode {mode:04o}); "
                             f"Tickwork does not loosen permissions: `chmod u+rwx {self.home}`")
        for suffix in _DB_SUFFIXES:
            path = Path(str(self.path) + suffix)
            if path.exists():
                mode = stat.S_IMODE(path.stat().st_mode)
                if mode & 0o600 != 0o600:
                    raise StoreError(f"{path}: its owner cannot write it (mode {mode:04o}); "
                                     f"Tickwork does not loosen permissions: `chmod u+rw {path}`")

    def _prepare_files(self) -> dict[str, tuple[int, int]]:
        """Create the database 0600; tighten looser modes, return what changed."""
        fixes: dict[str, tuple[int, int]] = {}
        changed = tighten(self.home)
        if changed:
            fixes[str(self.home)] = changed
        if not self.path.exists():
            fd = os.open(self.path, os.O_CREAT | os.O_WRONLY | os.O_CLOEXEC, FILE_MODE)
            os.close(fd)
        for suffix in _DB_SUFFIXES:
            path = Path(str(self.path) + suffix)
            if path.exists():
                changed = tighten(path)
                if changed:
                    fixes[str(path)] = changed
        return fixes

    def _check_schema(self) -> None:
        tables = set(db.get_tables())
        if "meta" not in tables:
            if tables:
                raise StoreError(f"{self.name} is not a Tickwork database (unknown tables)")
            with write_batch():
                if "meta" not in set(db.get_tables()):
                    db.create_tables(ALL_MODELS)
                    Meta.create(key="schema_version", value=str(SCHEMA_VERSION))
                    audit.create_chain()
            return
        row = Meta.get_or_none(Meta.key == "schema_version")
        version = int(row.value) if row else 0
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.name} has schema version {version}, newer than this Tickwork "
                f"understands ({SCHEMA_VERSION}); upgrade Tickwork to open it"
            )
        if version < SCHEMA_VERSION:
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


def _close_current() -> None:
    """Close this thread's connection to the store the proxy points at, if any."""
    if db.obj is not None and not db.is_closed():
        db.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _run_processes() -> None:
    """1 → 2: each run records its process group and the group leader's start time."""
    db.execute_sql('ALTER TABLE "run" ADD COLUMN "pgid" INTEGER')
    db.execute_sql('ALTER TABLE "run" ADD COLUMN "leader_created" REAL')


def _keep_policy() -> None:
    """2 → 3: each task may have its own keep policy (NULL: the global default)."""
    db.execute_sql('ALTER TABLE "task" ADD COLUMN "keep_runs" INTEGER')
    db.execute_sql('ALTER TABLE "task" ADD COLUMN "keep_days" INTEGER')


def _runs_on() -> None:
    """3 → 4: each task says where it runs; a run sent to a Celery worker keeps its task id."""
    db.execute_sql("ALTER TABLE \"task\" ADD COLUMN \"runs_on\" VARCHAR(255) NOT NULL "
                   "DEFAULT 'local'")
    db.execute_sql('ALTER TABLE "run" ADD COLUMN "celery_id" VARCHAR(255)')


_ID_COLUMN = re.compile(r'^CREATE TABLE (?:IF NOT EXISTS )?"?\w+"?\s*\(\s*"?id"?\s+'
                        r"INTEGER NOT NULL PRIMARY KEY", re.IGNORECASE)


def _never_reused_ids() -> None:
    """4 → 5: task and run ids are never given again (SQLite: each table made anew with
    AUTOINCREMENT, its rows, indexes and triggers as they were; foreign keys are off for
    the whole migration, so dropping the old table cascades nothing); names are sorted
    without regard to case, from an index."""
    db.execute_sql(NAME_ORDER_INDEX)
    if backend.is_postgres():
        return  # a serial never goes back
    for table in ("task", "run"):
        (sql,) = db.execute_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND "
                                "name = ?", (table,)).fetchone()
        if "AUTOINCREMENT" in sql.upper():
            continue
        new, count = _ID_COLUMN.subn(f'CREATE TABLE "{table}__new" ("id" INTEGER NOT NULL '
                                     "PRIMARY KEY AUTOINCREMENT", sql, count=1)
        if count != 1:
            raise StoreError(f"cannot migrate the {table} table: unexpected schema {sql!r}")
        extras = [r[0] for r in db.execute_sql(
            "SELECT sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND "
            "tbl_name = ? AND sql IS NOT NULL", (table,))]
        db.execute_sql(new)
        db.execute_sql(f'INSERT INTO "{table}__new" SELECT * FROM "{table}"')
        db.execute_sql(f'DROP TABLE "{table}"')
        db.execute_sql(f'ALTER TABLE "{table}__new" RENAME TO "{table}"')
        for extra in extras:
            db.execute_sql(extra)


def _repair_references() -> None:
    """A reference an older store let dangle (a row written while foreign keys were off) is
    settled as its foreign key says a deletion is (a run whose task is gone goes, with its
    output; a parent run or fallback that is gone is forgotten), said in the log; rather
    than a store that can never be opened again. The migration backup keeps it as it was."""
    settled = 0
    while found := db.execute_sql("PRAGMA foreign_key_check").fetchall():
        actions = {}
        for table, rowid, _parent, fkid in found:
            if (table, fkid) not in actions:
                keys = db.execute_sql(f'PRAGMA foreign_key_list("{table}")').fetchall()
                key = next(k for k in keys if k[0] == fkid)
                actions[table, fkid] = (key[3], key[6])  # (column, on delete)
            column, on_delete = actions[table, fkid]
            if on_delete == "SET NULL":
                db.execute_sql(f'UPDATE "{table}" SET "{column}" = NULL WHERE rowid = ?',
                               (rowid,))
            else:
                db.execute_sql(f'DELETE FROM "{table}" WHERE rowid = ?', (rowid,))
            settled += 1
    if settled:
        log.warning("the upgrade settled %d reference(s) the store had left dangling, as "
                    "their deletion would have", settled)


def switch_auto_vacuum() -> bool:
    """Make an existing store give deleted pages back (auto_vacuum=INCREMENTAL).

    A store made before version 3 has auto_vacuum off, and only a VACUUM (a full rewrite,
    outside any transaction) switches it. Returns whether the store now has it. A store
    another connection is busy with stays as it is and the reason is logged: retention still
    deletes, and SQLite reuses the freed pages for new rows; the file just does not shrink."""
    if int(db.execute_sql("PRAGMA auto_vacuum").fetchone()[0]) == 2:
        return True
    try:
        db.execute_sql("PRAGMA auto_vacuum = INCREMENTAL")
        db.execute_sql("VACUUM")
    except (pw.OperationalError, sqlite3.OperationalError) as exc:
        log.warning("could not switch %s to incremental vacuum: %s", db.database, exc)
    return int(db.execute_sql("PRAGMA auto_vacuum").fetchone()[0]) == 2


UPGRADE_WAITS = 60  # times the write lock's 10 s busy timeout a process waits on an upgrade


def migrate(from_version: int) -> None:
    """Bring an older schema up to date, one step at a time, in one transaction, after an
    online backup of the store as it was (a `migration` backup, never rotated away); then,
    from before version 3, switch the file to incremental vacuum (one VACUUM)."""
    from app.store.models import index_status_with_finish

    steps: dict[int, Callable[[], None]] = {  # version -> step up from it
        1: _run_processes,
        2: _keep_policy,
        3: _runs_on,
        4: _never_reused_ids,
        5: index_status_with_finish,
    }
    postgres = backend.is_postgres()
    if not postgres:  # PostgreSQL: pg_dump it before upgrading Tickwork (README)
        backup.make(Path(db.database).parent, kind="migration")
        db.execute_sql("PRAGMA foreign_keys = OFF")  # (outside a transaction, or ignored)
    try:
        for waits in range(UPGRADE_WAITS + 1):
            try:
                with write_batch():
                    # another process may have migrated while this one waited for the lock
                    row = Meta.get_or_none(Meta.key == "schema_version")
                    version = max(from_version, int(row.value) if row else 0)
                    while version < SCHEMA_VERSION:
                        step = steps.get(version)
                        if step is None:
                            raise StoreError(f"no migration from schema version {version}")
                        step()
                        version += 1
                    if not postgres:
                        _repair_references()
                    set_meta("schema_version", str(SCHEMA_VERSION))
                break
            except (pw.OperationalError, sqlite3.OperationalError) as exc:
                if "locked" not in str(exc) or waits == UPGRADE_WAITS:
                    raise
                if not waits:  # a big store's upgrade takes a while: this one waits its turn
                    log.info("another process is upgrading %s: waiting", db.database)
    finally:
        if not postgres:
            db.execute_sql("PRAGMA foreign_keys = ON")
    if from_version < 3 and not postgres:
        switch_auto_vacuum()
