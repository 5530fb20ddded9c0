"""Faults of the store made for tests, the way they happen for real.

A full disk: `PRAGMA max_page_count` on the engine writer's own connection makes SQLite
answer SQLITE_FULL exactly as for a full disk, without root or a small filesystem."""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

from app.store.models import db

NO_LIMIT = 1_073_741_823


def writer_connection(engine: Any) -> sqlite3.Connection:
    """The writer thread's own SQLite connection (a pragma on it runs under its mutex)."""
    got: list[sqlite3.Connection] = []
    ready = threading.Event()
    engine.writer.submit(db.connection, lambda con, _err: (got.append(con), ready.set()))
    assert ready.wait(10)
    return got[0]


def fill_disk(con: sqlite3.Connection) -> None:
    """From now on the store cannot grow: the next write needing a page is SQLITE_FULL."""
    pages = con.execute("PRAGMA page_count").fetchone()[0]
    con.execute(f"PRAGMA max_page_count = {pages}")


def free_disk(con: sqlite3.Connection) -> None:
    con.execute(f"PRAGMA max_page_count = {NO_LIMIT}")
