"""The audit trail: append-only and hash-chained, so editing, deleting or reordering any
event is detectable.

Each event's hash is SHA-256 over the previous event's hash and this event's canonical JSON
(keys sorted, no whitespace). The newest hash is also kept in the meta table, so deleting
the newest events is detected as well. Append inside the caller's write transaction: the
change and its audit record commit together or not at all.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.store.models import AuditEvent, Meta, db, utc_text

GENESIS = "0" * 64
HEAD_KEY = "audit_head"


def canonical(at: str, actor: str, action: str, target: str | None,
              before: Any, after: Any) -> str:
    return json.dumps(
        {"at": at, "actor": actor, "action": action, "target": target,
         "before": before, "after": after},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    )


def chain_hash(prev_hash: str, body: str) -> str:
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


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
    head = Meta.get_or_none(Meta.key == HEAD_KEY)
    prev = head.value if head else GENESIS
    at = utc_text(now)
    rows = []
    for action, target, before, after in events:
        digest = chain_hash(prev, canonical(at, actor, action, target, before, after))
        rows.append((at, actor, action, target, _stored(before), _stored(after), prev, digest))
        prev = digest
    db.connection().executemany(
        'INSERT INTO "audit_event" ("at", "actor", "action", "target", "before", "after", '
        '"prev_hash", "hash") VALUES (?, ?, ?, ?, ?, ?, ?, ?)', rows)
    Meta.replace(key=HEAD_KEY, value=prev).execute()


def _stored(value: Any) -> str | None:
    """A before/after value as its JSON column stores it."""
    stored: str | None = AuditEvent.before.db_value(value)
    return stored


@dataclass(frozen=True)
class AuditReport:
    ok: bool
    events: int
    problem: str | None = None
    event_id: int | None = None


def verify() -> AuditReport:
    """Walk the chain in id order; report the first event that does not hold."""
    prev = GENESIS
    expected_id: int | None = None
    count = 0
    query = AuditEvent.select().order_by(AuditEvent.id).tuples().iterator()
    for row in query:
        ev_id, at, actor, action, target, before, after, prev_hash, digest = row
        if expected_id is not None and ev_id != expected_id:
            return AuditReport(False, count, f"event {expected_id} is missing", expected_id)
        if prev_hash != prev:
            return AuditReport(False, count, f"event {ev_id} does not follow the one before it"
                               " (deleted or reordered)", ev_id)
        at_text = at if isinstance(at, str) else utc_text(at)
        body = canonical(at_text, actor, action, target,
                         json.loads(before) if isinstance(before, str) else before,
                         json.loads(after) if isinstance(after, str) else after)
        if chain_hash(prev, body) != digest:
            return AuditReport(False, count, f"event {ev_id} was altered", ev_id)
        prev = digest
        expected_id = ev_id + 1
        count += 1
    head = Meta.get_or_none(Meta.key == HEAD_KEY)
    if (head.value if head else GENESIS) != prev:
        return AuditReport(False, count, "the newest events were removed (head hash differs)")
    return AuditReport(True, count)
