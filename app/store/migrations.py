"""Schema migrations: an older store brought up to date, one step at a time, in one
transaction, after an online backup of it as it was (a `migration` backup, never rotated
away). `Store.open` calls `migrate` when a store's schema version is older than this
Tickwork's; a store that is up to date never loads this module (nor the backups it makes).
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path

import peewee as pw

from app.core.errors import StoreError
from app.core.nouns import plural
from app.store import backend, backup
from app.store.connection import write_batch
from app.store.models import (
    NAME_ORDER_INDEX,
    SCHEMA_VERSION,
    Meta,
    db,
    set_meta,
)

log = logging.getLogger(__name__)


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


def _index_status_with_finish() -> None:
    """5 → 6: runs indexed by status and finish time together, so the status bar's failures
    today read today's failures only, not every failure kept (180–260 ms to 20–40 ms on a
    store of 100,000 runs a day kept two weeks); it replaces the index by status alone,
    whose queries it serves as well."""
    db.execute_sql('CREATE INDEX IF NOT EXISTS "run_status_finished_at" ON "run" '
                   '("status", "finished_at")')
    db.execute_sql('DROP INDEX IF EXISTS "run_status"')


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
        log.warning("the upgrade settled %s the store had left dangling, as "
                    "their deletion would have", plural(settled, "reference"))


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
        log.warning("could not switch %s to incremental vacuum: %s", backend.name(), exc)
    return int(db.execute_sql("PRAGMA auto_vacuum").fetchone()[0]) == 2


UPGRADE_WAITS = 60  # times the write lock's 10 s busy timeout a process waits on an upgrade


def migrate(from_version: int) -> None:
    """Bring an older schema up to date, one step at a time, in one transaction, after an
    online backup of the store as it was (a `migration` backup, never rotated away); then,
    from before version 3, switch the file to incremental vacuum (one VACUUM)."""
    steps: dict[int, Callable[[], None]] = {  # version -> step up from it
        1: _run_processes,
        2: _keep_policy,
        3: _runs_on,
        4: _never_reused_ids,
        5: _index_status_with_finish,
    }
    postgres = backend.is_postgres()
    if not postgres:  # PostgreSQL: pg_dump it before upgrading Tickwork (README)
        path = Path(backend.name())  # (a restore's copy is brought up to date before the
        backup.make(path.parent, kind="migration", source=path)  # rename: it, not the store)
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
                    log.info("another process is upgrading %s: waiting", backend.name())
    finally:
        if not postgres:
            db.execute_sql("PRAGMA foreign_keys = ON")
    if from_version < 3 and not postgres:
        switch_auto_vacuum()
