"""The Audit view: every change, who made it and what it was, with a Verify button.

Verify walks the hash chain off the GUI thread and says whether the trail is intact, or
names the first event that was altered, removed or reordered.
"""

from __future__ import annotations

import json

from app.gui import display
from app.gui.audit_model import AuditTableModel
from app.gui.background import Background
from app.gui.paging import ITEM_ROLE
from app.gui.qt import (
    QAbstractItemView,
    QComboBox,
    QFontDatabase,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPalette,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    Qt,
    QTableView,
    QTimer,
    QVBoxLayout,
    QWidget,
)
from app.gui.reads import AuditItem, AuditQuery
from app.service import Service
from app.store.audit import AuditReport

ACTORS = (("", "Anyone"), ("gui", "The window (gui)"), ("cli", "Command line (cli)"),
          ("engine", "The engine"))


class AuditView(QWidget):
    def __init__(self, model: AuditTableModel, service: Service, background: Background,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AuditView")
        self.model = model
        self.service = service
        self.background = background
        self.search = QLineEdit()
        self.search.setPlaceholderText("Filter by action or target…")
        self.search.setClearButtonEnabled(True)
        self.actor = QComboBox()
        for key, label in ACTORS:
            self.actor.addItem(label, key)
        self.verify_button = QPushButton("&Verify trail")
        self.verify_button.setToolTip("Check the hash chain: detects edited, deleted or "
                                      "reordered events")
        self.result = QLabel()
        self.result.setObjectName("AuditVerifyResult")
        self.result.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.search, 2)
        top.addWidget(self.actor, 1)
        top.addWidget(self.verify_button)
        self.table = QTableView()
        self.table.setObjectName("AuditTable")
        self.table.setModel(model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 10)
        for column, width in enumerate((150, 70, 150, 220)):
            self.table.setColumnWidth(column, width)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        self.detail.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.detail.setPlaceholderText("Select an event to see what changed.")
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

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(200)
        self._search_timer.timeout.connect(self._apply_filters)
        self.search.textChanged.connect(self._search_timer.start)
        self.actor.currentIndexChanged.connect(self._apply_filters)
        self.verify_button.clicked.connect(self.verify)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row_changed)

    def _apply_filters(self) -> None:
        self.model.set_query(AuditQuery(self.search.text().strip(),
                                        self.actor.currentData() or None))

    def verify(self) -> None:
        self.verify_button.setEnabled(False)
        self._say("Verifying…", None)
        self.background.run(self.service.verify_audit, self._on_verified, self._on_failed,
                            owner=self, title="Cannot verify the audit trail")

    def _on_verified(self, report: AuditReport) -> None:
        self.verify_button.setEnabled(True)
        if report.ok:
            self._say(f"✓ The audit trail is intact: {report.events:,} events, every hash "
                      "matches." + (f" ({report.note})" if report.note else ""), "succeeded")
        else:
            self._say(f"✕ The audit trail was tampered with: {report.problem} "
                      f"({report.events:,} events checked before it).", "failed")

    def _on_failed(self, error: BaseException) -> None:
        self.verify_button.setEnabled(True)
        self._say(f"✕ Could not verify: {error}", "failed")

    def _say(self, text: str, status: str | None) -> None:
        palette = self.result.palette()
        colour = (display.status_colour(status) if status
                  else self.palette().color(QPalette.ColorRole.WindowText))
        palette.setColor(QPalette.ColorRole.WindowText, colour)
        self.result.setPalette(palette)
        self.result.setText(text)
        self.result.show()

    def _on_current_row_changed(self) -> None:
        row = self.table.currentIndex().row()
        item = self.model.data(self.model.index(row, 0), ITEM_ROLE) if row >= 0 else None
        if not isinstance(item, AuditItem):
            self.detail.clear()
            return
        lines = [f"{display.full_time(item.at)} · {item.actor} · {item.action}",
                 f"Target: {item.target or '—'}", f"Hash:   {item.hash}", ""]
        for label, value in (("Before", item.before), ("After", item.after)):
            if value is not None:
                lines.append(f"{label}:")
                lines.append(json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True))
        self.detail.setPlainText("\n".join(lines))
