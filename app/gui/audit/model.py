"""The audit trail's model: events newest first, filtered by text and actor.

The trail is append-only, so an update is only ever "newer events at the top": every
service change (each is audited) and every commit seen by the store poll fetches the
events above the newest shown.

Each event reads as a sentence (`app.core.audit_words`); the raw action, target and data
are one click away (the view's details pane) and in the sentence's tooltip.
"""

from __future__ import annotations

from typing import Any

from app.core.audit_words import sentence
from app.gui.audit import reads
from app.gui.audit.reads import AuditItem, AuditQuery
from app.gui.background import Background
from app.gui.qt import QObject, Qt
from app.gui.widgets import display
from app.gui.widgets.paging import PagedTableModel, Throttle
from app.service import Change, Service

UPDATE_MS = 300
NEWER_LIMIT = 1000

WHEN, ACTOR, WHAT = range(3)
ACTOR_WORDS = {"gui": "You (window)", "cli": "You (command line)", "engine": "Engine"}


def event_sentence(item: AuditItem) -> str:
    """The event as a sentence a person reads."""
    return sentence({"action": item.action, "target": item.target, "before": item.before,
                     "after": item.after, "actor": item.actor})


class AuditTableModel(PagedTableModel[AuditItem, AuditQuery]):
    COLUMNS = ("When", "Who", "What happened")

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
                return display.when(row.at, seconds=True)
            if column == ACTOR:
                return ACTOR_WORDS.get(row.actor, row.actor)
            if column == WHAT:
                return event_sentence(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == WHEN:
                return display.full_time(row.at)
            if column == ACTOR:
                return f"Recorded as “{row.actor}”"
            if column == WHAT:
                return f"{row.action} {row.target or ''}".strip() + \
                    " · select the event to see its data below"
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
