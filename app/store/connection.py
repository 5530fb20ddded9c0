"""The calling thread's connection to the open store: its write batches and its end.

The engine's writer, watcher and dispatcher threads and the GUI's pool threads each hold
one connection (peewee keeps one per thread), to the SQLite file or to PostgreSQL. These are
the few things they do with it that are not a query: open a group-commit write, leave a
failed one, close it when the thread is done.

A write takes the store's one write lock first: SQLite's `BEGIN IMMEDIATE`, PostgreSQL's
transaction-level advisory lock (app/store/backend.py). The fencing epoch of a leader
engine, when several engines share a PostgreSQL store, is set right after that lock
(`write_batch(epoch=N)`, app/store/leader.py): the database checks it on every claim and
state change the writer commits in that transaction.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import peewee as pw

from app.store import backend
from app.store.backend import LEASE as LEASE  # (said here too: leader.py and the tests')
from app.store.backend import WRITE_SILENCE as WRITE_SILENCE
from app.store.backend import lock_writes
from app.store.integrity import StoreGone, said_if_gone
from app.store.models import db

log = logging.getLogger(__name__)

SETTING = "tickwork.epoch"  # the transaction setting the fence trigger compares
_pending = threading.local()  # what waits for this thread's write to commit (`after_commit`)
_lost: list[str] = []  # why this process's connections may use the SQLite store no more


def lose(why: str | None) -> None:
    """From now on every read (`Store.read`) and write of this process through the SQLite
    store's connections is refused with `why` (StoreGone); None: no more (a store opened).
    Its file was replaced under them (app/store/replaced.py): what they would read mixes the
    log of the file that was there with the one there now, and what they would write lands
    in that log."""
    _lost[:] = [] if why is None else [why]


def refuse_if_lost() -> None:
    """StoreGone, saying why, when this process may use the SQLite store no more (`lose`)."""
    if _lost:
        raise StoreGone(_lost[0])


class SqliteStore(pw.SqliteDatabase):
    """The SQLite store's database: a thread's first connection to it (peewee opens one per
    thread) is refused too once this process may use the store no more (`lose`). Its
    pragmas set WAL mode, which waits for the exclusive lock that app/store/replaced.py holds
    off the file: a window's Run now after a backup was copied over its store waited 10 s and
    said "OperationalError: database is locked"."""

    def _connect(self) -> Any:
        refuse_if_lost()
        return super()._connect()


def fence(epoch: int) -> None:
    """In a PostgreSQL write transaction holding the write lock: its writes are the leader of
    `epoch`'s (refused by the trigger once the store's epoch moved on), and the server ends
    it if its writer goes silent inside it for `LEASE` seconds (any other holder of the
    write lock: `WRITE_SILENCE`, `lock_writes`)."""
    db.execute_sql("SELECT set_config(?, ?, true), set_config("
                   "'idle_in_transaction_session_timeout', ?, true)",
                   (SETTING, str(int(epoch)), str(int(LEASE * 1000))))


def after_commit(action: Callable[[], None]) -> None:
    """Do `action` once this thread's write has committed: now, outside a write; inside one,
    when the outermost ends with its commit (never, when it fails). An operation's bell
    (app/store/bell.py) rang inside a command's own transaction around it (`tickwork task
    update`), before its commit: the engine looked, found nothing new yet, and saw the
    change at its next poll."""
    if not db.in_transaction():
        action()
        return
    _pending.__dict__.setdefault("actions", []).append(action)


@contextmanager
def write_batch(epoch: int | None = None) -> Iterator[Any]:
    """One write transaction on this thread's connection holding the store's write lock
    (nestable: a savepoint inside another transaction). With `epoch` (a PostgreSQL store's
    leading engine) its writes are fenced: refused once another engine leads. What waits
    for its commit (`after_commit`) is done once the outermost has committed."""
    outermost = not db.in_transaction()
    try:
        with _batch(epoch) as txn:
            yield txn
    except BaseException:
        if outermost:
            _pending.__dict__.pop("actions", None)
        raise
    if outermost:
        for action in _pending.__dict__.pop("actions", ()):
            action()


@contextmanager
def _batch(epoch: int | None) -> Iterator[Any]:
    if isinstance(db.obj, pw.PostgresqlDatabase):
        with db.atomic() as txn:
            lock_writes()
            if epoch is not None:
                fence(epoch)
            yield txn
        return
    refuse_if_lost()
    with said_if_gone(lambda: Path(backend.name())), db.atomic("IMMEDIATE") as txn:
        yield txn  # (its file gone, its home moved or deleted: `StoreGone` in one line)


def end_transaction() -> None:
    """After a failed commit: make sure this thread's connection is out of any transaction.
    Never raises: a connection that is closed, or that the server dropped, has no
    transaction left (and is opened anew by the next statement, app/store/backend.py)."""
    if db.obj is None or db.is_closed():
        return
    con = db.connection()
    if isinstance(db.obj, pw.PostgresqlDatabase):
        _end_postgres(con)
        return
    if con.in_transaction:
        try:
            con.rollback()
        except Exception:
            log.debug("rollback after a failed commit failed", exc_info=True)


def _end_postgres(con: Any) -> None:
    from psycopg.pq import TransactionStatus

    if con.closed:
        return
    if con.info.transaction_status != TransactionStatus.IDLE:
        try:
            con.rollback()
        except Exception:
            log.debug("rollback after a failed commit failed", exc_info=True)


def checkpoint() -> None:
    """Copy what this thread's connection sees of SQLite's log into the database file and
    empty the log (`wal_checkpoint(TRUNCATE)`): through a connection opened before a `-wal`
    was deleted, the only way left to keep what was committed there."""
    db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()


def open_now() -> None:
    """Open this thread's connection to an SQLite store now, not at its first write: it keeps
    the file it opened wherever the file goes. The engine's writer wrote nothing before its
    home was moved under it, then its stop's writes opened the file where it had been, and
    failed, a traceback each; now they land where the home went, as a writer's that had
    written do. A store that cannot be opened now is met, and said, at the first write."""
    if isinstance(db.obj, pw.SqliteDatabase) and db.is_closed():
        with contextlib.suppress(pw.DatabaseError):
            db.connect(reuse_if_open=True)


def close() -> None:
    """Close this thread's connection, if it has one open."""
    if db.obj is not None and not db.is_closed():
        db.close()
