"""The table every list view shows its rows in (tasks, runs, audit): whole rows selected,
alternating colours, no grid, no wrapping, no row numbers, rows one line of text high, a
sort arrow that points the way the order goes (`sort_arrow`); the selection they keep
through a reload of their rows; rows that stay still under the pointer while newer ones
arrive above them; and the order a header click chose, kept between starts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.gui.qt import (
    QAbstractItemView,
    QAbstractTableModel,
    QCursor,
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPoint,
    QPushButton,
    QSettings,
    Qt,
    QTableView,
    QToolTip,
    Signal,
)
from app.gui.widgets.paging import PagedTableModel
from app.gui.widgets.sort_arrow import SortHeader


def row_table(model: QAbstractTableModel, name: str, *, several: bool = False,
              newest_first: bool = False) -> QTableView:
    """A table over `model` named `name` (for style sheets and tests); `several` lets the
    person select more than one row; `newest_first`: rows arriving at the top do not move
    those under the pointer (`StillRows`)."""
    table = QTableView()
    table.setObjectName(name)
    table.setHorizontalHeader(SortHeader(table))  # its sort arrow ▲ ascending, ▼ descending
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection if several
                           else QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    table.setWordWrap(False)
    table.setTabKeyNavigation(False)  # Tab leaves the table; the arrows move in it
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 10)
    if newest_first:
        StillRows(table)
    return table


class StillRows(QObject):
    """Rows inserted at the top of a newest-first table push the others down: a run about to
    be clicked moved from under the pointer as retries arrived (seen under Xvfb). While the
    pointer is over the rows, or the person has scrolled down to older ones, the table
    scrolls by what arrived, so the rows in view stay where they are. At the top with the
    pointer elsewhere, newer rows show as they come.

    Held at the top only for the pointer, the newer rows are not left out of sight unsaid
    (a run-through under X: "13 runs" listed, run 12 at the top): a button says how many are
    above ("▲ 2 newer") and scrolls to them, and once the pointer leaves the rows (but for
    the button or the scroll bar) the table goes back to the top by itself — unless the
    person scrolled since. The button sits at the right end of the column titles, the edge
    the newer rows are beyond: over the rows it hid the top one (a run-through under X)."""

    def __init__(self, table: QTableView) -> None:
        super().__init__(table)
        self.table = table
        self._anchor: tuple[int, int] | None = None  # (first row in view, its y) before
        self._ours: int | None = None  # the scroll bar's value this held it at (at the top)
        self.newer = QPushButton(table.horizontalHeader())  # "▲ 2 newer": back to the top
        self.newer.setObjectName("NewerRows")
        self.newer.setCursor(Qt.CursorShape.PointingHandCursor)
        self.newer.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a click leaves the keys to the list
        self.newer.hide()
        self.newer.clicked.connect(self._to_top)
        model = table.model()
        model.rowsAboutToBeInserted.connect(self._before)
        model.rowsInserted.connect(self._after)
        model.modelReset.connect(self._let_go)
        table.verticalScrollBar().valueChanged.connect(self._on_scrolled)
        table.viewport().installEventFilter(self)
        table.horizontalHeader().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.Leave and self._ours is not None
                and watched is self.table.viewport()):
            # (onto the scroll bar: to scroll; onto the button: to click it; not gone)
            if not any(w.rect().contains(w.mapFromGlobal(QCursor.pos()))
                       for w in (self.table.verticalScrollBar(), self.newer)):
                self._to_top()  # the pointer went: nothing to keep still for it
        elif event.type() == QEvent.Type.Resize and self.newer.isVisible():
            self._place()
        return False

    def _held(self) -> bool:
        bar = self.table.verticalScrollBar()
        return self.table.viewport().underMouse() or bar.value() > 0

    def _before(self, _parent: QModelIndex, first: int, _last: int) -> None:
        top = self.table.rowAt(0)
        dragged = self.table.verticalScrollBar().isSliderDown()  # the person's scroll wins
        self._anchor = (None if first != 0 or top < 0 or dragged or not self._held()
                        else (top, self.table.rowViewportPosition(top)))

    def _after(self, _parent: QModelIndex, first: int, last: int) -> None:
        anchor, self._anchor = self._anchor, None
        if anchor is None:
            return
        table = self.table
        table.updateGeometries()  # the scroll bar's range, which Qt widens later otherwise
        bar = table.verticalScrollBar()
        at_top = bar.value() == 0 or bar.value() == self._ours
        added = last - first + 1
        if table.verticalScrollMode() == QAbstractItemView.ScrollMode.ScrollPerItem:
            bar.setValue(bar.value() + added)
        else:
            row, y = anchor
            bar.setValue(bar.value() + table.rowViewportPosition(row + added) - y)
        if at_top and bar.value() > 0:  # held for the pointer alone: say what is above
            self._ours = bar.value()
            self.newer.setText(f"▲ {max(table.rowAt(0), 0)} newer")  # the rows above
            self.newer.adjustSize()
            self._place()
            self.newer.show()
            self.newer.raise_()

    def _place(self) -> None:
        """At the right end of the column titles, as high as they are: over no row."""
        header = self.table.horizontalHeader()
        self.newer.setFixedHeight(header.height())
        self.newer.move(max(header.width() - self.newer.width() - 2, 0), 0)

    def _on_scrolled(self, value: int) -> None:
        if self._ours is not None and value != self._ours:
            self._let_go()  # the person scrolled (or the top was reached): theirs now

    def _to_top(self) -> None:
        self._let_go()
        self.table.verticalScrollBar().setValue(0)

    def _let_go(self) -> None:
        self._ours = None
        self.newer.hide()


class KeptSelection(QObject):
    """A paged table's selection through a reload of its model (a search, a filter, a sort):
    the rows still listed are selected again, the current one current again, and those the
    reload took away are no longer selected. Qt clears a selection on a model reset without
    saying so; `changed` says it, so what acts on the selection (the task actions, a detail
    pane) follows what the person sees and never a row that is gone.

    Signals:
        changed(): the model was reset; the selection is now the rows kept.
    """

    changed = Signal()

    def __init__(self, table: QTableView, model: PagedTableModel[Any, Any]) -> None:
        super().__init__(table)
        self.table = table
        self.model = model
        self._selected: list[int] = []
        self._current: int | None = None
        model.modelAboutToBeReset.connect(self._on_model_about_to_be_reset)
        model.modelReset.connect(self._on_model_reset)

    def _key_at(self, row: int) -> int | None:
        return self.model.key(self.model.rows[row]) if 0 <= row < len(self.model.rows) else None

    def _on_model_about_to_be_reset(self) -> None:
        selection = self.table.selectionModel()
        rows = sorted({index.row() for index in selection.selectedRows()})
        self._selected = [k for k in map(self._key_at, rows) if k is not None]
        self._current = self._key_at(selection.currentIndex().row())

    def _on_model_reset(self) -> None:
        selection = self.table.selectionModel()
        flags = QItemSelectionModel.SelectionFlag
        rows = [r for r in map(self.model.row_of, self._selected) if r >= 0]
        current = self.model.row_of(self._current) if self._current is not None else -1
        if current not in rows:  # only a selected row is made current again
            current = rows[0] if rows else -1
        if current >= 0:  # current first: a single-selection table selects it alone
            selection.setCurrentIndex(self.model.index(current, 0),
                                      flags.ClearAndSelect | flags.Rows)
            for row in rows:
                selection.select(self.model.index(row, 0), flags.Select | flags.Rows)
        self._selected, self._current = [], None
        self.changed.emit()


def store_sort(keys: Mapping[int, str], column: int,
               order: Qt.SortOrder) -> tuple[str, bool] | None:
    """The store's (sort key, descending) for a header's column and order; None: the store
    does not sort by that column."""
    key = keys.get(column)
    return None if key is None else (key, order == Qt.SortOrder.DescendingOrder)


def sort_indicator(keys: Mapping[int, str], sort: str, descending: bool,
                   default: int) -> tuple[int, Qt.SortOrder]:
    """The header's arrow for the store's sort key and direction."""
    column = next((c for c, k in keys.items() if k == sort), default)
    return column, Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder


class HeaderSort(QObject):
    """A header click sorts a paged table in its store (the model's `sort` reloads it by a
    new query; the loaded page is never sorted alone). A column the model does not sort by
    keeps the indicator where it was, so the arrow always says the order shown, and the
    click is answered at the pointer (“Cannot sort by “Attempt”: still sorted by “Run”.”):
    it seemed to do nothing."""

    def __init__(self, table: QTableView, model: Any, kept_as: str | None = None) -> None:
        super().__init__(table)
        self.table = table
        self.model = model  # a PagedTableModel with `sort` and `sort_column`
        self._key = f"sort/{kept_as}" if kept_as else None  # the order kept between starts
        header = table.horizontalHeader()
        header.setSortIndicator(*model.sort_column())
        table.setSortingEnabled(True)  # sorts by the indicator: the model's own order
        header.sortIndicatorChanged.connect(self._on_header_sort_indicator_changed)

    def _on_header_sort_indicator_changed(self, column: int, order: Qt.SortOrder) -> None:
        shown = self.model.sort_column()
        if shown != (column, order):  # not a column the store sorts by: put it back
            header = self.table.horizontalHeader()
            header.blockSignals(True)
            header.setSortIndicator(*shown)
            header.blockSignals(False)
            if column != shown[0]:
                title = self.model.headerData(column, Qt.Orientation.Horizontal)
                now = self.model.headerData(shown[0], Qt.Orientation.Horizontal)
                under = QPoint(header.sectionViewportPosition(column), header.height())
                QToolTip.showText(header.viewport().mapToGlobal(under), f"Cannot sort by "
                                  f"“{title}”: still sorted by “{now}”.", header)

    def save(self, store: QSettings) -> None:
        """Keep the order shown in `store` (the window's layout of its home)."""
        if self._key is not None:
            column, order = self.model.sort_column()
            store.setValue(self._key, f"{column} {order.value}")

    def restore(self, store: QSettings) -> None:
        """The order kept in `store`, if any and well formed (a column no longer sortable
        leaves the model's default)."""
        if self._key is None:
            return
        try:
            column, order = (int(part) for part in str(store.value(self._key, "")).split())
            self.model.sort(column, Qt.SortOrder(order))
        except ValueError:
            return  # nothing kept, or a hand-edited value
        self.table.horizontalHeader().setSortIndicator(*self.model.sort_column())
