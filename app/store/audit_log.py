"""Reading the audit trail: pages of events for the views and the CLI, and the events
after a mark for an engine watching other processes' changes. Appending and verifying live
in audit.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.store import models
from app.store.backend import contains

# peewee's annotations do not know the auto id: the model is used untyped here, and every
# function below is typed at its boundary instead.
AuditEvent: Any = models.AuditEvent


@dataclass(frozen=True)
class AuditItem:
    id: int
    at: datetime
    actor: str
    action: str
    target: str | None
    before: Any
    after: Any
    hash: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "at": self.at.isoformat(), "actor": self.actor,
                "action": self.action, "target": self.target, "before": self.before,
                "after": self.after, "hash": self.hash}


def _query(search: str | None, actor: str | None) -> Any:
    q = AuditEvent.select().order_by(AuditEvent.id.desc())
    if actor:
        q = q.where(AuditEvent.actor == actor)
    if search:
        needle = search.lower()
        q = q.where(contains(AuditEvent.action, needle) | contains(AuditEvent.target, needle))
    return q


def _item(e: Any) -> AuditItem:
    at = e.at if isinstance(e.at, datetime) else datetime.fromisoformat(e.at)
    return AuditItem(e.id, at.astimezone(UTC), e.actor, e.action, e.target, e.before, e.after,
                     e.hash)


def page(offset: int, limit: int, *, search: str | None = None,
         actor: str | None = None) -> list[AuditItem]:
    """Events matching the filters (action or target containing `search`, any case), newest
    first."""
    return [_item(e) for e in _query(search, actor).offset(offset).limit(limit)]


def by_ids(ids: list[int]) -> list[AuditItem]:
    """These events, oldest first."""
    return [_item(e) for e in AuditEvent.select().where(AuditEvent.id.in_(ids))
            .order_by(AuditEvent.id)]


def count(*, search: str | None = None, actor: str | None = None) -> int:
    return int(_query(search, actor).count())


def newer(after_id: int, limit: int, *, search: str | None = None,
          actor: str | None = None) -> list[AuditItem]:
    """Up to `limit` matching events with ids above `after_id`, newest first."""
    return [_item(e) for e in _query(search, actor).where(AuditEvent.id > after_id).limit(limit)]


def last_id() -> int:
    """The newest event's id (0: none yet)."""
    mark = AuditEvent.select(AuditEvent.id).order_by(AuditEvent.id.desc()).first()
    return int(mark.id) if mark else 0


def changes_after(mark: int) -> list[tuple[int, str, str | None, Any]]:
    """(id, action, target, before) of every event after `mark`, oldest first."""
    return list(AuditEvent.select(AuditEvent.id, AuditEvent.action, AuditEvent.target,
                                  AuditEvent.before)
                .where(AuditEvent.id > mark).order_by(AuditEvent.id).tuples())


def last_actor(action: str, target: str) -> str | None:
    """Who last did `action` to `target` (None: nobody), e.g. who stored a secret."""
    event = models.AuditEvent
    row = (event.select(event.actor)
           .where((event.action == action) & (event.target == target))
           .order_by(event.id.desc()).limit(1).tuples().first())
    return None if row is None else str(row[0])
