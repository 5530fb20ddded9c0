"""The in-window notification list, and where each notification goes.

Every notification (a failure, or a success a task asked for) is kept in the list, with
Open log and Retry now; where a system tray exists it also pops up on the desktop through
the tray (clicking it opens the run). Where none exists (some desktops, offscreen) the
window says so once and the list, with the bell's unread count, is where they appear. A
fallback's sequel ("X failed; its fallback “Y” succeeded") takes the place of its failure's
entry: the two side by side contradicted each other.

Signals:
    open_run_requested(int): show this run (and its log).
    retry_requested(int): run this task now.
    unread_changed(int): how many notifications were not looked at yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from app.engine.events import Notification
from app.gui.qt import (
    QEvent,
    QGridLayout,
    QIcon,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from app.gui.widgets import display

MAX_ITEMS = 500
UNREAD = Qt.ItemDataRole.UserRole + 1  # an entry's role: not looked at yet
# the icon of each kind: a failure its fallback made good is a warning (amber "!"), not a
# success's green ✓
STATUS_OF_KIND = {"failure": "failed", "success": "succeeded", "rescued": "warning",
                  "info": "scheduled"}


@dataclass(frozen=True)
class Entry:
    note: Notification
    at: datetime


def _icon(note: Notification) -> QIcon:
    return display.status_icon(STATUS_OF_KIND.get(note.kind, "scheduled"))


class NotificationList(QWidget):
    open_run_requested = Signal(int)
    retry_requested = Signal(int)
    unread_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("NotificationList")
        self.unread = 0
        self.list = QListWidget()
        self.list.setAccessibleName("Notifications")
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        self.empty = QLabel("No notifications yet. Failures (and successes a task asks for) "
                            "appear here.")
        self.empty.setWordWrap(True)
        self.open_button = QPushButton("Open &log")
        self.retry_button = QPushButton("Retry &now")
        self.clear_button = QPushButton("C&lear")
        for button in (self.open_button, self.retry_button):
            button.setEnabled(False)
        # two rows, so the panel stays narrow enough for an 800-pixel window
        buttons = QGridLayout()
        buttons.addWidget(self.open_button, 0, 0)
        buttons.addWidget(self.retry_button, 0, 1)
        buttons.addWidget(self.clear_button, 1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self.list.currentItemChanged.connect(self._on_current_item_changed)
        self.list.itemActivated.connect(self._on_item_activated)
        self.open_button.clicked.connect(self._on_open_clicked)
        self.retry_button.clicked.connect(self._on_retry_clicked)
        self.clear_button.clicked.connect(self.clear)
        self._update_empty()

    def add(self, note: Notification, unread: bool = True, now: datetime | None = None) -> None:
        """`note` at the top; a fallback's sequel ("X failed; its fallback “Y” succeeded")
        takes the place of its failure's entry ("X failed"), which it says again and which
        would contradict it beside it: the bell counts one."""
        was_current = self._take_replaced(note)
        entry = Entry(note, now or datetime.now(UTC))
        at = display.when(entry.at, seconds=True)
        said = f"{note.title}\n{note.message}\n{at}"
        item = QListWidgetItem(display.wrappable(said))  # (no word wider than the panel)
        item.setData(Qt.ItemDataRole.AccessibleTextRole, said)
        item.setIcon(_icon(note))
        item.setData(Qt.ItemDataRole.UserRole, entry)
        item.setData(UNREAD, unread)
        # plain text, escaped: a tooltip reads "<i>x</i> failed" as markup
        item.setToolTip(display.tip(f"{note.title}\n{note.message}\n"
                                    f"{display.full_time(entry.at)}"))
        self.list.insertItem(0, item)
        if was_current:
            self.list.setCurrentItem(item)
        while self.list.count() > MAX_ITEMS:
            self.list.takeItem(self.list.count() - 1)
        self._count_unread()
        self._update_empty()

    def add_earlier(self, note: Notification, at: datetime) -> None:
        """A note of a run that ended before the window opened (app/gui/notifications/
        today.py), read, in its place by time; not if the run has an entry already (the
        engine told it meanwhile)."""
        if any(e.note.run_id == note.run_id for e in self.entries()):
            return
        self.add(note, unread=False, now=at)
        later = sum(1 for e in self.entries() if e.at > at)
        if later:  # (`add` puts it at the top)
            self.list.insertItem(later, self.list.takeItem(0))

    def _take_replaced(self, note: Notification) -> bool:
        """The entry `note` takes the place of (a failure its fallback's sequel follows, or
        the same note listed before), out of the list; whether it was the current one."""
        for i in range(self.list.count()):
            entry = self.list.item(i).data(Qt.ItemDataRole.UserRole)
            if not isinstance(entry, Entry):
                continue
            if (note.replaces is not None and entry.note.kind == "failure"
                    and entry.note.run_id == note.replaces
                    and entry.note.task_id == note.task_id) or (
                    # the same note again: one read at the start that the engine then told
                    note.run_id is not None and entry.note.run_id == note.run_id
                    and entry.note.kind == note.kind):
                was_current = self.list.currentRow() == i
                self.list.takeItem(i)
                return was_current
        return False

    def _count_unread(self) -> None:
        count = sum(1 for i in range(self.list.count()) if self.list.item(i).data(UNREAD))
        if count != self.unread:
            self.set_unread(count)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "list"):
            for i in range(self.list.count()):  # repainted in the new palette's shades
                item = self.list.item(i)
                entry = item.data(Qt.ItemDataRole.UserRole)
                if isinstance(entry, Entry):
                    item.setIcon(_icon(entry.note))

    def set_unread(self, count: int) -> None:
        self.unread = count
        self.unread_changed.emit(count)

    def mark_read(self) -> None:
        for i in range(self.list.count()):
            self.list.item(i).setData(UNREAD, False)
        if self.unread:
            self.set_unread(0)

    def clear(self) -> None:
        self.list.clear()
        self.mark_read()
        self._update_empty()

    def entries(self) -> list[Entry]:
        out = []
        for i in range(self.list.count()):
            entry = self.list.item(i).data(Qt.ItemDataRole.UserRole)
            if isinstance(entry, Entry):
                out.append(entry)
        return out

    def _update_empty(self) -> None:
        self.empty.setVisible(self.list.count() == 0)

    def _current(self) -> Entry | None:
        item = self.list.currentItem()
        entry = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return entry if isinstance(entry, Entry) else None

    def _on_current_item_changed(self) -> None:
        entry = self._current()
        self.open_button.setEnabled(entry is not None and entry.note.run_id is not None)
        self.retry_button.setEnabled(entry is not None and entry.note.task_id is not None)

    def _on_item_activated(self) -> None:
        self._on_open_clicked()

    def _on_open_clicked(self) -> None:
        entry = self._current()
        if entry is not None and entry.note.run_id is not None:
            self.open_run_requested.emit(entry.note.run_id)

    def _on_retry_clicked(self) -> None:
        entry = self._current()
        if entry is not None and entry.note.task_id is not None:
            self.retry_requested.emit(entry.note.task_id)
