"""Checking the audit trail (see app/store/audit.py for its rules): `verify` walks the chain
and says whether it holds, `reanchor` accepts a legitimately restored one."""

from __future__ import annotations

import json
from dataclasses import dataclass

from app.core.errors import StoreError
from app.secrets import FIX
from app.store import audit
from app.store.audit_key import ChainKey, Head, KeyringUnusable
from app.store.connection import write_batch
from app.store.models import AuditEvent, utc_text

UNKEYED = "unkeyed: cannot detect truncation or rollback"


@dataclass(frozen=True)
class AuditReport:
    """What `verify` found: whether the trail holds, how many events, the first bad one."""

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
    last_hash: str = audit.GENESIS
    hashes: dict[int, str] | None = None
    problem: AuditReport | None = None


def _walk(key: bytes | None, keyed_from: int | None, want: int = 0,
          adopted: bool = False) -> _Walk:
    """Check every event in id order (ids start at 1 and have no gaps): events from
    `keyed_from` on by the keyed rule (or only their links when `key` is None), older ones by
    the plain rule (only their links when `adopted`: another home's keyring keyed them).
    Remembers the hash of event `want`."""
    walk = _Walk(hashes={})
    prev = audit.GENESIS
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
        body = audit.canonical(at_text, actor, action, target,
                         json.loads(before) if isinstance(before, str) else before,
                         json.loads(after) if isinstance(after, str) else after)
        keyed = keyed_from is not None and ev_id >= keyed_from
        if keyed and key is not None and audit.keyed_hash(key, prev, body) != digest:
            why = ("is not keyed (recorded while the keyring was unavailable, or forged)"
                   if audit.chain_hash(prev, body) == digest else "was altered")
            walk.problem = AuditReport(False, walk.events, f"event {ev_id} {why}", ev_id)
            return walk
        if not keyed and not adopted and audit.chain_hash(prev, body) != digest:
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
    meta = audit.read_meta()
    store = meta.get(audit.STORE_KEY)
    keys = audit.chain_keys()
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
        if key is not None and not audit.consistent(head, key.store):
            recorded = head.event if head else 0
            return AuditReport(False, walk.events, "the keyring holds the audit trail of "
                               f"another store at this home ({recorded} events) and this store"
                               " has no key: it was replaced by a copy (a legitimate restore "
                               "goes through `tickwork restore`)", None,
                               max(0, recorded - walk.events))
        return _meta_head(meta, walk) or AuditReport(True, walk.events, keyed=False,
                                                     note=UNKEYED)
    keyed_from = int(meta.get(audit.KEYED_FROM_KEY, "1"))
    if key is None or key.store != store:
        walk = _walk(None, keyed_from)
        if walk.problem:
            return walk.problem
        why = (f"the keyring cannot be used ({keyring_error}; {FIX})" if keyring_error
               else "its key is not in the keyring (the keyring was reset, or the data home "
               "was copied or moved: a home moves with `tickwork backup FILE` in the old one "
               "and `tickwork restore FILE` in the new one, whose trail then verifies)")
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
    if meta.get(audit.HEAD_KEY, audit.GENESIS) != walk.last_hash:
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
    keys = audit.chain_keys()
    if not keys.usable():
        return verify()
    meta = audit.read_meta()
    store = meta.get(audit.STORE_KEY)
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
            with write_batch():
                audit.record_chain(keys.create(walk.events + 1, walk.events, walk.last_hash,
                                      adopted=True))
            keys.no_keying = False
        elif store is None:
            with write_batch():
                audit.record_chain(keys.create(walk.events + 1, walk.events, walk.last_hash))
            keys.no_keying = False
        else:
            keys.make_current(store)
            keys.set_head(Head(store, walk.events, walk.last_hash))
    except KeyringUnusable as exc:
        raise StoreError(f"cannot re-anchor the audit trail: the keyring failed: {exc}") \
            from None
    return verify()
