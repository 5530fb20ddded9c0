"""The import preview's table: one row per task a crontab or unit folder would create (the
columns of `tickwork import --dry-run`), those the import would refuse marked: tinted, the
failure icon in From, their Notes saying why ("Would be refused: line 7: SHELL: …").

A model read once per preview, not a QTableWidget: 10,000 jobs made 60,000 items on the GUI
thread, which stalled the window 0.25 s (0.6 s with every row marked); the model answers for
the rows in sight, and the preview's columns fit its first rows (0.01 s in all).
"""

from __future__ import annotations

from app.core.import_plan import PREVIEW_HEADERS
from app.gui.qt import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QWidget
from app.gui.widgets.display import row_tint, status_icon

Index = QModelIndex | QPersistentModelIndex
Row = tuple[str, ...]


class PreviewRows(QAbstractTableModel):
    """The rows of one preview; `refusals` holds, per row, why the import would refuse it
    (None: it would be created)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[Row] = []
        self.refusals: list[str | None] = []

    def show(self, rows: list[Row], refusals: list[str | None]) -> None:
        """A new preview (or none: empty lists) in place of the last."""
        self.beginResetModel()
        self.rows, self.refusals = rows, refusals
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(PREVIEW_HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return PREVIEW_HEADERS[section].capitalize()
        return None

    def text(self, row: int, column: int) -> str:
        """A cell as shown: a refused task's Notes say why first."""
        value, refusal = self.rows[row][column], self.refusals[row]
        if refusal is None or column != len(PREVIEW_HEADERS) - 1:
            return value
        return refusal + ("" if value == "-" else f"; {value}")

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row, column = index.row(), index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.text(row, column)
        if self.refusals[row] is None:
            return None
        if role == Qt.ItemDataRole.BackgroundRole:
            return row_tint("failed")
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            return status_icon("failed")
        return None
