"""The Schedule page's two lists: the task's schedules (one edited at a time with the page's
own widgets) and its exclusion dates (typed with a date picker, or read from an .ics file).

Signals are listed in each class's docstring. Neither list knows what a schedule means: the
page puts each one into words (`set_words`) and reads the JSON back.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from app.core.errors import ValidationError
from app.core.schedule import Exclusions, Schedule, describe, read_ics_file
from app.core.schedule.model import EXCLUDABLE
from app.gui.editor.schedule_choices import NOT_CHOSEN
from app.gui.qt import (
    QAbstractItemView,
    QDate,
    QDateTimeEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPalette,
    QPushButton,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from app.gui.widgets import file_choice
from app.gui.widgets.date_sections import typed_over
from app.gui.widgets.error_label import ErrorLabel, wrapping_policy


def schedule_words(entry: dict[str, Any] | None, tz_name: str) -> str:
    """One schedule of the list in words (or what is wrong with it)."""
    if entry is None:
        return NOT_CHOSEN.lower()
    try:
        return describe(Schedule.from_json(entry), tz_name)
    except ValidationError as exc:
        return f"({exc})"


def takes_exclusions(entries: list[dict[str, Any] | None]) -> bool:
    """Do these schedules, together, take dates to leave out? The core's own rule decides:
    a lone one-off date, @reboot, "after" or by-hand schedule takes none."""
    try:
        Schedule.combine([Schedule.from_json(e or {"kind": "manual"}) for e in entries],
                         Exclusions.parse(["2000-01-01"]))
    except ValidationError as exc:
        if exc.field == "exclude":
            return False
        # not valid yet (a cron expression half typed, no task named yet): by its kind
        return len(entries) > 1 or (entries[0] or {}).get("kind") in EXCLUDABLE
    return True


def _short_list(view: QListWidget, rows: int) -> None:
    view.setMaximumHeight(view.sizeHintForRow(0) * rows + 2 * view.frameWidth() + 4
                          if view.count() else 60)


class ScheduleList(QWidget):
    """The task's schedules in words; the page edits the selected one.

    With one schedule only "Add another schedule" shows, so a task with one schedule looks as
    it always did.

    Signals:
        picked(int): the person selected another schedule to edit.
        add_requested(): "Add another schedule" was pressed.
        remove_requested(): "Remove this schedule" was pressed.
    """

    picked = Signal(int)
    add_requested = Signal()
    remove_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.view = QListWidget()
        self.view.setAccessibleName("Schedules")
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        layout.addWidget(self.view)
        row = QHBoxLayout()
        self.add_button = QPushButton("Add another schedule")
        self.remove_button = QPushButton("Remove this schedule")
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.add_button.clicked.connect(self.add_requested)
        self.remove_button.clicked.connect(self.remove_requested)
        self.view.currentRowChanged.connect(self._on_view_row_changed)
        self._quiet = False
        self.set_words([""], 0)

    def set_words(self, words: list[str], current: int) -> None:
        """Show these schedules (in words) with `current` selected."""
        self._quiet = True
        try:
            while self.view.count() > len(words):
                self.view.takeItem(self.view.count() - 1)
            for i, text in enumerate(words):
                shown = f"{i + 1}. {text}"
                item = self.view.item(i)
                if item is None:
                    self.view.addItem(shown)
                elif item.text() != shown:
                    item.setText(shown)
            self.view.setCurrentRow(current)
        finally:
            self._quiet = False
        several = len(words) > 1
        self.view.setVisible(several)
        self.remove_button.setVisible(several)
        _short_list(self.view, min(len(words), 5))

    def _on_view_row_changed(self, row: int) -> None:
        if not self._quiet and row >= 0:  # after the view has handled the click that chose it
            QTimer.singleShot(0, self, lambda: self.picked.emit(row))


class ExclusionList(QWidget):
    """Dates on which the task does not fire: add one with the date picker, or import the
    all-day events of an .ics file; remove the selected ones. With none listed it says
    "None yet.": the date to add beside "Not on" read as a date already left out. The date
    offered is the task's today (`set_today`), on its clock, in its zone.

    Adding is switched off while the schedules take no exclusions (`for_schedules`): those
    it holds stay listed, to remove, and come back into force with schedules that take them.

    Signals:
        changed(): an exclusion was added or removed.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._entries: list[str] = []
        self.none = QLabel("None yet.")
        layout.addWidget(self.none)
        self.view = QListWidget()
        self.view.setAccessibleName("Not on these dates")
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        layout.addWidget(self.view)
        row = QHBoxLayout()
        self.date = typed_over(QDateTimeEdit())
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.setAccessibleName("Date to exclude")
        self.add_button = QPushButton("Add date")
        self.import_button = QPushButton("Import .ics…")
        self.remove_button = QPushButton("Remove")
        for widget in (self.date, self.add_button, self.import_button, self.remove_button):
            row.addWidget(widget)
        row.addStretch(1)
        layout.addLayout(row)
        self.error = ErrorLabel(field=self.date)
        layout.addWidget(self.error)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setSizePolicy(wrapping_policy())
        self.note.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.note.hide()
        layout.addWidget(self.note)
        self.file_dialog: QFileDialog | None = None
        self.add_button.clicked.connect(self._on_add_clicked)
        self.import_button.clicked.connect(self._on_import_clicked)
        self.remove_button.clicked.connect(self._on_remove_clicked)
        self.view.itemSelectionChanged.connect(self._on_selection_changed)
        self._show()

    def entries(self) -> list[str]:
        """The exclusions as stored (``2027-12-24``, ``R/2026-12-25/P1Y``)."""
        return list(self._entries)

    def set_entries(self, entries: list[str]) -> None:
        self._entries = Exclusions.parse(entries).to_json()
        self.note.hide()
        self.error.clear_error()
        self._show()

    def set_today(self, today: date) -> None:
        """Offer the task's today as the date to add."""
        self.date.setDate(QDate(today.year, today.month, today.day))

    def for_schedules(self, entries: list[dict[str, Any] | None]) -> bool:
        """Offer adding dates (date, Add date, Import .ics…) only if these schedules take
        them; whether the list should show (it does while it holds dates, to remove them)."""
        takes = takes_exclusions(entries)
        for widget in (self.date, self.add_button, self.import_button):
            widget.setEnabled(takes)
        return takes or bool(self._entries)

    def _merge(self, more: Exclusions) -> None:
        self._entries = Exclusions.parse(self._entries).merged(more).to_json()
        self._show()
        self.changed.emit()

    def _show(self) -> None:
        self.view.clear()
        for entry in self._entries:
            words = Exclusions.parse([entry]).words().removeprefix("not on ")
            self.view.addItem(words)
            item = self.view.item(self.view.count() - 1)
            item.setData(Qt.ItemDataRole.UserRole, entry)
        self.view.setVisible(bool(self._entries))
        self.none.setVisible(not self._entries)
        _short_list(self.view, min(max(len(self._entries), 1), 6))
        self._on_selection_changed()

    def _on_selection_changed(self) -> None:
        self.remove_button.setEnabled(bool(self.view.selectedItems()))

    def _on_add_clicked(self) -> None:
        picked = self.date.date()
        self.error.clear_error()
        self._merge(Exclusions((date(picked.year(), picked.month(), picked.day()),)))

    def _on_remove_clicked(self) -> None:
        gone = {item.data(Qt.ItemDataRole.UserRole) for item in self.view.selectedItems()}
        self._entries = [e for e in self._entries if e not in gone]
        self._show()
        self.changed.emit()

    def _on_import_clicked(self) -> None:
        """Choosing an .ics file imports it."""
        self.file_dialog = file_choice.choose(
            self, "Import exclusion dates from an iCalendar file", self.import_file,
            filters=["iCalendar files (*.ics)", file_choice.ANY_FILE], purpose="calendars")

    def import_file(self, path: str) -> None:
        """Add the all-day events of the .ics file at `path`; say what was not read and what
        was passed over as no day off."""
        self.error.clear_error()
        try:
            found = read_ics_file(path)
        except ValidationError as exc:
            self.error.show_error(exc.reason)
            self.note.hide()
            return
        name = path.replace("\\", "/").rsplit("/", 1)[-1]
        events = "1 all-day event" if found.events == 1 else f"{found.events} all-day events"
        said = f"Read {events} from {name}."
        if found.not_read:
            said += " Not read: " + "; ".join(found.not_read)
        if found.passed_over:
            said += " Passed over " + "; ".join(found.passed_over) + "."
        self.note.setText(said)
        self.note.show()
        self._merge(found.exclusions)
