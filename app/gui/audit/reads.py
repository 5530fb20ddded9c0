"""The Audit view's reads: a page of the trail, its size, and the events newer than the
newest one shown, filtered by text and actor. Run on a pool thread by `Background`."""

from __future__ import annotations

from dataclasses import dataclass

from app.service import Service
from app.store import audit_log
from app.store.audit_log import AuditItem as AuditItem  # the views' name for an event


@dataclass(frozen=True)
class AuditQuery:
    search: str = ""
    actor: str | None = None


def audit_page(service: Service, query: AuditQuery, offset: int, limit: int) -> list[AuditItem]:
    with service.store.read():
        return audit_log.page(offset, limit, search=query.search, actor=query.actor)


def audit_count(service: Service, query: AuditQuery) -> int:
    with service.store.read():
        return audit_log.count(search=query.search, actor=query.actor)


def audit_newer(service: Service, query: AuditQuery, after_id: int,
                limit: int) -> list[AuditItem]:
    with service.store.read():
        return audit_log.newer(after_id, limit, search=query.search, actor=query.actor)
