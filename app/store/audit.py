"""The audit trail: append-only and chained with a keyed hash, so editing, deleting,
reordering, truncating or rolling back its events is detectable. Appending and keying the
chain live here; checking it (`verify`, `check_restored`) in app/store/audit_check.py.

Each event's hash is HMAC-SHA256, keyed with the store's own key, over the previous event's
hash and this event's canonical JSON (keys sorted, no whitespace). The key lives in the OS
keyring, never in the store (app/store/audit_key.py): someone who can only write the database
cannot forge an event. The newest hash is kept in the meta table (it commits with the event),
and the head — the newest event's number and hash — is also written to the keyring after
each commit that appended events (`committed()`, called by `Store.write`; at most once a
second, see audit_key.py). The keyring head may lag behind the database (a crash between
the commit and the head write) but never leads it, so `verify` requires event N of the
keyring head to exist with its hash — fewer events means truncation or rollback, and it
says how many are missing — and every event after N to chain validly with the key.

Append inside the caller's write transaction: the change and its audit record commit
together or not at all. A writer that commits otherwise than through `Store.write` calls
`committed()` after its commit.

Older stores and machines without a keyring:
- A store made by an earlier Tickwork has events chained with plain SHA-256 and no key. It
  is keyed from its next event on: meta `audit_keyed_from` (and the keyring's key record,
  which is what verify trusts) says from which event the keyed rule applies; the older events
  are verified by the old rule. No schema change.
- With no usable keyring (app/secrets.py says which are refused) a store is unkeyed: events
  are chained with plain SHA-256, everything keeps working, and `audit --verify` says
  "unkeyed: cannot detect truncation or rollback". A keyed store whose key cannot be read
  (keyring locked, reset, or the home moved) still records events, chained without the key;
  verify then fails, naming the first such event, or saying the trail cannot be verified.
- A legitimate restore from a backup (app/store/restore_trail.py) checks the restored chain
  and appends its `store.restore` event to the copy before the copy takes the store's
  place, then moves the keyring head to that event (the keyring keeps the keys of earlier
  stores of the same home, so a backup made before the store was deleted and made anew
  restores too). The event names the head the keyring had then: a restore killed between
  its rename and the head's move is recognised by `verify` (and the home's next open), which
  finishes it. A copy put back without it is reported: missing events, a head event that
  differs, or a head that is another store's.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
from datetime import datetime
from typing import Any

import peewee as pw

from app.store import audit_key, backend
from app.store.audit_key import ChainKey, ChainKeys, Head, KeyringUnusable
from app.store.models import AuditEvent, db, set_meta, utc_text

log = logging.getLogger("tickwork.audit")

GENESIS = "0" * 64
HEAD_KEY = "audit_head"
STORE_KEY = "audit_store"
KEYED_FROM_KEY = "audit_keyed_from"

_pending = threading.local()  # the newest event this thread appended, until its commit


def canonical(at: str, actor: str, action: str, target: str | None,
              before: Any, after: Any) -> str:
    return json.dumps(
        {"at": at, "actor": actor, "action": action, "target": target,
         "before": before, "after": after},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    )


def chain_hash(prev_hash: str, body: str) -> str:
    """The unkeyed rule (stores of earlier versions, machines without a keyring)."""
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def keyed_hash(key: bytes, prev_hash: str, body: str) -> str:
    return hmac.new(key, (prev_hash + body).encode("utf-8"), hashlib.sha256).hexdigest()


def chain_keys() -> ChainKeys:
    """The keyring records (key and head) of this store's audit chain."""
    return audit_key.for_database(backend.name(), backend.audit_slot())


def read_meta() -> dict[str, str]:
    """The chain's state in the meta table: its head hash, its store id, keyed-from event."""
    # plain SQL: this runs for every event, and building the peewee query cost more than it
    rows = db.execute_sql("SELECT key, value FROM meta WHERE key IN (?, ?, ?)",
                          (HEAD_KEY, STORE_KEY, KEYED_FROM_KEY)).fetchall()
    return {str(key): str(value) for key, value in rows}


def record_chain(chain: ChainKey) -> None:
    """Write which store the chain is and from which event it is keyed to the meta table."""
    set_meta(STORE_KEY, chain.store)
    set_meta(KEYED_FROM_KEY, str(chain.keyed_from))


def _last_id() -> int:
    return int(AuditEvent.select(pw.fn.MAX(AuditEvent.id)).scalar() or 0)


def _hash_of(event_id: int) -> str | None:
    row = db.execute_sql("SELECT hash FROM audit_event WHERE id = ?", (event_id,)).fetchone()
    return None if row is None else str(row[0])


def create_chain() -> None:
    """Key the chain of a store being created (inside the transaction that creates it); a
    key an earlier store at the same home left in the keyring is replaced."""
    audit_key.forget(backend.name())
    keys = chain_keys()
    if not keys.usable():
        return
    try:
        record_chain(keys.create(1, 0, GENESIS))
    except KeyringUnusable as exc:
        log.warning("the audit trail of the new store is unkeyed: %s", exc)


def _chain_for_append(meta: dict[str, str], prev: str) -> ChainKey | None:
    keys = chain_keys()
    store = meta.get(STORE_KEY)
    if store is not None:
        chain = keys.key_or_none(store)
        if chain is None or chain.store != store:
            where = (" (a shared store's key is in the keyring of the home that made it: "
                     "`tickwork audit --import-key FILE` gives it to this home)"
                     if backend.is_postgres() else "")
            keys.warn_once("audit events are chained without the store's key, which the "
                           f"keyring does not give{where}: `audit --verify` will name them")
            return None
        return chain
    if keys.no_keying or not keys.usable():
        return None
    # an unkeyed store (earlier Tickwork, or made without a keyring): keyed from now on,
    # unless the keyring's key is another store's (a copy put in place of it: verify says so)
    try:
        existing = keys.key()
        if existing is not None and not consistent(keys.head(), existing.store):
            keys.no_keying = True
            return None
        last = _last_id()
        chain = keys.create(last + 1, last, prev)
    except KeyringUnusable as exc:
        log.warning("audit trail left unkeyed: %s", exc)
        keys.no_keying = True
        return None
    record_chain(chain)
    return chain


def key_ahead() -> None:
    """Read a keyed store's audit key from the keyring now, outside any transaction, so the
    append inside the next one finds it cached (audit_key.py: once a process)."""
    store = read_meta().get(STORE_KEY)
    if store is not None:
        chain_keys().key_or_none(store)


def consistent(head: Head | None, store: str) -> bool:
    """Does the keyring's head describe this store's history (nothing, or an event it has)?"""
    if head is None or head.event == 0:
        return True
    return head.store == store and _hash_of(head.event) == head.hash


def append(actor: str, action: str, target: str | None, before: Any, after: Any,
           now: datetime) -> None:
    """Append one event; must run inside a write transaction."""
    append_many(actor, [(action, target, before, after)], now)


def append_many(actor: str, events: list[tuple[str, str | None, Any, Any]],
                now: datetime) -> None:
    """Append (action, target, before, after) events in order, inside the caller's write
    transaction: the one place events are chained, one read and one write of the head for
    any number of them (an import of thousands of tasks)."""
    if not events:
        return
    backend.lock_writes()  # PostgreSQL: one appender at a time (SQLite: BEGIN IMMEDIATE)
    meta = read_meta()
    prev = meta.get(HEAD_KEY, GENESIS)
    chain = _chain_for_append(meta, prev)
    at = utc_text(now)
    rows = []
    for action, target, before, after in _as_text(events):
        body = canonical(at, actor, action, target, before, after)
        digest = keyed_hash(chain.key, prev, body) if chain else chain_hash(prev, body)
        rows.append((at, actor, action, target, _stored(before), _stored(after), prev, digest))
        prev = digest
    if backend.is_postgres():
        _insert_numbered(rows)
    else:
        db.connection().executemany(_INSERT, rows)
    db.execute_sql("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE"
                   " SET value = excluded.value", (HEAD_KEY, prev))
    if chain is not None:
        _pending.head = (backend.name(), Head(chain.store, _last_id(), prev))


def _as_text(value: Any) -> Any:
    """`value` with every text in it storable: a file's name that is not UTF-8 (`export
    $'e\\xff.json'`) escaped as `e\\udcff.json`; the event failed ("UnicodeEncodeError") after
    the file was written."""
    if isinstance(value, str):
        return value if value.isascii() else value.encode("utf-8", "backslashreplace").decode()
    if isinstance(value, dict):
        return {_as_text(k): _as_text(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_as_text(v) for v in value)
    return value


_COLUMNS = '"at", "actor", "action", "target", "before", "after", "prev_hash", "hash"'
_INSERT = f'INSERT INTO "audit_event" ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'
_INSERT_NUMBERED = (f'INSERT INTO "audit_event" ("id", {_COLUMNS})'
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")


def _insert_numbered(rows: list[tuple[Any, ...]]) -> None:
    """PostgreSQL: events numbered here, one past the newest, under the write lock. Its
    sequence would leave a gap for every rolled-back append, and `verify` counts a gap as
    a deleted event."""
    first = _last_id() + 1
    backend.executemany(_INSERT_NUMBERED, [(first + n, *row) for n, row in enumerate(rows)])
    db.execute_sql("SELECT setval(pg_get_serial_sequence('audit_event', 'id'), ?)",
                   (first + len(rows) - 1,))


def _stored(value: Any) -> str | None:
    """A before/after value as its JSON column stores it."""
    stored: str | None = AuditEvent.before.db_value(value)
    return stored


def appended_head() -> Head | None:
    """Take the head this thread's appends left for `committed` (None: unkeyed, or none):
    a restore's copy, not yet the store, has its head written once it is in place."""
    pending = getattr(_pending, "head", None)
    _pending.head = None
    return None if pending is None else pending[1]


def committed() -> None:
    """After a commit: move the keyring head to the newest event this thread appended.

    Never moves it back (another process may be ahead), never past an event that is not
    committed (a rolled-back append), and never over evidence: if the event the keyring head
    names is no longer in the store as recorded, the head stays for verify to report."""
    pending = getattr(_pending, "head", None)
    if pending is None or db.in_transaction():
        return
    _pending.head = None
    path, head = pending
    if path != backend.name() or _hash_of(head.event) != head.hash:
        return
    keys = chain_keys()
    try:
        current = keys.known_head()
        if current is not None:
            if current.store != head.store or current.event >= head.event:
                return
            if current.event > 0 and _hash_of(current.event) != current.hash:
                return
        keys.advance(head)
    except KeyringUnusable as exc:
        keys.warn_once(f"the audit head could not be written to the keyring: {exc}")


def flush() -> None:
    """Write every audit head still waiting to the keyring (the store is closing)."""
    audit_key.flush_all()
