"""The Tasks view: a search box over the task table, and a clear empty state.

The table shows `TaskTableModel`; sorting happens in the store (click a header), the search
filters by name, tag, command or description as you type (debounced). A first start shows
"Create your first task" instead of an empty grid; a search with no match says so and
offers to clear it.

Signals:
    activated(int): a task was double-clicked or Enter was pressed on it (edit it).
    selection_changed(): the selected tasks changed.
    context_menu_requested(QPoint): right-click on the table (global position).
"""

from __future__ import annotations

from app.core.task import Task
from app.gui.qt import (
    QAbstractItemView,
    QAction,
    QEvent,
    QHBoxLayout,
    QHeaderView,
    QItemSelectionModel,
    QKeyEvent,
    QLabel,
    QLineEdit,
    QModelIndex,
    QObject,
    QPoint,
    QPushButton,
    QSettings,
    QStackedWidget,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from app.gui.session import Session
from app.gui.tasks.model import (
    ENABLED,
    LAST_RUN,
    NAME,
    NEXT_RUN,
    PRIORITY,
    SCHEDULE,
    TaskItem,
    TaskTableModel,
)
from app.gui.widgets import display
from app.gui.widgets.columns import Column, ColumnFitter
from app.gui.widgets.paging import ITEM_ROLE
from app.gui.widgets.tables import HeaderSort, KeptSelection, row_table
from app.gui.widgets.typing import TypingPause

SEARCH_MS = 200
# (column, minimum, preferred width); the order says what stays longest as the window narrows.
# The first four's minimums fit beside the notifications panel at 800 px, a scroll bar too
COLUMNS = [Column(NAME, 120, 220), Column(SCHEDULE, 120, 300), Column(NEXT_RUN, 118, 160),
           Column(LAST_RUN, 120, 230), Column(PRIORITY, 60, 70), Column(ENABLED, 76, 100)]
PRIORITY_ORDER = [NAME, NEXT_RUN, LAST_RUN, ENABLED, SCHEDULE, PRIORITY]


class EmptyState(QWidget):
    """A message in the middle of a view, with one action button."""

    def __init__(self, title: str, text: str, button: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        self.title = QLabel(title)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text = QLabel(text)
        self.text.setWordWrap(True)
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text.setMinimumWidth(440)
        self.text.setMaximumWidth(560)
        self.button = QPushButton(button)
        self.button.setDefault(True)
        layout.addWidget(self.title)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.text)
        row.addStretch(1)
        layout.addLayout(row)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.button)
        row.addStretch(1)
        layout.addSpacing(12)
        layout.addLayout(row)
        layout.addStretch(2)


class TasksView(QWidget):
    activated = Signal(int)
    selection_changed = Signal()
    context_menu_requested = Signal(QPoint)

    def __init__(self, model: TaskTableModel, new_task: QAction,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("TasksView")
        self.model = model
        self._select_when_seen: tuple[int, bool] | None = None  # (task, focus it)
        model.rowsInserted.connect(self._on_model_rows_inserted)
        model.modelReset.connect(self._on_model_rows_inserted)  # (a reload: the first task)
        model.rowsAboutToBeRemoved.connect(self._on_model_rows_about_to_be_removed)
        model.rowsRemoved.connect(self._on_model_rows_removed)
        self._selection_going = False
        self.search = QLineEdit()
        self.search.setObjectName("TaskSearch")
        self.search.setPlaceholderText("Search tasks by name, tag or command…")
        self.search.setClearButtonEnabled(True)
        self.count = QLabel()
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.count)

        self.table = row_table(model, "TaskTable", several=True)
        self.setFocusProxy(self.table)  # Ctrl+1 … puts the keyboard here
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        # narrow windows shrink the columns (text elides), then hide the least important
        self.columns = ColumnFitter(self.table, COLUMNS, PRIORITY_ORDER, stretch=SCHEDULE)
        self.sorting = HeaderSort(self.table, model, "tasks")  # in the store (not Last run)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._on_table_context_menu_requested)
        self.table.doubleClicked.connect(self._on_table_double_clicked)
        self.table.selectionModel().selectionChanged.connect(self.selection_changed)
        # a search keeps the selected tasks it still lists, and drops those it hides
        KeptSelection(self.table, model).changed.connect(self.selection_changed)
        self.table.installEventFilter(self)
        self.search.installEventFilter(self)
        self._select_on_reset = False  # Down from a search not read yet: select once it is
        model.modelReset.connect(self._on_model_reset)

        self.empty = EmptyState(
            "No tasks yet",
            "A task runs a command or a Python function on a schedule — every night at 2, "
            "every 15 minutes, or once at a time you pick — and Tickwork records every run.",
            "Create your first task")
        self.empty.button.clicked.connect(new_task.trigger)
        self.no_match = EmptyState("No matching tasks", "", "Clear search")
        self.no_match.button.clicked.connect(self.search.clear)
        self.loading = EmptyState("Loading tasks…", "", "")
        self.loading.button.hide()
        self.stack = QStackedWidget()
        for widget in (self.loading, self.table, self.empty, self.no_match):
            self.stack.addWidget(widget)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.stack, 1)

        self._typed = TypingPause(self.search, SEARCH_MS, self._on_search_timeout)
        for signal in (model.loaded, model.total_changed, model.modelReset):
            signal.connect(self._update_state)
        self._update_state()

    def connect_bridge(self, session: Session) -> None:
        """Follow the engine and the store: the table updates its rows from their events."""
        bridge, model = session.bridge, self.model
        bridge.tasks_changed.connect(model.on_tasks_changed)
        bridge.service_changed.connect(model.on_service_change)
        bridge.runs_changed.connect(model.on_runs_changed)
        session.outside_change.connect(model.on_store_changed)

    def set_current(self, current: bool) -> None:
        """The window shows this view (or another): follow events live only while shown."""
        self.model.set_active(current)

    # -- state -----------------------------------------------------------------------------

    def _update_state(self) -> None:
        model = self.model
        if not model.ever_loaded:
            self.stack.setCurrentWidget(self.loading)
        elif model.total == 0 and not model.query().search:
            self.stack.setCurrentWidget(self.empty)
        elif model.total == 0:
            self.no_match.text.setText(f"No task matches “{model.query().search}”.")
            self.stack.setCurrentWidget(self.no_match)
        else:
            self.stack.setCurrentWidget(self.table)
        shown = display.plural(model.total, "task")
        self.count.setText(shown + (" found" if model.query().search else ""))

    def _on_search_timeout(self) -> None:
        self.model.set_search(self.search.text())

    # -- selection -------------------------------------------------------------------------

    def selected_items(self) -> list[TaskItem]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        items = [self.model.data(self.model.index(r, 0), ITEM_ROLE) for r in rows]
        return [i for i in items if isinstance(i, TaskItem)]

    def picked_tasks(self) -> list[tuple[int, Task | None]]:
        """The selected tasks, for the task actions."""
        return [(item.id, item.task) for item in self.selected_items()]

    def unlisted(self) -> int:
        """How many tasks the list's search matches past the rows read so far when every row
        read is selected (Ctrl+A selects the 200 listed, not all 100,000): the actions say so;
        0 otherwise."""
        rows = self.model.rowCount()
        if rows and len(self.table.selectionModel().selectedRows()) == rows:
            return max(0, self.model.total - rows)
        return 0

    def current_item(self) -> TaskItem | None:
        """The task Enter opens: the current row if it is selected, else the first selected
        (never a row only the focus box is on, which Edit would not open either)."""
        index = self.table.currentIndex()
        if not index.isValid() or not self.table.selectionModel().isRowSelected(index.row()):
            items = self.selected_items()
            return items[0] if items else None
        item = self.model.data(self.model.index(index.row(), 0), ITEM_ROLE)
        return item if isinstance(item, TaskItem) else None

    def select_task(self, task_id: int, wait: bool = False, focus: bool = False) -> bool:
        """Select a task (the current row too) if it is loaded; with `wait`, when it
        arrives; with `focus`, the keyboard goes to the table (after the editor saved it)."""
        row = self.model.row_of(task_id)
        if row < 0:
            if wait:
                self._select_when_seen = (task_id, focus)
            return False
        if self._select_when_seen is not None and self._select_when_seen[0] == task_id:
            self._select_when_seen = None
        self._select_row(row)
        self.table.scrollTo(self.model.index(row, 0))
        if focus:
            self._update_state()  # (the first task: the table replaces the empty state now)
            self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        return True

    def _on_model_rows_about_to_be_removed(self, _parent: QModelIndex, first: int,
                                           last: int) -> None:
        selection = self.table.selectionModel()
        self._selection_going = any(selection.isRowSelected(r) for r in range(first, last + 1))

    def _on_model_rows_removed(self, _parent: QModelIndex, first: int, _last: int) -> None:
        """The selected task went (deleted): the row now in its place is selected, so Edit,
        Enter and the toolbar go on with one task, not with none or a row only the focus
        box is on."""
        going, self._selection_going = self._selection_going, False
        rows = self.model.rowCount()
        if going and rows and not self.table.selectionModel().hasSelection():
            self._select_row(min(first, rows - 1))

    def _select_row(self, row: int) -> None:
        """That row alone selected, and current (what Enter opens is what Edit opens)."""
        self.table.selectionModel().setCurrentIndex(
            self.model.index(row, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows)

    def _on_model_rows_inserted(self) -> None:
        if self._select_when_seen is not None:
            task_id, focus = self._select_when_seen
            self.select_task(task_id, focus=focus)

    def _on_table_double_clicked(self, index: QModelIndex) -> None:
        item = self.model.data(self.model.index(index.row(), 0), ITEM_ROLE)
        if isinstance(item, TaskItem):
            self.activated.emit(item.id)

    def _on_table_context_menu_requested(self, pos: QPoint) -> None:
        index = self.table.indexAt(pos)
        if index.isValid() and not self.table.selectionModel().isRowSelected(index.row()):
            self.table.selectRow(index.row())
        self.context_menu_requested.emit(self.table.viewport().mapToGlobal(pos))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress:
            return super().eventFilter(watched, event)
        key = getattr(event, "key", lambda: None)()
        if watched is self.table and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            item = self.current_item()
            if item is not None:
                self.activated.emit(item.id)
            return True
        if watched is self.search and key == Qt.Key.Key_Down:
            self._to_table()
            return True
        if (watched is self.table and key in (Qt.Key.Key_Home, Qt.Key.Key_End)
                and isinstance(event, QKeyEvent) and not event.modifiers()
                & ~(Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.KeypadModifier)):
            self._to_end(key == Qt.Key.Key_Home)
            return True
        return super().eventFilter(watched, event)

    def _to_end(self, first: bool) -> None:
        """Home / End (with Ctrl too): the first or last row listed, current and selected.
        Qt's Home went to the row's first cell (nothing moved) and Ctrl+Home moved only the
        focus outline, so Delete then acted on the row still selected, not the one outlined."""
        rows = self.model.rowCount()
        if not rows:
            return
        current = self.table.currentIndex()
        index = self.model.index(0 if first else rows - 1, max(current.column(), 0))
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows)
        self.table.scrollTo(index)

    def _to_table(self) -> None:
        """Down from the search: the keyboard goes to the list with a row selected (the
        current one, else the first), so Enter, F5 and the menus act on it at once (focus
        moved there with nothing selected: F5 did nothing, unsaid)."""
        self._select_on_reset = self.search.text().strip() != self.model.query().search
        self._typed.flush()  # what is typed is the list Down goes into: once it is read
        if self._select_on_reset or self.model.rowCount():
            self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        if not self._select_on_reset:
            self._select_current()

    def _select_current(self) -> None:
        if self.model.rowCount() and not self.table.selectionModel().hasSelection():
            index = self.table.currentIndex()
            self.table.selectRow(index.row() if index.isValid() else 0)

    def _on_model_reset(self) -> None:
        if not self._select_on_reset:
            return
        self._select_on_reset = False
        if not self.table.hasFocus():
            return
        if self.model.rowCount():
            self._select_current()
        else:
            self.search.setFocus()  # nothing found: the typing goes on where it was

    def save_state(self, store: QSettings) -> None:
        """Keep the columns' order, widths and sort for the next start."""
        store.setValue("tasks/header", self.table.horizontalHeader().saveState())
        store.setValue("tasks/widths", self.columns.kept())
        self.sorting.save(store)

    def restore_state(self, store: QSettings) -> None:
        state = store.value("tasks/header")
        if state is not None:
            header = self.table.horizontalHeader()
            header.restoreState(state)
            header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        # fitted (a state saved on a wider screen must not hide columns here) from the
        # widths the person chose
        self.columns.keep(str(store.value("tasks/widths", "") or ""))
        self.sorting.restore(store)

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()
