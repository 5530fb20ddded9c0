"""The audit trail's model: events newest first, filtered by text and actor.

The trail is append-only, so an update is only ever "newer events at the top": every
service change (each is audited) and every commit seen by the store poll fetches the
events above the newest shown.
"""

from __future__ import annotations

import json
from typing import Any

from app.gui import display, reads
from app.gui.background import Background
from app.gui.paging import PagedTableModel, Throttle
from app.gui.qt import QObject, Qt
from app.gui.reads import AuditItem, AuditQuery
from app.service import Change, Service

UPDATE_MS = 300
NEWER_LIMIT = 1000

WHEN, ACTOR, ACTION, TARGET, DETAIL = range(5)


def summary(value: Any, limit: int = 160) -> str:
    if value is None:
        return ""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def change_summary(item: AuditItem) -> str:
    """What an event changed, in a few words: the fields an edit touched, or a summary."""
    before, after = item.before, item.after
    if isinstance(before, dict) and isinstance(after, dict):
        keys = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
        return "changed " + ", ".join(keys) if keys else "no change"
    if item.action.endswith(".create") and isinstance(after, dict):
        action = after.get("action") or {}
        what = " ".join(action.get("argv", [])) or action.get("target", "")
        return f"created: {what}" if what else "created"
    if item.action.endswith(".delete"):
        return "deleted"
    return summary(after if after is not None else before)


class AuditTableModel(PagedTableModel[AuditItem, AuditQuery]):
    COLUMNS = ("When", "Who", "Action", "Target", "Change")

    def __init__(self, service: Service, background: Background, page_size: int = 200,
                 parent: QObject | None = None) -> None:
        super().__init__(background, page_size, parent)
        self.service = service
        self._query = AuditQuery()
        self._updating = False
        self._update = Throttle(UPDATE_MS, self._on_update_due, self)

    def query(self) -> AuditQuery:
        return self._query

    def set_query(self, query: AuditQuery) -> None:
        if query != self._query:
            self._query = query
            self.reload()

    def read_page(self, query: AuditQuery, offset: int, limit: int) -> list[AuditItem]:
        return reads.audit_page(self.service, query, offset, limit)

    def read_count(self, query: AuditQuery) -> int:
        return reads.audit_count(self.service, query)

    def key(self, row: AuditItem) -> int:
        return row.id

    def cell(self, row: AuditItem, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            if column == WHEN:
                return display.when(row.at)
            if column == ACTOR:
                return row.actor
            if column == ACTION:
                return row.action
            if column == TARGET:
                return row.target or ""
            if column == DETAIL:
                return change_summary(row)
        if role == Qt.ItemDataRole.ToolTipRole and column == WHEN:
            return display.full_time(row.at)
        return None

    def on_service_change(self, _change: Change) -> None:
        self._poke()

    def on_store_changed(self) -> None:
        self._poke()

    def _poke(self) -> None:
        if not self.active:
            self.refresh()
            return
        self._update.poke()

    def _on_update_due(self) -> None:
        if self._updating or not self.ever_loaded:
            self._update.poke()
            return
        self._updating = True
        query, generation = self._query, self._generation
        top = max((r.id for r in self.rows), default=0)

        def work() -> tuple[list[AuditItem], int]:
            return (reads.audit_newer(self.service, query, top, NEWER_LIMIT),
                    reads.audit_count(self.service, query))

        def done(result: tuple[list[AuditItem], int]) -> None:
            self._updating = False
            if generation != self._generation:
                return
            fresh, total = result
            if len(fresh) >= NEWER_LIMIT:
                self.refresh()
            elif fresh or total != self.total:
                self.insert_top(fresh, total)

        def failed(error: BaseException) -> None:
            self._updating = False
            self.background.report("Cannot read the audit trail", error)

        self.background.run(work, done, failed, owner=self, title="Cannot read the audit trail")
