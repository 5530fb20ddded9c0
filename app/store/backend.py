"""Which database server holds the store — an SQLite file (the default) or a shared
PostgreSQL database — and the few places their SQL differs.

The store's own SQL is written once, in SQLite's `?` placeholder style; on PostgreSQL
`execute_sql` (and `execute` here) turns the marks into psycopg's `%s`. What cannot be said
the same way on both is said here, once: a case-blind "contains", a JSON field as text, the
write lock, a change counter, the store's name in messages and in the keyring.

Writers: SQLite serialises them with `BEGIN IMMEDIATE`. PostgreSQL does it with one
transaction-level advisory lock (`WRITE_LOCK`) taken first in every write transaction, so
every read-then-write the store does (the audit chain's head, a unique name) sees the
latest commit, as it does on SQLite. The run ledger's unique key (task, fire, attempt)
does not depend on that lock: the database itself refuses a second claim of the same key,
whichever process or machine sends it.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import re
from collections.abc import Iterable, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any

import peewee as pw

from app.store.models import db
from app.store.said_url import safe_url

LEASE = 3.0  # seconds a silent leader keeps its lease, and its silent ledger writer the
# write lock (the server's idle_session_timeout / idle_in_transaction_session_timeout)
WRITE_SILENCE = 30.0  # ... and any other silent holder of the write lock

WRITE_LOCK = 0x7469636B  # "tick": the advisory lock every PostgreSQL write transaction takes
_marks: dict[str, str] = {}
_cursors = itertools.count()
_MARK = re.compile(r"\?")


def placeholders(sql: str) -> str:
    """SQL written with `?` marks in psycopg's `%s` style (a literal % doubled). peewee's own
    SQL for PostgreSQL is in that style already and has no `?`: it passes unchanged."""
    done = _marks.get(sql)
    if done is None:
        done = _MARK.sub("%s", sql.replace("%", "%%")) if "?" in sql else sql
        if len(_marks) < 4096:
            _marks[sql] = done
    return done


class _SecondErrors(logging.Filter):
    """Drops psycopg's "error ignored terminating/exiting/in rollback …": a second error it
    met while ending a pipeline, a copy or a rollback whose first error it raises — said
    where that is handled (the CLI's one line, the engine's fault handling). On its own it
    was an extra line before the CLI's one (the server's disk full mid-`import`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("error ignored")


_SECOND_ERRORS = _SecondErrors()


class Psycopg3(pw.Psycopg3Adapter):
    """peewee's psycopg 3 adapter, with the driver imported now that a PostgreSQL store
    opens (app/store/__init__.py keeps peewee from importing it at every start)."""

    def __init__(self) -> None:
        import psycopg
        from psycopg.pq import TransactionStatus
        from psycopg.types.json import Json, Jsonb

        self.driver = psycopg
        self.txn_idle = TransactionStatus.IDLE
        self.txn_inerror = TransactionStatus.INERROR
        self.txn_unknown = TransactionStatus.UNKNOWN
        self.txn_intrans = TransactionStatus.INTRANS
        super().__init__()
        self.json_type, self.jsonb_type = Json, Jsonb
        logging.getLogger("psycopg").addFilter(_SECOND_ERRORS)  # (once: a set)

    def check_driver(self) -> None:
        return None

    def get_binary_type(self) -> Any:
        return self.driver.Binary

    def connect(self, db: Any, **params: Any) -> Any:
        params.setdefault("conninfo", db.database)
        return self.driver.connect(**params)

    def server_side_cursor(self, conn: Any) -> Any:
        in_txn = self.txn_status(conn) == self.txn_intrans
        return conn.cursor(name=f"tickwork_{id(conn)}_{next(_cursors)}", withhold=not in_txn)


class PostgresStore(pw.PostgresqlDatabase):
    """PostgreSQL (psycopg 3) that runs the store's `?`-style SQL unchanged, and opens a
    thread's connection anew when the server dropped it."""

    home: Path | None = None  # the home that opened it (its keyring keeps the audit key)

    def init(self, database: str, **kwargs: Any) -> None:
        super().init(database, **kwargs)
        self._adapter = Psycopg3()
        self._isolation_level = self._adapter.isolation_level_int(kwargs.get("isolation_level"))
        self._drops = 0  # times any thread saw the server away (a connection dropped or
        # refused): a connection opened before may be dead

    def execute_sql(self, sql: str, params: Any = None) -> Any:
        return super().execute_sql(placeholders(sql), params)

    def _connect(self) -> Any:
        drops = self._drops
        self._state.farewell = None  # (a reconnect that fails says its own error, not this)
        try:
            conn = super()._connect()
        except Exception:
            self._drops += 1
            raise
        self._state.drops_seen = drops
        conn.add_notice_handler(self._on_notice)
        return conn

    def _on_notice(self, diag: Any) -> None:
        """Keeps the server's last word to this thread's connection, the FATAL it sends as it
        ends the session: libpq hands one that comes between two statements (the process was
        stopped with an answer unread) to the notice handler, and the next statement then
        fails as "server closed the connection unexpectedly", the same as a server gone."""
        if diag.severity_nonlocalized == "FATAL":
            self._state.farewell = diag.sqlstate

    def farewell(self) -> str | None:
        """The SQLSTATE of the FATAL with which the server ended this thread's latest
        connection ("25P03": silent inside a transaction too long), if it said one."""
        return getattr(self._state, "farewell", None)

    def seen_away(self) -> None:
        """Another connection to the server (the leader's lease) found it away: every
        thread's connection opened before is suspect, as when one of them finds it so."""
        self._drops += 1

    def is_closed(self) -> bool:
        """Also True when the server closed this thread's connection (a restart, a cut
        network) outside a transaction: the next statement then connects anew instead of
        failing on the dead one for ever. Once one thread finds its connection dropped, or
        cannot open one, every other thread's connection opened before is suspect (a
        restarted server dropped them all): each is opened anew at its next use, rather than
        failing once after the server is back — but not while it is in a transaction, even
        one peewee is committing (its stack already popped): the COMMIT goes to the server,
        which commits it or fails it as away; closing the connection under it lost the
        transaction and failed as "Cannot commit, database connection not open"."""
        state = self._state
        conn = state.conn
        if not state.closed and conn is not None and not state.transactions and (
                conn.closed or (getattr(state, "drops_seen", self._drops) != self._drops
                                and conn.info.transaction_status == self._adapter.txn_idle)):
            if conn.closed:
                self._drops += 1
            with suppress(Exception):  # the server may be gone: no goodbye to say
                conn.close()
            state.reset()
        return bool(state.closed)


def is_postgres() -> bool:
    """Is the open store a PostgreSQL database?"""
    return isinstance(db.obj, pw.PostgresqlDatabase)


def execute(sql: str, params: Sequence[Any] | Iterable[Any] = ()) -> Any:
    """Run one statement on this thread's connection; the cursor (iterable over rows)."""
    con = db.connection()
    if isinstance(db.obj, pw.PostgresqlDatabase):
        cur = con.cursor()
        cur.execute(placeholders(sql), list(params))
        return cur
    return con.execute(sql, params)


def executemany(sql: str, rows: Iterable[Sequence[Any]]) -> None:
    """Run one statement for each row of parameters on this thread's connection."""
    con = db.connection()
    if isinstance(db.obj, pw.PostgresqlDatabase):
        with con.cursor() as cur:
            cur.executemany(placeholders(sql), list(rows))
        return
    con.executemany(sql, rows)


def lock_writes() -> None:
    """PostgreSQL: wait for the store's write lock, held until this transaction ends
    (SQLite's BEGIN IMMEDIATE took it already). A holder silent inside its transaction for
    `WRITE_SILENCE` seconds (stopped, SIGSTOP or a debugger; frozen) has it ended by the
    server, the lock with it: a leader stopped in the middle of any write but its ledger
    writer's (`LEASE`: connection.fence) held it for good, and no standby could take over
    (its epoch's bump waits for this lock). Long enough for a command's own work between
    two statements (an import checks and builds its tasks inside its write)."""
    if isinstance(db.obj, pw.PostgresqlDatabase):
        db.execute_sql("SELECT set_config('idle_in_transaction_session_timeout', ?, true), "
                       "pg_advisory_xact_lock(?)", (str(int(WRITE_SILENCE * 1000)), WRITE_LOCK))


def contains(column: Any, needle: str) -> Any:
    """`column` contains `needle` ignoring case (needle already lower case), as a peewee
    expression: `instr` on SQLite, `strpos` on PostgreSQL."""
    find = pw.fn.strpos if is_postgres() else pw.fn.instr
    return find(pw.fn.lower(column), needle) > 0


def contains_sql(column: str) -> str:
    """The same as SQL text, with one `?` for the lower-cased needle."""
    find = "strpos" if is_postgres() else "instr"
    return f"{find}(lower({column}), ?) > 0"


def json_text(column: Any, key: str) -> Any:
    """A top-level field of a JSON text column, as text (a peewee expression)."""
    if is_postgres():
        return pw.fn.json_extract_path_text(pw.Cast(column, "json"), key)
    return pw.fn.json_extract(column, f"$.{key}")


def json_number_sql(column: str, key: str) -> str:
    """SQL text: a top-level field of a JSON text column, as a number."""
    if is_postgres():
        return f"CAST(json_extract_path_text(CAST({column} AS json), '{key}') AS float8)"
    return f"json_extract({column}, '$.{key}')"


def id_table(ids: list[int], alias: str = "j") -> tuple[str, object]:
    """SQL text for a table `alias(value)` of these ids, and the one parameter it takes: a
    statement driven by a list of ids seeks each, never walks a whole table."""
    if is_postgres():
        return f"unnest(CAST(? AS bigint[])) {alias}(value)", list(ids)
    return f"json_each(?) {alias}", json.dumps(list(ids))


def ids_joined(ids: list[int], table: str, on: str) -> tuple[str, object]:
    """`id_table` joined to `table` ON `on`, the ids driving (SQLite's CROSS JOIN keeps them
    the outer loop; PostgreSQL plans the join itself and has no CROSS JOIN … ON)."""
    ids_sql, param = id_table(ids)
    join = "JOIN" if is_postgres() else "CROSS JOIN"
    return f"{ids_sql} {join} {table} ON {on}", param


def local_day_sql(column: str) -> str:
    """SQL text: the user's local day (YYYY-MM-DD) of a stored UTC time. SQLite's
    'localtime' is the process's zone; a PostgreSQL session is opened in the same zone
    (`session_options`), so both count days as the user does."""
    if is_postgres():
        return f"to_char(CAST({column} AS timestamptz), 'YYYY-MM-DD')"
    return f"date({column}, 'localtime')"


def seconds_between(start: Any, end: Any) -> Any:
    """Seconds from one stored UTC time column to another, NULL if either is (a peewee
    expression)."""
    if is_postgres():
        return pw.fn.EXTRACT(pw.NodeList((pw.SQL("EPOCH FROM"), pw.Cast(end, "timestamptz")
                                          - pw.Cast(start, "timestamptz"))))
    return (pw.fn.julianday(end) - pw.fn.julianday(start)) * 86400.0


def session_options() -> str:
    """libpq `options` for every PostgreSQL connection of the store: a writer waits for the
    write lock at most 10 s (SQLite's busy_timeout), and local times are this machine's."""
    options = "-c lock_timeout=10000"
    try:
        import tzlocal

        zone = tzlocal.get_localzone_name()
    except Exception:  # no zone to be had: the server's default
        zone = None
    if zone and " " not in zone:
        options += f" -c TimeZone={zone}"
    return options


def data_version() -> int:
    """A number that changes when another connection commits (it may change more often).

    SQLite's `PRAGMA data_version`; on PostgreSQL the newest finished transaction of the
    server (its snapshot's xmax), one cheap call outside any table."""
    if is_postgres():
        row = db.execute_sql("SELECT pg_snapshot_xmax(pg_current_snapshot())::text")
        return int(row.fetchone()[0])
    return int(db.execute_sql("PRAGMA data_version").fetchone()[0])


def audit_slot() -> Path:
    """The folder whose keyring slot keeps the open store's audit key and head: a SQLite
    store's home (its file's folder); a PostgreSQL store's, a folder of its own under the home
    that opened it, named after its URL (a home on two databases keeps a head for each). Its
    URL taken as a file path named it before, resolved against each process's working folder:
    the same home's commands run from two folders kept two keyrings' worth of key."""
    if is_postgres() and (home := getattr(db.obj, "home", None)) is not None:
        digest = hashlib.sha256(name().encode()).hexdigest()[:16]
        return Path(home) / f"shared-store-{digest}"
    return Path(name()).parent


def name() -> str:
    """The open store's name: the SQLite file's path (also where a `file:` URI names it: the
    store's own connections', never creating it, or a read-only one's — `tickwork check`
    verifies its audit trail with this home's keyring), or the PostgreSQL URL (no password)."""
    if is_postgres():
        return safe_url(str(db.database))
    database = str(db.database)
    if database.startswith("file:"):  # (app/store/integrity.py: readwrite_uri, readonly_uri)
        import os
        from urllib.parse import unquote_to_bytes

        return os.fsdecode(unquote_to_bytes(database[len("file:"):].split("?", 1)[0]))
    return database
