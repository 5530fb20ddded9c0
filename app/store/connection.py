"""The calling thread's connection to the open store: its write batches and its end.

The engine's writer, watcher and dispatcher threads and the GUI's pool threads each hold
one SQLite connection (peewee keeps one per thread). These are the few things they do with
it that are not a query: open a group-commit write, leave a failed one, close it when the
thread is done.
"""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager
from typing import Any

from app.store.models import db

log = logging.getLogger(__name__)


def write_batch() -> AbstractContextManager[Any]:
    """One IMMEDIATE write transaction on this thread's connection (nestable: a savepoint
    inside another transaction)."""
    batch: AbstractContextManager[Any] = db.atomic("IMMEDIATE")
    return batch


def end_transaction() -> None:
    """After a failed commit: make sure this thread's connection is out of any transaction."""
    con = db.connection()
    if con.in_transaction:
        try:
            con.rollback()
        except Exception:
            log.debug("rollback after a failed commit failed", exc_info=True)


def close() -> None:
    """Close this thread's connection, if it has one open."""
    if not db.is_closed():
        db.close()
