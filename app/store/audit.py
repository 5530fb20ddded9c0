"""The audit trail: append-only and chained with a keyed hash, so editing, deleting,
reordering, truncating or rolling back its events is detectable.

Each event's hash is HMAC-SHA256, keyed with the store's own key, over the previous event's
hash and this event's canonical JSON (keys sorted, no whitespace). The key lives in the OS
keyring, never in the store (app/store/audit_key.py): someone who can only write the database
cannot forge an event. The newest hash is kept in the meta table (it commits with the event),
and the head — the newest event's number and hash — is also written to the keyring after
each commit that appended events (`committed()`, called by `Store.write`; at most once a
second, see audit_key.py). The keyring head
may lag behind the database (a crash between the commit and the head write) but never leads
it, so `verify` requires event N of the keyring head to exist with its hash — fewer events
means truncation or rollback, and it says how many are missing — and every event after N to
chain validly with the key.

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
- A legitimate restore from a backup calls `reanchor()` after appending its `store.restore`
  event: it checks the restored chain and moves the keyring head to its newest event (the
  keyring keeps the keys of earlier stores of the same home, so a backup made before the
  store was deleted and made anew restores too). A copy put back without it is reported:
  missing events, a head event that differs, or a head that is another store's.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import peewee as pw

from app.core.errors import StoreError
from app.secrets import FIX
from app.store import audit_key
from app.store.audit_key import ChainKey, ChainKeys, Head, KeyringUnusable
from app.store.models import AuditEvent, Meta, db, utc_text

log = logging.getLogger("tickwork.audit")

GENESIS = "0" * 64
HEAD_KEY = "audit_head"
STORE_KEY = "audit_store"
KEYED_FROM_KEY = "audit_keyed_from"
UNKEYED = "unkeyed: cannot detect truncation or rollback"

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


def _keys() -> ChainKeys:
    return audit_key.for_database(str(db.database))


def _meta() -> dict[str, str]:
    # plain SQL: this runs for every event, and building the peewee query cost more than it
    rows = db.execute_sql("SELECT key, value FROM meta WHERE key IN (?, ?, ?)",
                          (HEAD_KEY, STORE_KEY, KEYED_FROM_KEY)).fetchall()
    return {str(key): str(value) for key, value in rows}


def _set_meta(chain: ChainKey) -> None:
    Meta.replace(key=STORE_KEY, value=chain.store).execute()
    Meta.replace(key=KEYED_FROM_KEY, value=str(chain.keyed_from)).execute()


def _last_id() -> int:
    return int(AuditEvent.select(pw.fn.MAX(AuditEvent.id)).scalar() or 0)


def _hash_of(event_id: int) -> str | None:
    row = db.execute_sql("SELECT hash FROM audit_event WHERE id = ?", (event_id,)).fetchone()
    return None if row is None else str(row[0])


def create_chain() -> None:
    """Key the chain of a store being created (inside the transaction that creates it); a
    key an earlier store at the same home left in the keyring is replaced."""
    audit_key.forget(str(db.database))
    keys = _keys()
    if not keys.usable():
        return
    try:
        _set_meta(keys.create(1, 0, GENESIS))
    except KeyringUnusable as exc:
        log.warning("the audit trail of the new store is unkeyed: %s", exc)


def _chain_for_append(meta: dict[str, str], prev: str) -> ChainKey | None:
    keys = _keys()
    store = meta.get(STORE_KEY)
    if store is not None:
        chain = keys.key_or_none(store)
        if chain is None or chain.store != store:
            keys.warn_once("audit events are chained without the store's key, which the "
                           "keyring does not give: `audit --verify` will name them")
            return None
        return chain
    if keys.no_keying or not keys.usable():
        return None
    # an unkeyed store (earlier Tickwork, or made without a keyring): keyed from now on,
    # unless the keyring's key is another store's (a copy put in place of it: verify says so)
    try:
        existing = keys.key()
        if existing is not None and not _consistent(keys.head(), existing.store):
            keys.no_keying = True
            return None
        last = _last_id()
        chain = keys.create(last + 1, last, prev)
    except KeyringUnusable as exc:
        log.warning("audit trail left unkeyed: %s", exc)
        keys.no_keying = True
        return None
    _set_meta(chain)
    return chain


def _consistent(head: Head | None, store: str) -> bool:
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
    meta = _meta()
    prev = meta.get(HEAD_KEY, GENESIS)
    chain = _chain_for_append(meta, prev)
    at = utc_text(now)
    rows = []
    for action, target, before, after in events:
        body = canonical(at, actor, action, target, before, after)
        digest = keyed_hash(chain.key, prev, body) if chain else chain_hash(prev, body)
        rows.append((at, actor, action, target, _stored(before), _stored(after), prev, digest))
        prev = digest
    db.connection().executemany(
        'INSERT INTO "audit_event" ("at", "actor", "action", "target", "before", "after", '
        '"prev_hash", "hash") VALUES (?, ?, ?, ?, ?, ?, ?, ?)', rows)
    db.execute_sql("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (HEAD_KEY, prev))
    if chain is not None:
        _pending.head = (str(db.database), Head(chain.store, _last_id(), prev))


def _stored(value: Any) -> str | None:
    """A before/after value as its JSON column stores it."""
    stored: str | None = AuditEvent.before.db_value(value)
    return stored


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
    if path != str(db.database) or _hash_of(head.event) != head.hash:
        return
    keys = _keys()
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


@dataclass(frozen=True)
class AuditReport:
    ok: bool
    events: int
    problem: str | None = None
    event_id: int | None = None
    missing: int | None = None  # events the keyring says were recorded and are gone
    keyed: bool = True
    note: str | None = None


@dataclass
class _Walk:
    events: int = 0
    last_hash: str = GENESIS
    hashes: dict[int, str] | None = None
    problem: AuditReport | None = None


def _walk(key: bytes | None, keyed_from: int | None, want: int = 0,
          adopted: bool = False) -> _Walk:
    """Check every event in id order (ids start at 1 and have no gaps): events from
    `keyed_from` on by the keyed rule (or only their links when `key` is None), older ones by
    the plain rule (only their links when `adopted`: another home's keyring keyed them).
    Remembers the hash of event `want`."""
    walk = _Walk(hashes={})
    prev = GENESIS
    expected = 1
    for row in AuditEvent.select().order_by(AuditEvent.id).tuples().iterator():
        ev_id, at, actor, action, target, before, after, prev_hash, digest = row
        if ev_id != expected:
            walk.problem = AuditReport(False, walk.events, f"event {expected} is missing",
                                       expected, ev_id - expected)
            return walk
        if prev_hash != prev:
            walk.problem = AuditReport(False, walk.events, f"event {ev_id} does not follow "
                                       "the one before it (deleted or reordered)", ev_id)
            return walk
        at_text = at if isinstance(at, str) else utc_text(at)
        body = canonical(at_text, actor, action, target,
                         json.loads(before) if isinstance(before, str) else before,
                         json.loads(after) if isinstance(after, str) else after)
        keyed = keyed_from is not None and ev_id >= keyed_from
        if keyed and key is not None and keyed_hash(key, prev, body) != digest:
            why = ("is not keyed (recorded while the keyring was unavailable, or forged)"
                   if chain_hash(prev, body) == digest else "was altered")
            walk.problem = AuditReport(False, walk.events, f"event {ev_id} {why}", ev_id)
            return walk
        if not keyed and not adopted and chain_hash(prev, body) != digest:
            walk.problem = AuditReport(False, walk.events, f"event {ev_id} was altered", ev_id)
            return walk
        if ev_id == want:
            walk.hashes = {ev_id: digest}
        prev = digest
        expected = ev_id + 1
        walk.events += 1
    walk.last_hash = prev
    return walk


def verify() -> AuditReport:
    """Walk the chain; report the first event that does not hold, or how many are missing."""
    meta = _meta()
    store = meta.get(STORE_KEY)
    keys = _keys()
    key: ChainKey | None = None
    head: Head | None = None
    keyring_error = None
    if keys.usable():
        try:
            key = keys.read_key(store)
            head = keys.head()
        except KeyringUnusable as exc:
            keyring_error = str(exc)
    else:
        keyring_error = "no usable keyring backend"
    if store is None:
        walk = _walk(None, None)
        if walk.problem:
            return walk.problem
        if key is not None and not _consistent(head, key.store):
            recorded = head.event if head else 0
            return AuditReport(False, walk.events, "the keyring holds the audit trail of "
                               f"another store at this home ({recorded} events) and this store"
                               " has no key: it was replaced by a copy (a legitimate restore "
                               "goes through `tickwork restore`)", None,
                               max(0, recorded - walk.events))
        return _meta_head(meta, walk) or AuditReport(True, walk.events, keyed=False,
                                                     note=UNKEYED)
    keyed_from = int(meta.get(KEYED_FROM_KEY, "1"))
    if key is None or key.store != store:
        walk = _walk(None, keyed_from)
        if walk.problem:
            return walk.problem
        why = (f"the keyring cannot be used ({keyring_error}; {FIX})" if keyring_error
               else "its key is not in the keyring (the keyring was reset, or the data home "
               "moved)")
        return AuditReport(False, walk.events, f"the audit trail is keyed and cannot be "
                           f"verified: {why}", keyed_from, keyed=False)
    walk = _walk(key.key, key.keyed_from, head.event if head else 0, key.adopted)
    if walk.problem:
        return walk.problem
    if head is not None and head.store != store:
        return AuditReport(False, walk.events, "the keyring's audit head is another store's: "
                           "this store (an older one of this data home) was put in its place "
                           "(a legitimate restore goes through `tickwork restore`)")
    anchor = head
    if anchor is not None and anchor.event > walk.events:
        missing = anchor.event - walk.events
        return AuditReport(False, walk.events, f"the store's audit trail ends at event "
                           f"{walk.events} but the keyring says {anchor.event} events were "
                           f"recorded: {missing} missing", walk.events + 1, missing)
    if anchor is not None and anchor.event > 0 and (walk.hashes or {}).get(
            anchor.event) != anchor.hash:
        return AuditReport(False, walk.events, f"event {anchor.event} is not the one the "
                           "keyring recorded: the store was rolled back or replaced",
                           anchor.event)
    note = (f"events 1–{key.keyed_from - 1} came in a backup of another data home: their "
            "order is checked, not their keys" if key.adopted and key.keyed_from > 1 else None)
    return _meta_head(meta, walk) or AuditReport(True, walk.events, note=note)


def _meta_head(meta: dict[str, str], walk: _Walk) -> AuditReport | None:
    if meta.get(HEAD_KEY, GENESIS) != walk.last_hash:
        return AuditReport(False, walk.events, "the newest events were removed (head hash "
                           "differs)", walk.events + 1)
    return None


def reanchor() -> AuditReport:
    """Accept the store's trail as it now is, after a legitimate restore from a backup.

    Call it outside any transaction, right after the restored file is in place and before
    the restore's own `store.restore` event is appended. It checks the chain (every event, by
    its rule), keys a store that is not keyed yet, and moves the keyring head to the newest
    event — back, if the backup is older. A backup of another data home (its key is in that
    home's keyring, not this one) is adopted: its events' links are checked, and a new key
    chains every event from the next one on. Raises StoreError when the chain does not hold.
    Without a usable keyring there is nothing to anchor: the report says the trail is
    unkeyed."""
    keys = _keys()
    if not keys.usable():
        return verify()
    meta = _meta()
    store = meta.get(STORE_KEY)
    try:
        key = keys.read_key(store)
    except KeyringUnusable as exc:
        raise StoreError(f"cannot re-anchor the audit trail: the keyring failed: {exc}") \
            from None
    adopt = store is not None and (key is None or key.store != store)
    if adopt:  # another home's backup: its links are all this keyring can check
        walk = _walk(None, 1)
    else:
        walk = _walk(key.key if store and key else None,
                     key.keyed_from if store and key else None, 0,
                     bool(key and key.adopted))
    if walk.problem:
        raise StoreError(f"cannot re-anchor the audit trail: {walk.problem.problem}")
    try:
        if adopt:
            with db.atomic("IMMEDIATE"):
                _set_meta(keys.create(walk.events + 1, walk.events, walk.last_hash,
                                      adopted=True))
            keys.no_keying = False
        elif store is None:
            with db.atomic("IMMEDIATE"):
                _set_meta(keys.create(walk.events + 1, walk.events, walk.last_hash))
            keys.no_keying = False
        else:
            keys.make_current(store)
            keys.set_head(Head(store, walk.events, walk.last_hash))
    except KeyringUnusable as exc:
        raise StoreError(f"cannot re-anchor the audit trail: the keyring failed: {exc}") \
            from None
    return verify()
