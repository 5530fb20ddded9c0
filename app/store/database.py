"""Opening the store: pragmas, schema version, and owner-only permissions.

SQLite runs in WAL mode with `synchronous=FULL`, so a committed row survives `kill -9`
and power loss; the engine's writer batches rows into group commits to keep that cheap.
Every open checks that the data directory is 0700 and the database files 0600; a store
that others could read is fixed, and the fix is audited.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import peewee as pw

from app.core.errors import StoreError
from app.store import audit
from app.store.home import DB_NAME
from app.store.models import ALL_MODELS, SCHEMA_VERSION, Meta, db

PRAGMAS = (
    ("journal_mode", "wal"),
    ("synchronous", "full"),
    ("foreign_keys", 1),
    ("busy_timeout", 10_000),
    ("cache_size", -16_000),
    ("temp_store", "memory"),
)
DIR_MODE = 0o700
FILE_MODE = 0o600
_DB_SUFFIXES = ("", "-wal", "-shm")


class Store:
    """The open store of one data home. One per process (the peewee database is global)."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.path = home / DB_NAME

    @classmethod
    def open(cls, home: Path, *, actor: str = "engine", now: datetime | None = None) -> Store:
        """Open (creating if needed) the store under `home`, or raise StoreError."""
        store = cls(home)
        fixes = store._prepare_files()
        if not db.is_closed():
            db.close()
        db.init(str(store.path), pragmas=PRAGMAS, check_same_thread=False, timeout=10)
        try:
            db.connect(reuse_if_open=True)
            store._check_schema()
        except (pw.DatabaseError, sqlite3.DatabaseError) as exc:
            db.close()
            raise StoreError(f"{store.path} is not a usable Tickwork database: {exc}") from None
        if fixes:
            with store.write():
                audit.append(
                    actor, "store.permissions_fixed", str(home),
                    {"modes": {k: oct(v[0]) for k, v in fixes.items()}},
                    {"modes": {k: oct(v[1]) for k, v in fixes.items()}},
                    now or datetime.now(UTC),
                )
        return store

    def close(self) -> None:
        audit.flush()  # an audit head still waiting for its second goes to the keyring now
        if not db.is_closed():
            db.close()

    @contextmanager
    def write(self) -> Iterator[None]:
        """A write transaction that takes the write lock up front (no upgrade deadlocks)."""
        with db.atomic("IMMEDIATE"):
            yield
        audit.committed()  # the audit head goes to the keyring after the commit, never before

    @contextmanager
    def read(self) -> Iterator[None]:
        """A read transaction: one consistent snapshot for several queries."""
        with db.atomic("DEFERRED"):
            yield

    def data_version(self) -> int:
        """SQLite's `PRAGMA data_version` for this thread's connection: changes when another
        connection commits, so a poller sees CLI edits without reading any table."""
        row = db.execute_sql("PRAGMA data_version").fetchone()
        return int(row[0])

    def _prepare_files(self) -> dict[str, tuple[int, int]]:
        """Create the home 0700 and the database 0600; fix looser modes, return what changed."""
        fixes: dict[str, tuple[int, int]] = {}
        self.home.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
        mode = stat.S_IMODE(self.home.stat().st_mode)
        if mode != DIR_MODE:
            os.chmod(self.home, DIR_MODE)
            fixes[str(self.home)] = (mode, DIR_MODE)
        if not self.path.exists():
            fd = os.open(self.path, os.O_CREAT | os.O_WRONLY | os.O_CLOEXEC, FILE_MODE)
            os.close(fd)
        for suffix in _DB_SUFFIXES:
            path = Path(str(self.path) + suffix)
            if path.exists():
                mode = stat.S_IMODE(path.stat().st_mode)
                if mode != FILE_MODE:
                    os.chmod(path, FILE_MODE)
                    fixes[str(path)] = (mode, FILE_MODE)
        return fixes

    def _check_schema(self) -> None:
        tables = set(db.get_tables())
        if "meta" not in tables:
            if tables:
                raise StoreError(f"{self.path} is not a Tickwork database (unknown tables)")
            with db.atomic("IMMEDIATE"):
                if "meta" not in set(db.get_tables()):
                    db.create_tables(ALL_MODELS)
                    Meta.create(key="schema_version", value=str(SCHEMA_VERSION))
                    audit.create_chain()
            return
        row = Meta.get_or_none(Meta.key == "schema_version")
        version = int(row.value) if row else 0
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} has schema version {version}, newer than this Tickwork "
                f"understands ({SCHEMA_VERSION}); upgrade Tickwork to open it"
            )
        if version < SCHEMA_VERSION:
            migrate(version)


def migrate(from_version: int) -> None:
    """Bring an older schema up to date, one step at a time, in one transaction."""
    steps: dict[int, Any] = {}  # version -> callable upgrading from it; none exist yet
    with db.atomic("IMMEDIATE"):
        version = from_version
        while version < SCHEMA_VERSION:
            step = steps.get(version)
            if step is None:
                raise StoreError(f"no migration from schema version {version}")
            step()
            version += 1
        Meta.replace(key="schema_version", value=str(SCHEMA_VERSION)).execute()
