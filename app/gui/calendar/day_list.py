"""The list of everything on one day, for a day too busy to draw: runs and predictions
in time order, searchable by task name; opened from a block of the time grid (an hour's, a
cluster's), at the block's time: its first row selected, at the top. Opening a row opens its
run or its task; the row selected is the calendar's selection (the task actions, and Del,
act on its task, as on an entry picked in the grid). Read again (`read`) after a change, it
keeps its row, or the next one once that is gone.

Signals (DayListDialog):
    entry_activated(Entry): a row was double-clicked (or Enter pressed on it).
    entry_picked(Entry): another row was selected.
"""

from __future__ import annotations

from datetime import date, datetime

from app.gui.background import Background
from app.gui.calendar.boxes import entry_colour
from app.gui.calendar.data import DayEntries, Entry, read_day
from app.gui.calendar.words import entry_key, kind_words
from app.gui.qt import (
    QAbstractItemView,
    QAbstractTableModel,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
    Signal,
)
from app.gui.widgets import display
from app.gui.widgets.display import clock
from app.service import Service

COLUMNS = ("Time", "Task", "What", "Duration", "Note")
WIDTHS = (64, 220, 170, 90)  # px, at most (as its words need, once read); the note the rest
NOTE_PX = 340  # a chain's or catch-up's note whole (in 130 px “after Fetch succeeded” wrapped)
Index = QModelIndex | QPersistentModelIndex


class DayListModel(QAbstractTableModel):
    """Entries of one day (a fixed list, read once)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entries: list[Entry] = []

    def set_entries(self, entries: list[Entry]) -> None:
        self.beginResetModel()
        self.entries = entries
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self.entries):
            return None
        e = self.entries[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return clock(e.start)
            if col == 1:
                return e.task_name
            if col == 2:
                return (kind_words(e) if e.predicted
                        else f"run {e.run_id} {display.status_words(e.status)}")
            if col == 3:  # a prediction with no history to go by: nothing (it read “≈ —”)
                if e.predicted:
                    return f"≈ {display.duration(e.duration_s)}" if e.duration_s else ""
                return display.duration(e.duration_s)
            return e.reason or ""
        if role == Qt.ItemDataRole.ForegroundRole and col == 2:
            return entry_colour(e, display.dark_mode())
        if role == Qt.ItemDataRole.DecorationRole and col == 2 and not e.predicted:
            return display.status_icon(e.status)
        if role == Qt.ItemDataRole.ToolTipRole:  # a note too long for its column, whole
            note = f"\n{e.reason}" if col == 4 and e.reason else ""
            return display.full_time(e.start) + note
        if role == Qt.ItemDataRole.UserRole:
            return e
        return None


class DayListDialog(QDialog):
    entry_activated = Signal(object)
    entry_picked = Signal(object)

    def __init__(self, service: Service, background: Background, day: date,
                 task_ids: set[int] | None, parent: QWidget | None = None,
                 now: datetime | None = None) -> None:
        super().__init__(parent)
        self.at = day if isinstance(day, datetime) else None  # a block's time: open there
        day = self.at.astimezone().date() if self.at is not None else day
        self.setObjectName("CalendarDayList")
        self.setWindowTitle(f"{day:%A} {day.day} {day:%B %Y}")
        wide = sum(WIDTHS) + NOTE_PX + 60  # the table's frame, scroll bar and margins
        screen = (parent or self).screen().availableGeometry().width()
        self.resize(min(wide, screen - 40), 520)
        self.day = day
        self._read_day = lambda: read_day(service, day, now or datetime.now().astimezone(),
                                          task_ids)  # the calendar's clock, as it reads
        self._background = background
        # read again: the selected row's key and the keys of the rows after it, in order
        self._kept: list[tuple[object, ...]] = []
        self.model = DayListModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterKeyColumn(1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.heading = QLabel("Reading the day…")
        self.heading.setWordWrap(True)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Filter by task name")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.setFilterFixedString)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setWordWrap(False)  # a row is one line: a long name or note ends in “…”
        for col, width in enumerate(WIDTHS):
            self.table.setColumnWidth(col, width)
        self.table.doubleClicked.connect(self._on_table_double_clicked)
        self.table.activated.connect(self._on_table_double_clicked)
        self.table.selectionModel().currentRowChanged.connect(self._on_table_row_changed)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.search)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.read()

    def read(self) -> None:
        """Read the day (again: its row kept, or the next once it is gone)."""
        current = self.table.currentIndex()
        at = self.proxy.mapToSource(current).row() if current.isValid() else -1
        self._kept = [entry_key(e) for e in self.model.entries[at:]] if at >= 0 else []
        self._background.run(self._read_day, self._on_read, owner=self,
                             title="Cannot read the day")

    def _on_read(self, result: DayEntries) -> None:
        self._quiet = True  # its row put back is no new pick (the next one, once it is gone)
        self.model.set_entries(result.entries)
        for col, most in enumerate(WIDTHS):  # room left for the notes
            self.table.resizeColumnToContents(col)
            self.table.setColumnWidth(col, min(most, self.table.columnWidth(col) + 12))
        past = sum(result.day.past.values())
        future = sum(result.day.future.values())
        parts = ([f"{past:,} run{'s' if past != 1 else ''}"] if past else []) + (
            [f"{future:,} planned"] if future else [])  # (as the grids say it)
        text = " and ".join(parts) or "Nothing on this day"
        if len(result.entries) < result.day.total or not result.complete:
            text += (f" — listing the first {len(result.entries):,} (filter tasks in the "
                     "calendar to see the rest)")
        self.heading.setText(text + ". Double-click a row to open it.")
        kept, at = self._kept, self.at
        if kept:  # read again: the same row, or the next one still there
            rows = {entry_key(e): i for i, e in enumerate(result.entries)}
            row = next((rows[k] for k in kept if k in rows), None)
        else:
            row = next((i for i, e in enumerate(result.entries) if e.start >= at), None) if (
                at is not None) else None
        if row is not None:
            index = self.proxy.mapFromSource(self.model.index(row, 0))
            self.table.setCurrentIndex(index)
            self.table.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible if kept
                                else QAbstractItemView.ScrollHint.PositionAtTop)
        self._quiet = False
        if kept and row is not None and entry_key(result.entries[row]) != kept[0]:
            self.entry_picked.emit(result.entries[row])

    _quiet = False

    def _on_table_row_changed(self, index: QModelIndex) -> None:
        entry = self.proxy.data(index, Qt.ItemDataRole.UserRole)
        if isinstance(entry, Entry) and not self._quiet:
            self.entry_picked.emit(entry)

    def _on_table_double_clicked(self, index: QModelIndex) -> None:
        entry = self.proxy.data(index, Qt.ItemDataRole.UserRole)
        if isinstance(entry, Entry):
            self.entry_activated.emit(entry)
