"""Checking the audit trail (see app/store/audit.py for its rules): `verify` walks the chain
and says whether it holds (and finishes a restore stopped before it moved the keyring's
head), `check_restored` and `anchor` accept a legitimately restored one."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from app.core.errors import StoreError
from app.secrets import FIX
from app.store import audit, audit_log, backend
from app.store.audit_key import ChainKey, ChainKeys, Head, KeyringUnusable
from app.store.audit_log import AuditItem
from app.store.connection import write_batch
from app.store.models import AuditEvent, utc_text

UNKEYED = "unkeyed: cannot detect truncation or rollback"
ACCEPT = "audit.accept_unkeyed"  # a keyed event naming events recorded without the key
ACCEPT_COMMAND = "tickwork audit --accept-unkeyed"
CARRY = ("`tickwork audit --export-key FILE` in that home, `tickwork audit --import-key FILE` "
         "in this one")


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
    keyring: str | None = None  # why the keyring could not be used: its keys not checked


@dataclass
class _Walk:
    events: int = 0
    last_hash: str = audit.GENESIS
    hashes: dict[int, str] | None = None
    problem: AuditReport | None = None
    # events of the keyed span hashed by the plain rule (the keyring was unavailable when
    # they were recorded, or they were forged), not yet accepted by a keyed ACCEPT event
    unkeyed: list[tuple[int, str]] = field(default_factory=list)


def _walk(key: bytes | None, keyed_from: int | None, want: int = 0,
          adopted: bool = False, accepting: bool = False) -> _Walk:
    """Check every event in id order (ids start at 1 and have no gaps): events from
    `keyed_from` on by the keyed rule (or only their links when `key` is None), older ones by
    the plain rule (only their links when `adopted`: another home's keyring keyed them).
    An event of the keyed span hashed by the plain rule holds only once a later keyed
    ACCEPT event names it by id and hash (else the walk's problem, unless `accepting`: the
    ones not accepted are in `unkeyed`). Remembers the hash of event `want`."""
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
            if audit.chain_hash(prev, body) != digest:
                walk.problem = AuditReport(False, walk.events, f"event {ev_id} was altered",
                                           ev_id)
                return walk
            walk.unkeyed.append((ev_id, digest))
        elif keyed and key is not None and action == ACCEPT and walk.unkeyed:
            named = {(int(i), str(h)) for i, h in
                     (json.loads(after) if isinstance(after, str) else after)["events"]}
            walk.unkeyed = [u for u in walk.unkeyed if u not in named]
        if not keyed and not adopted and audit.chain_hash(prev, body) != digest:
            walk.problem = AuditReport(False, walk.events, f"event {ev_id} was altered", ev_id)
            return walk
        if ev_id == want:
            walk.hashes = {ev_id: digest}
        prev = digest
        expected = ev_id + 1
        walk.events += 1
    walk.last_hash = prev
    if walk.unkeyed and not accepting:
        first = walk.unkeyed[0][0]
        more = len(walk.unkeyed) - 1
        walk.problem = AuditReport(
            False, walk.events, f"event {first}{f' and {more} more' if more else ''} not "
            f"keyed (recorded {_recorded_without_key()}, or forged): "
            f"`{ACCEPT_COMMAND}` lists them and, if they are yours, accepts them", first)
    return walk


def _recorded_without_key() -> str:
    """Where events of a keyed trail come from unkeyed: on a shared store, chiefly the other
    machines' homes, whose keyrings never had the key (said "while the keyring was
    unavailable", a person took them for forged)."""
    if backend.is_postgres():
        return ("by a home whose keyring lacks this shared store's key — another machine's "
                "engine, window or CLI — or while the keyring was unavailable")
    return "while the keyring was unavailable"


def _key_elsewhere() -> str:
    """Why the keyring lacks a keyed trail's key: a shared store's is in the keyring of the
    home that made it (a backup and restore, said for a SQLite home, refuse a shared store)."""
    if backend.is_postgres():
        return ("a shared store's key is in the keyring of the home that made it, and events "
                "written from this home are recorded unkeyed: verify it there, or carry the "
                f"key here: {CARRY}")
    return ("the keyring was reset, or the data home was copied or moved: a home moves with "
            "`tickwork backup FILE` in the old one and `tickwork restore FILE` in the new one, "
            "whose trail then verifies")


def unkeyed() -> list[tuple[int, str]]:
    """The events of the keyed span recorded without the key and not accepted yet, by id and
    hash, oldest first: what `accept_unkeyed` would accept. StoreError when the trail has
    another problem, or the key cannot be read now (the acceptance must be keyed)."""
    keys = audit.chain_keys()
    store = audit.read_meta().get(audit.STORE_KEY)
    try:
        key = keys.read_key(store) if keys.usable() and store else None
    except KeyringUnusable as exc:
        raise StoreError(f"cannot accept: the keyring failed: {exc}") from None
    if key is None:
        raise StoreError("cannot accept: the audit trail's key cannot be read now (unlock "
                         "the keyring, or the trail is unkeyed)")
    walk = _walk(key.key, key.keyed_from, 0, key.adopted, accepting=True)
    if walk.problem:
        raise StoreError(f"cannot accept: {walk.problem.problem}")
    return list(walk.unkeyed)


def unkeyed_events() -> list[AuditItem]:
    """The events `unkeyed` names, whole (a person recognises them before accepting)."""
    return audit_log.by_ids([i for i, _ in unkeyed()])


def accept_unkeyed(actor: str, now: datetime,
                   shown: list[tuple[int, str]] | None = None) -> list[AuditItem]:
    """In a write transaction: accept the events of the keyed span recorded without the key
    (a command run while the keyring was locked) with one keyed ACCEPT event naming each by
    id and hash, so the trail verifies again; what is recorded later without the key is not
    covered. Returns the events accepted (none: nothing to accept). StoreError when the trail
    has another problem, the key cannot be read now (the acceptance must be keyed), or they
    are not the events `shown` (by id and hash) to the person who accepts them."""
    found = unkeyed()
    if shown is not None and [tuple(e) for e in shown] != found:
        raise StoreError("cannot accept: the events recorded without the key changed since "
                         "they were listed; list them again")
    if found:
        with write_batch():
            audit.append(actor, ACCEPT, None, None, {"events": [[i, h] for i, h in found]},
                         now)
    return audit_log.by_ids([i for i, _ in found])


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
        if keyring_error:  # (its order and links held: NOT VERIFIED, not BROKEN)
            return AuditReport(False, walk.events, "its keys cannot be verified: the keyring "
                               f"cannot be used ({keyring_error}; {FIX})", keyed_from,
                               keyed=False, keyring=keyring_error)
        # (a shared store's: its order and links held, its keys are another home's to
        # check — NOT VERIFIED here, as where the keyring cannot be used, not BROKEN)
        elsewhere = "the key is another home's" if backend.is_postgres() else None
        return AuditReport(False, walk.events, "the audit trail is keyed and cannot be "
                           f"verified: its key is not in the keyring ({_key_elsewhere()})",
                           keyed_from, keyed=False, keyring=elsewhere)
    walk = _walk(key.key, key.keyed_from, head.event if head else 0, key.adopted)
    if walk.problem:
        return walk.problem
    if head is not None and _head_differs(head, store, walk) \
            and _restore_unanchored(key, head):
        try:  # the restore's last step, done now
            anchor(keys, Head(store, walk.events, walk.last_hash))
        except KeyringUnusable as exc:
            return AuditReport(False, walk.events, "a restore stopped before it moved the "
                               f"keyring's audit head, and the keyring failed: {exc}")
        return _meta_head(meta, walk) or AuditReport(
            True, walk.events, note="a restore was stopped before it moved the keyring's "
            "audit head to the restored trail: moved now")
    if head is not None and head.store != store:
        return AuditReport(False, walk.events, "the keyring's audit head is another store's: "
                           "this store (an older one of this data home) was put in its place "
                           "(a legitimate restore goes through `tickwork restore`)")
    if head is not None and head.event > walk.events:
        missing = head.event - walk.events
        return AuditReport(False, walk.events, f"the store's audit trail ends at event "
                           f"{walk.events} but the keyring says {head.event} events were "
                           f"recorded: {missing} missing", walk.events + 1, missing)
    if head is not None and _head_differs(head, store, walk):
        return AuditReport(False, walk.events, f"event {head.event} is not the one the "
                           "keyring recorded: the store was rolled back or replaced",
                           head.event)
    note = (f"events 1–{key.keyed_from - 1} came in a backup of another data home: their "
            "order is checked, not their keys" if key.adopted and key.keyed_from > 1 else None)
    return _meta_head(meta, walk) or AuditReport(True, walk.events, note=note)


def _head_differs(head: Head, store: str, walk: _Walk) -> bool:
    """Is the keyring's head not an event of this store's walked trail?"""
    return head.store != store or head.event > walk.events or (
        head.event > 0 and (walk.hashes or {}).get(head.event) != head.hash)


def _meta_head(meta: dict[str, str], walk: _Walk) -> AuditReport | None:
    if meta.get(audit.HEAD_KEY, audit.GENESIS) != walk.last_hash:
        return AuditReport(False, walk.events, "the newest events were removed (head hash "
                           "differs)", walk.events + 1)
    return None


def check_restored() -> ChainKey | None:
    """Accept the open store's trail as it is — a restored copy, before it takes the store's
    place (app/store/restore_trail.py) — and give the key to chain its next event with.

    It checks the chain (every event, by its rule) and keys a store that is not keyed yet.
    A backup of another data home (its key is in that home's keyring, not this one) is
    adopted: its events' links are checked, and a new key chains every event from the next
    one on. A new key is kept beside the current one and the head is not moved: the store
    in place still verifies until the copy replaces it (`anchor`). Raises StoreError when
    the chain does not hold or the keyring fails; None without a usable keyring (the trail
    is unkeyed: what holds without the key is checked, `without_key`)."""
    keys = audit.chain_keys()
    meta = audit.read_meta()
    store = meta.get(audit.STORE_KEY)
    if not keys.usable():
        _check_without_key(meta, store)
        return None
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
    # newest events deleted leave the links whole but the head theirs: the next event,
    # chained from that head, would break the restored trail at once
    problem = walk.problem or _meta_head(meta, walk)
    if problem:
        raise StoreError(f"cannot re-anchor the audit trail: {problem.problem}")
    if key is not None and not adopt and store is not None:
        return key
    try:
        chain = keys.add(walk.events + 1, adopted=adopt)
    except KeyringUnusable as exc:
        raise StoreError(f"cannot re-anchor the audit trail: the keyring failed: {exc}") \
            from None
    with write_batch():
        audit.record_chain(chain)
    keys.no_keying = False
    return chain


def _check_without_key(meta: dict[str, str], store: str | None) -> None:
    """A restored trail checked without a keyring: an unkeyed one by its rule, every event;
    a keyed one by its links only (ids without gaps, each event chained from the one before,
    the head its newest event's), as a backup of another home is adopted. StoreError when
    even that does not hold: events were removed, reordered or cut off."""
    walk = _walk(None, 1 if store is not None else None)
    problem = walk.problem or _meta_head(meta, walk)
    if problem:
        raise StoreError(f"its audit trail does not hold: {problem.problem}")


def without_key() -> str | None:
    """What a restore without a usable keyring could not check of the open store's trail
    (`check_restored`), in one sentence; None when nothing was left unchecked (an unkeyed
    trail, or a keyring there)."""
    if audit.chain_keys().usable() or audit.read_meta().get(audit.STORE_KEY) is None:
        return None
    return ("no usable keyring here, so the backup's audit trail was checked for removed, "
            "reordered and cut-off events, not for edited ones (that takes its key, kept in "
            "the keyring): `tickwork audit --verify` checks them once the keyring is back")


def anchor(keys: ChainKeys, head: Head) -> None:
    """Make `head`'s store the keyring's current one and its head `head` (a restored store
    now in place). KeyringUnusable on failure."""
    keys.make_current(head.store)
    keys.set_head(head)


def _restore_unanchored(key: ChainKey, head: Head) -> bool:
    """Is the open store one a restore put in place and was stopped before it moved the
    keyring's head (`anchor`)? Its newest `store.restore` event, chained with the key (no
    one without it can write one), names the head the keyring had when the restore began,
    and the keyring still has exactly that head."""
    row = AuditEvent.select(AuditEvent.id, AuditEvent.before).where(
        AuditEvent.action == "store.restore").order_by(AuditEvent.id.desc()).tuples().first()
    if row is None or row[0] < key.keyed_from:
        return False
    before = json.loads(row[1]) if isinstance(row[1], str) else row[1]
    said = before.get("audit_head") if isinstance(before, dict) else None
    return said == {"store": head.store, "event": head.event, "hash": head.hash}
