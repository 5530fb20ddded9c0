"""Who leads a shared PostgreSQL store: a lease, an epoch, and the database's fence.

Several engines on several machines may share one PostgreSQL store; one of them leads (fires
tasks). This module is how that is decided and enforced, in the database:

- **The lease** (`LeaderLease`, the same interface as the file lock of app/store/lock.py) is
  a session-level advisory lock (`LEADER_KEY`) on a connection of its own — not one of
  peewee's per-thread connections — opened with TCP keepalives, a send timeout and the
  server's `idle_session_timeout` of `LEASE` seconds. The engine renews it with one cheap
  statement about every second. A killed leader's connection closes at once (the kernel
  resets it); a stopped (SIGSTOP) or cut-off leader says nothing, and the *server* ends its
  session after `LEASE` seconds, which frees the lock for a standby's next try.
- **The epoch**: whoever takes the lock then bumps the meta row `leader_epoch` in a write
  transaction under the store's write lock and records who leads (meta `leader`: engine id,
  host, pid, since, epoch), with an audit event (`engine.lead`, and `engine.fenced_off`
  naming a predecessor that did not let go by itself).
- **The fence**: a statement trigger on `run` (INSERT, UPDATE), `run_output` (INSERT) and
  `task` (UPDATE) compares the transaction's `tickwork.epoch` setting with `leader_epoch`
  and raises `FENCED` (SQLSTATE TK001) when it is set and differs. The engine's writer sets
  it right after taking the write lock (`write_batch(epoch)`, app/store/connection.py), so
  every claim and state change of a deposed leader is refused by the write itself. Writes
  without the setting (the CLI, the window) are not checked. The same call bounds how long
  a writer stopped mid-transaction can hold the write lock
  (`idle_in_transaction_session_timeout` = `LEASE`).
- **A server restart** ends every session, the leader's lease with it, though the leader
  lives on: a lease that met the server away leaves the lock, for `RETAKE` seconds once the
  server answers again, to the engine recorded as leading before (unless it let go), so
  that engine takes its lease back and goes on — its runs in flight, their results held
  meanwhile, are not interrupted and run again by a standby that was quicker to ask. Only
  if it has not taken it back by then (it died meanwhile) does another engine lead.

The trigger and its function are installed idempotently the first time an engine asks for
the lease (no schema version: `fence_version` in meta says which is installed).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from datetime import UTC, datetime
from typing import Any

from app.core.errors import StoreError
from app.store import audit, backend
from app.store.connection import LEASE, SETTING, write_batch
from app.store.models import db, set_meta

__all__ = [
    "LEASE",
    "FencedOff",
    "LeaderLease",
    "install_fencing",
    "is_fenced",
    "leader_info",
    "store_epoch",
]

log = logging.getLogger(__name__)

LEADER_KEY = 0x6C656164  # "lead": the session advisory lock the leading engine holds
EPOCH_KEY = "leader_epoch"
LEADER_INFO = "leader"
FENCE_VERSION_KEY = "fence_version"
FENCE_VERSION = "1"
FENCED = "TK001"  # the SQLSTATE the fence raises
# seconds after the server's return for which a lease that met it away leaves the lock to the
# engine that led before (it retakes its lease within a second of the server's return)
RETAKE = LEASE

_FENCE_SQL = (
    f"""CREATE OR REPLACE FUNCTION tickwork_fence() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    mine text := current_setting('{SETTING}', true);
    theirs text;
BEGIN
    IF mine IS NULL OR mine = '' THEN
        RETURN NULL;
    END IF;
    SELECT value INTO theirs FROM meta WHERE key = '{EPOCH_KEY}';
    IF theirs IS DISTINCT FROM mine THEN
        RAISE EXCEPTION 'tickwork: fenced off: this engine led epoch %%, the store is at epoch %%',
            mine, theirs USING ERRCODE = '{FENCED}';
    END IF;
    RETURN NULL;
END $$""",
    "CREATE OR REPLACE TRIGGER tickwork_fence BEFORE INSERT OR UPDATE ON run"
    " FOR EACH STATEMENT EXECUTE FUNCTION tickwork_fence()",
    "CREATE OR REPLACE TRIGGER tickwork_fence BEFORE INSERT ON run_output"
    " FOR EACH STATEMENT EXECUTE FUNCTION tickwork_fence()",
    "CREATE OR REPLACE TRIGGER tickwork_fence BEFORE UPDATE ON task"
    " FOR EACH STATEMENT EXECUTE FUNCTION tickwork_fence()",
)


class FencedOff(Exception):
    """This engine's writes were refused: another engine leads the store now."""


def is_fenced(exc: BaseException | None) -> bool:
    """Was `exc` (from psycopg, or peewee's wrap of it) the fence refusing a write?"""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        err = todo.pop()
        if err is None or id(err) in seen:
            continue
        seen.add(id(err))
        if isinstance(err, FencedOff) or getattr(err, "sqlstate", None) == FENCED:
            return True
        todo.extend(a for a in err.args if isinstance(a, BaseException))
        todo.extend((getattr(err, "orig", None), err.__cause__, err.__context__))
    return False


def install_fencing() -> None:
    """Install the fence (function, triggers, the epoch row) unless it is there already."""
    row = db.execute_sql("SELECT value FROM meta WHERE key = ?", (FENCE_VERSION_KEY,)).fetchone()
    if row is not None and str(row[0]) == FENCE_VERSION:
        return
    with write_batch():
        row = db.execute_sql("SELECT value FROM meta WHERE key = ?",
                             (FENCE_VERSION_KEY,)).fetchone()
        if row is not None and str(row[0]) == FENCE_VERSION:
            return
        for sql in _FENCE_SQL:
            db.execute_sql(sql)
        db.execute_sql("INSERT INTO meta (key, value) VALUES (?, '0') ON CONFLICT DO NOTHING",
                       (EPOCH_KEY,))
        set_meta(FENCE_VERSION_KEY, FENCE_VERSION)


def leader_info() -> dict[str, Any] | None:
    """The last leader recorded in the store (engine, host, pid, since, epoch, released),
    read on this thread's connection; None when no engine ever led it."""
    row = db.execute_sql("SELECT value FROM meta WHERE key = ?", (LEADER_INFO,)).fetchone()
    if row is None:
        return None
    try:
        info = json.loads(str(row[0]))
    except ValueError:
        return None
    return info if isinstance(info, dict) else None


def store_epoch() -> int:
    """The store's current leader epoch (0 when none was ever taken)."""
    row = db.execute_sql("SELECT value FROM meta WHERE key = ?", (EPOCH_KEY,)).fetchone()
    return int(row[0]) if row is not None else 0


def _seen_away(exc: BaseException) -> bool:
    """The lease's connection failed because the server is away: tell the store, so every
    thread's connection to it is opened anew at its next use (True: it was that)."""
    from app.store.integrity import UNREACHABLE, fault_of

    if fault_of(exc) != UNREACHABLE:
        return False
    if isinstance(db.obj, backend.PostgresStore):
        db.obj.seen_away()
    return True


class LeaderLease:
    """The lease on a shared PostgreSQL store; `EngineLock`'s interface plus `renew`."""

    leases = True  # (the file lock is held until its process dies: nothing to renew)

    def __init__(self, url: str, grace: float | None = None) -> None:
        self.url = url
        self.grace = grace  # the engine's, in its record (for `engine stop`)
        self._con: Any = None  # the dedicated connection (psycopg, autocommit)
        self._mine = False  # the advisory lock is held on it
        self.epoch: int | None = None  # the last epoch this lease took
        self.continued = False  # the last take followed this lease's own epoch directly
        self.info: dict[str, Any] = {}
        self._away = False  # its last try or renewal met the server away
        self._back: float | None = None  # when (monotonic) the server answered it again
        self._yielding: dict[str, Any] | None = None  # the leader it leaves the lock to now

    @property
    def held(self) -> bool:
        return self._mine

    def try_acquire(self, who: str) -> bool:
        """Take the lease if it is free (never blocks on it), then bump the epoch; False
        when another engine holds it. Raises when the server cannot be asked."""
        if self._mine:
            return True
        self._yielding = None
        try:
            con = self._connection()
            if self._yields(con, who):
                return False
            got = bool(con.execute("SELECT pg_try_advisory_lock(%s)",
                                   (LEADER_KEY,)).fetchone()[0])
        except BaseException as exc:
            self._drop()
            self._met_away(exc)
            raise
        if not got:
            return False
        try:
            install_fencing()
            self._take(who)
        except BaseException:
            self._drop()
            raise
        self._mine = True
        return True

    def renew(self) -> bool:
        """Prove the lease still stands: one statement on its connection. While its session
        lives the lock is this engine's; once the server ended the session (silent for
        `LEASE` seconds: the process was stopped, or its network cut) the statement fails
        — at once, or within the connection's send timeout — and the lease is lost."""
        if not self._mine:
            return False
        try:
            self._con.execute("SELECT 1")
        except Exception as exc:
            log.debug("lease: renewal failed: %s", exc)
            self._drop()
            self._met_away(exc)
            return False
        return True

    def _met_away(self, exc: BaseException) -> None:
        if _seen_away(exc):
            self._away, self._back = True, None

    def _yields(self, con: Any, who: str) -> bool:
        """After the server was away (a restart ended every session, the leader's lease
        with it, though the leader lives on): for `RETAKE` seconds from its return, leave
        the lock to the engine recorded as leading, unless that is `who` or it let go — a
        standby quicker to ask than the leader to retake took over from a live leader,
        interrupting its runs in flight and running them again, and dropping the results
        it held."""
        if not self._away:
            return False
        now = time.monotonic()
        if self._back is None:
            self._back = now
        row = con.execute("SELECT value FROM meta WHERE key = %s", (LEADER_INFO,)).fetchone()
        try:
            info = json.loads(str(row[0])) if row is not None else None
        except ValueError:
            info = None
        if (now - self._back >= RETAKE or not isinstance(info, dict)
                or info.get("engine") == who or info.get("released")):
            self._away = False
            return False
        self._yielding = info
        return True

    def release(self) -> None:
        """Let go (a clean stop): say so in the store, then end the lease's session."""
        if self._mine:
            try:
                with write_batch():
                    info = leader_info()
                    if info is not None and info.get("engine") == self.info.get("engine"):
                        set_meta(LEADER_INFO, json.dumps({**info, "released": time.time()}))
            except Exception as exc:  # the server may be away: the session ends anyway
                log.debug("lease: could not record the release: %s", exc)
            try:  # at once: a closed session's locks go only as its server process ends
                self._con.execute("SELECT pg_advisory_unlock(%s)", (LEADER_KEY,))
            except Exception as exc:
                log.debug("lease: could not unlock: %s", exc)
        self._drop()

    def stand_by(self) -> None:
        """Nothing to say: engines on other machines cannot be seen waiting."""

    def standing_by(self) -> bool | None:
        """Whether an engine waits to take over cannot be told on a shared store."""
        return None

    def holder(self) -> dict[str, Any] | None:
        """Who leads, as recorded at their takeover, while someone holds the lease; None
        when nobody does. This thread's store connection reads it."""
        if self._mine:
            return {**self.info, "this": True}
        if self._yielding is not None:  # it is taking its lease back (`_yields`)
            return dict(self._yielding)
        held = db.execute_sql(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND"
            " classid = 0 AND objid = ? AND objsubid = 1 AND granted)",
            (LEADER_KEY,)).fetchone()[0]
        if not held:
            return None
        return leader_info() or {"pid": None}

    def _connection(self) -> Any:
        if self._con is not None and not self._con.closed:
            return self._con
        import psycopg

        timeout = int(LEASE * 1000)
        try:
            self._con = psycopg.connect(
                self.url, autocommit=True, connect_timeout=10,
                application_name="tickwork-lease", keepalives=1, keepalives_idle=1,
                keepalives_interval=1, keepalives_count=2, tcp_user_timeout=timeout,
                options=f"-c idle_session_timeout={timeout} -c statement_timeout={timeout}")
        except psycopg.OperationalError as exc:
            if "idle_session_timeout" in str(exc):  # a server older than PostgreSQL 14
                raise StoreError("engines sharing a store need PostgreSQL 14 or newer (its "
                                 "idle_session_timeout ends a silent leader's lease)") from None
            raise
        return self._con

    def _drop(self) -> None:
        self._mine = False
        con, self._con = self._con, None
        if con is not None:
            try:
                con.close()
            except Exception:
                log.debug("lease: closing its connection failed", exc_info=True)

    def _take(self, who: str) -> None:
        """Bump the epoch and record this engine as the leader, audited, in one commit."""
        now = datetime.now(UTC)
        with write_batch():
            before = leader_info()
            previous = store_epoch()
            if self.epoch is not None and previous == self.epoch:
                epoch = previous  # its own lease again, nobody led between: the same term, so
                # the writes its writer still holds (an outage) are not refused as stale
            else:
                cur = backend.execute(
                    "UPDATE meta SET value = CAST(CAST(value AS bigint) + 1 AS text)"
                    " WHERE key = ? RETURNING value", (EPOCH_KEY,))
                epoch = int(cur.fetchone()[0])
            info = {"engine": who, "host": socket.gethostname(), "pid": os.getpid(),
                    "since": now.timestamp(), "epoch": epoch}
            if self.grace is not None:  # (as app.store.lock.graced writes it)
                info["grace"] = self.grace
            set_meta(LEADER_INFO, json.dumps(info))
            if before is not None and before.get("engine") != who \
                    and not before.get("released"):
                audit.append("engine", "engine.fenced_off", str(before.get("engine")),
                             before, {"by": who, "epoch": epoch}, now)
            audit.append("engine", "engine.lead", who, before, info, now)
        audit.committed()
        self.continued = self.epoch is not None and previous == self.epoch
        self.epoch = epoch
        self.info = info
