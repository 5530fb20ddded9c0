"""The paged table model the task, run and audit models are built on.

Rows arrive a page at a time (`canFetchMore`/`fetchMore`), each page read off the GUI
thread by `Background`. A model resets only when its *query* changes (search, sort,
filter); events update it by row: `update_rows` (dataChanged), `remove_keys`,
`insert_top`, and `refresh`, which re-reads the loaded window and applies the difference
as row inserts, removals and changes (a `SequenceMatcher` over row keys), so a selection
and the scroll position survive.

A model whose view is hidden is *inactive*: it only notes that it is stale and refreshes
when shown again, so a burst of engine events costs nothing for views nobody looks at.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from difflib import SequenceMatcher
from typing import Any, Generic, TypeVar

from app.gui.background import Background
from app.gui.qt import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)

R = TypeVar("R")
Q = TypeVar("Q")
Index = QModelIndex | QPersistentModelIndex

KEY_ROLE = Qt.ItemDataRole.UserRole + 1
ITEM_ROLE = Qt.ItemDataRole.UserRole + 2


class Throttle(QObject):
    """Calls `action` at most once per `interval_ms`, after the first `poke` in a quiet spell."""

    def __init__(self, interval_ms: int, action: Callable[[], None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(action)

    def poke(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def cancel(self) -> None:
        self._timer.stop()

    @property
    def pending(self) -> bool:
        """A call is due (poked, not yet made)."""
        return self._timer.isActive()


class PagedTableModel(QAbstractTableModel, Generic[R, Q]):
    """A table of rows of type R read page by page for a query Q.

    Subclasses give the columns, how to read (`read_page`, `read_count`, both called on a
    pool thread with an immutable query), a row's key, and how a cell shows.

    Signals:
        loaded(): a (re)load landed; `total` and the first page are known.
        total_changed(int): the number of rows the query matches changed.
    """

    loaded = Signal()
    total_changed = Signal(int)
    COLUMNS: tuple[str, ...] = ()

    def __init__(self, background: Background, page_size: int = 200,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.background = background
        self.page_size = page_size
        self.rows: list[R] = []
        self.total = 0
        self.ever_loaded = False
        self._generation = 0
        self._fetching = False
        self._refreshing = False
        self._refresh_again = False
        self._wanted = 0
        self._cuts = 0  # rows taken out of the loaded window: a page read before is not next
        self._active = True
        self._stale = False

    # -- what subclasses provide -----------------------------------------------------------

    def query(self) -> Q:
        raise NotImplementedError

    def read_page(self, query: Q, offset: int, limit: int) -> list[R]:
        raise NotImplementedError

    def read_count(self, query: Q) -> int:
        raise NotImplementedError

    def key(self, row: R) -> int:
        raise NotImplementedError

    def cell(self, row: R, column: int, role: int) -> Any:
        raise NotImplementedError

    # -- Qt model API ----------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(self.COLUMNS)):
            return self.COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        row = self.rows[index.row()]
        if role == KEY_ROLE:
            return self.key(row)
        if role == ITEM_ROLE:
            return row
        return self.cell(row, index.column(), role)

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and len(self.rows) < self.total

    def fetchMore(self, parent: Index) -> None:
        if parent.isValid() or self._fetching or len(self.rows) >= self.total:
            return
        self._fetching = True
        generation, query, offset = self._generation, self.query(), len(self.rows)
        cuts = self._cuts
        self.background.run(lambda: self.read_page(query, offset, self.page_size),
                            lambda page: self._on_page(generation, page, cuts),
                            self._on_failed, owner=self, title="Cannot read more rows")

    # -- loading ---------------------------------------------------------------------------

    def reload(self) -> None:
        """The query changed: read the count and the first page, then reset the model."""
        self._generation += 1
        self._fetching = False
        generation, query = self._generation, self.query()
        want = max(self.page_size, min(self._wanted, 10 * self.page_size))

        def work() -> tuple[int, list[R]]:
            return self.read_count(query), self.read_page(query, 0, want)

        self.background.run(work, lambda result: self._on_reload(generation, result),
                            self._on_failed, owner=self, title="Cannot read the list")

    def _on_reload(self, generation: int, result: tuple[int, list[R]]) -> None:
        if generation != self._generation:
            return
        total, page = result
        self.beginResetModel()
        self.rows = list(page)
        self.total = max(total, len(page))
        self._wanted = len(self.rows)
        self.endResetModel()
        self.ever_loaded = True
        self._stale = False
        self.loaded.emit()
        self.total_changed.emit(self.total)

    def _on_page(self, generation: int, page: list[R], cuts: int) -> None:
        self._fetching = False
        if generation != self._generation:
            return
        if cuts != self._cuts:  # rows went while it was read (newer ones pushed them out):
            self.fetchMore(QModelIndex())  # it follows no longer; read on from the end now
            return
        known = {self.key(r) for r in self.rows}
        fresh = [r for r in page if self.key(r) not in known]
        if len(page) < self.page_size:
            self._set_total(len(self.rows) + len(fresh))
        if fresh:
            first = len(self.rows)
            self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
            self.rows.extend(fresh)
            self.endInsertRows()
        self._wanted = len(self.rows)

    def _on_failed(self, error: BaseException) -> None:
        self._fetching = False
        self._refreshing = False
        self.background.report("Cannot read the list", error)

    # -- updating by row -------------------------------------------------------------------

    def set_active(self, active: bool) -> None:
        """Shown (active) models follow events; hidden ones refresh when shown again."""
        self._active = active
        if active and self._stale:
            self.refresh()

    @property
    def active(self) -> bool:
        return self._active

    def refresh(self) -> None:
        """Re-read the loaded window and apply the difference row by row."""
        if not self._active:
            self._stale = True
            return
        if not self.ever_loaded:
            return
        if self._refreshing:
            self._refresh_again = True
            return
        self._refreshing = True
        self._stale = False
        generation, query = self._generation, self.query()
        window = max(self.page_size, self._wanted)

        def work() -> tuple[int, list[R]]:
            return self.read_count(query), self.read_page(query, 0, window)

        self.background.run(work, lambda result: self._on_refreshed(generation, result),
                            self._on_failed, owner=self, title="Cannot refresh the list")

    def _on_refreshed(self, generation: int, result: tuple[int, list[R]]) -> None:
        self._refreshing = False
        if generation == self._generation:
            total, rows = result
            self.apply_snapshot(rows, total)
        if self._refresh_again:
            self._refresh_again = False
            self.refresh()

    def apply_snapshot(self, new_rows: Sequence[R], total: int) -> None:
        """Make the loaded rows equal `new_rows` with inserts, removals and dataChanged."""
        self.total = max(total, len(new_rows))
        old_keys = [self.key(r) for r in self.rows]
        new_keys = [self.key(r) for r in new_rows]
        matcher = SequenceMatcher(None, old_keys, new_keys, autojunk=False)
        for tag, i1, i2, j1, j2 in reversed(matcher.get_opcodes()):
            if tag == "equal":
                self._replace_range(i1, new_rows[j1:j2])
                continue
            if tag in ("delete", "replace"):
                self._cuts += 1
                self.beginRemoveRows(QModelIndex(), i1, i2 - 1)
                del self.rows[i1:i2]
                self.endRemoveRows()
            if tag in ("insert", "replace"):
                self.beginInsertRows(QModelIndex(), i1, i1 + (j2 - j1) - 1)
                self.rows[i1:i1] = new_rows[j1:j2]
                self.endInsertRows()
        self._set_total(max(total, len(self.rows)))

    def _replace_range(self, start: int, fresh: Sequence[R]) -> None:
        changed: list[int] = []
        for offset, row in enumerate(fresh):
            if self.rows[start + offset] != row:
                self.rows[start + offset] = row
                changed.append(start + offset)
        self._emit_changed(changed)

    def _emit_changed(self, rows: Iterable[int]) -> None:
        last_col = len(self.COLUMNS) - 1
        run_start: int | None = None
        prev = -2
        for row in [*sorted(rows), -1]:
            if row != prev + 1 and run_start is not None:
                self.dataChanged.emit(self.index(run_start, 0), self.index(prev, last_col))
                run_start = None
            if row >= 0 and run_start is None:
                run_start = row
            prev = row

    def update_rows(self, fresh: Iterable[R]) -> None:
        """Replace loaded rows that have the same key; others are ignored."""
        where = {self.key(r): i for i, r in enumerate(self.rows)}
        changed: list[int] = []
        for row in fresh:
            i = where.get(self.key(row))
            if i is not None and self.rows[i] != row:
                self.rows[i] = row
                changed.append(i)
        self._emit_changed(changed)

    def remove_keys(self, keys: Iterable[int]) -> None:
        gone = set(keys)
        for i in range(len(self.rows) - 1, -1, -1):
            if self.key(self.rows[i]) in gone:
                self._cuts += 1
                self.beginRemoveRows(QModelIndex(), i, i)
                self.total = max(0, self.total - 1)
                del self.rows[i]
                self.endRemoveRows()
        self.total_changed.emit(self.total)

    def insert_top(self, fresh: Sequence[R], total: int | None = None) -> None:
        """Put new rows first (newest-first lists), keeping the window the user loaded."""
        known = {self.key(r) for r in self.rows}
        fresh = [r for r in fresh if self.key(r) not in known]
        self.total = max(total if total is not None else self.total + len(fresh),
                         len(self.rows) + len(fresh))
        if fresh:
            self.beginInsertRows(QModelIndex(), 0, len(fresh) - 1)
            self.rows[0:0] = fresh
            self.endInsertRows()
        keep = self.kept()
        if len(self.rows) > keep:
            self._cuts += 1
            self.beginRemoveRows(QModelIndex(), keep, len(self.rows) - 1)
            del self.rows[keep:]
            self.endRemoveRows()
        self.total_changed.emit(self.total)

    def kept(self) -> int:
        """How many rows the window keeps as newer ones are put first (`insert_top`)."""
        return max(self._wanted, self.page_size)

    def _set_total(self, total: int) -> None:
        if total != self.total:
            self.total = total
        self.total_changed.emit(total)

    def row_of(self, key: int) -> int:
        for i, row in enumerate(self.rows):
            if self.key(row) == key:
                return i
        return -1

    def keys(self) -> set[int]:
        return {self.key(r) for r in self.rows}
