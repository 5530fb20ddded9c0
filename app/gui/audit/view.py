"""The Audit view: every change, who made it and what it was, with a Verify button.

Each event reads as a sentence; selecting it shows its raw data below. Verify walks the
hash chain off the GUI thread and says whether the trail is intact, or names the first
event that was altered, removed or reordered; once shown, that verdict is re-checked as
new events arrive, so its count is never stale.

A filter that matches nothing says so, and what it looks at: the event's action and target
(a task's name), not the sentence under “What happened” (“by hand” found nothing, silently).
"""

from __future__ import annotations

import json

from app.gui.audit.model import AuditTableModel, event_sentence
from app.gui.audit.reads import AuditItem, AuditQuery
from app.gui.background import Background
from app.gui.qt import (
    QAction,
    QComboBox,
    QFontDatabase,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
)
from app.gui.session import Session
from app.gui.widgets import display
from app.gui.widgets.paging import ITEM_ROLE, Throttle
from app.gui.widgets.status_text import paint_status
from app.gui.widgets.tables import row_table
from app.service import Service
from app.store.audit_check import AuditReport

REVERIFY_MS = 500
ACTORS = (("", "Anyone"), ("gui", "The window (gui)"), ("cli", "Command line (cli)"),
          ("engine", "The engine"))
FROM = {"gui": "from the window", "cli": "from the command line", "engine": "by the engine"}


class AuditView(QWidget):
    def __init__(self, model: AuditTableModel, service: Service, background: Background,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AuditView")
        self.model = model
        self.service = service
        self.background = background
        self.search = QLineEdit()
        self.search.setObjectName("AuditSearch")
        self.search.setPlaceholderText("Filter by action or target…")
        self.search.setClearButtonEnabled(True)
        self.actor = QComboBox()
        self.actor.setObjectName("AuditActor")
        for key, label in ACTORS:
            self.actor.addItem(label, key)
        self.verify_button = QPushButton("Ve&rify trail")  # (Alt+V is the View menu's)
        self.verify_button.setToolTip("Check the hash chain: detects edited, deleted or "
                                      "reordered events")
        self.result = QLabel()
        self.result.setObjectName("AuditVerifyResult")
        self.result.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.search, 2)
        top.addWidget(self.actor, 1)
        top.addWidget(self.verify_button)
        self.table = row_table(model, "AuditTable", newest_first=True)
        self.setFocusProxy(self.table)  # Ctrl+1 … puts the keyboard here
        for column, width in enumerate((150, 130)):
            self.table.setColumnWidth(column, width)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.detail = QPlainTextEdit()
        self.detail.setObjectName("AuditDetail")
        self.detail.setReadOnly(True)
        self.detail.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.detail.setPlaceholderText("Select an event to see its data: the action, target "
                                       "and the task before and after.")
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.result)
        layout.addWidget(splitter, 1)
        self.result.hide()
        self.empty = QLabel()
        self.empty.setObjectName("AuditEmpty")
        self.empty.setWordWrap(True)
        layout.insertWidget(1, self.empty)
        self.empty.hide()

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(200)
        self._search_timer.timeout.connect(self._apply_filters)
        self.search.textChanged.connect(self._search_timer.start)
        down = QAction(self.search)  # Down from the filter: into the list, as from Tasks'
        down.setShortcut(Qt.Key.Key_Down)
        down.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        down.triggered.connect(self._to_list)
        self.search.addAction(down)
        self._select_when_loaded = False
        self.model.loaded.connect(self._on_model_loaded)
        self.actor.currentIndexChanged.connect(self._apply_filters)
        self.verify_button.clicked.connect(lambda: self.verify())
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        self._verifying = False
        self._verify_again = False
        self._reverify = Throttle(REVERIFY_MS, self._on_reverify_due, self)
        self.model.total_changed.connect(self._on_model_total_changed)
        self.model.total_changed.connect(self._say_if_empty)
        self.model.loaded.connect(self._say_if_empty)

    def connect_bridge(self, session: Session) -> None:
        """Follow the store: every change is audited, so any commit may add events."""
        session.bridge.service_changed.connect(self.model.on_service_change)
        session.bridge.store_changed.connect(self.model.on_store_changed)

    def set_current(self, current: bool) -> None:
        """The window shows this view (or another): read the trail the first time it shows."""
        self.model.set_active(current)
        if current and not self.model.ever_loaded:
            self.model.reload()

    def _to_list(self) -> None:
        """Down from the filter: the keyboard goes to the list with an event selected (the
        first, once what was typed is read), so its data shows and the arrows go on from
        there; it took three Tabs."""
        before = self.model.query()
        self._search_timer.stop()  # (typed within the pause: read it now)
        self._apply_filters()
        self._select_when_loaded = self.model.query() != before  # (read again: then)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        if not self._select_when_loaded:  # (not an event the new filter may leave out)
            self._select_first()

    def _on_model_loaded(self) -> None:
        if self._select_when_loaded and self.table.hasFocus():
            self._select_first()
        self._select_when_loaded = False

    def _select_first(self) -> None:
        if self.model.rowCount() and not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)

    def _apply_filters(self) -> None:
        self.model.set_query(AuditQuery(self.search.text().strip(),
                                        self.actor.currentData() or None))

    def _say_if_empty(self, *_args: object) -> None:
        """Name the filter that matches no event, and what it looks in."""
        query = self.model.query()
        filtered = bool(query.search or query.actor)
        self.empty.setVisible(filtered and self.model.ever_loaded and self.model.total == 0)
        if not self.empty.isVisibleTo(self):
            return
        by = f" {FROM.get(query.actor, query.actor)}" if query.actor else ""
        if query.search:
            self.empty.setText(f"No event{by} has “{query.search}” in its action or target. "
                               "The filter looks in those (an action such as task.run_now, a "
                               "target such as a task's name), not in the words under “What "
                               "happened”.")
        else:
            self.empty.setText(f"No event{by} yet.")

    def _on_model_total_changed(self, *_args: object) -> None:
        if self.result.isVisibleTo(self):  # a verdict is shown: keep its count true
            self._reverify.poke()

    def _on_reverify_due(self) -> None:
        if self._verifying:
            self._verify_again = True
        else:
            self.verify(quietly=True)

    def verify(self, quietly: bool = False) -> None:
        """Check the chain; `quietly` keeps the shown verdict until the new one lands."""
        self._verifying = True
        self.verify_button.setEnabled(False)
        if not quietly:
            self._say("Verifying…", None)
        self.background.run(self.service.verify_audit, self._on_verified, self._on_failed,
                            owner=self, title="Cannot verify the audit trail")

    def _on_verified(self, report: AuditReport) -> None:
        self._done_verifying()
        if report.ok:
            events = display.plural(report.events, "event")
            self._say(f"✓ The audit trail is intact: {events}, every hash matches."
                      + (f" ({report.note})" if report.note else ""),
                      "warning" if report.note else "succeeded")  # ("unkeyed: cannot detect…")
        elif report.keyring:  # its keys unchecked, its order and links hold: no tampering
            events = display.plural(report.events, "event")
            self._say(f"⚠ The audit trail's order and links hold ({events}), but {report.problem}.",
                      "warning")
        else:
            self._say(f"✕ The audit trail was tampered with: {report.problem} "
                      f"({report.events:,} events checked before it).", "failed")

    def _done_verifying(self) -> None:
        self._verifying = False
        self.verify_button.setEnabled(True)
        if self._verify_again:
            self._verify_again = False
            self._reverify.poke()

    def _on_failed(self, error: BaseException) -> None:
        self._done_verifying()
        self._say(f"✕ Could not verify: {error}", "failed")

    def _say(self, text: str, status: str | None) -> None:
        paint_status(self.result, status)
        self.result.setText(text)
        self.result.show()

    def _on_current_row_changed(self) -> None:
        row = self.table.currentIndex().row()
        item = self.model.data(self.model.index(row, 0), ITEM_ROLE) if row >= 0 else None
        if not isinstance(item, AuditItem):
            self.detail.clear()
            return
        lines = [event_sentence(item), "",
                 f"{display.full_time(item.at)} · {item.actor} · {item.action}",
                 f"Target: {item.target or '—'}", f"Hash:   {item.hash}", ""]
        for label, value in (("Before", item.before), ("After", item.after)):
            if value is not None:
                lines.append(f"{label}:")
                lines.append(json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True))
        self.detail.setPlainText("\n".join(lines))
