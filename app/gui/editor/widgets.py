"""Input widgets the task editor is made of: durations, optional date-times, name lists,
and the inline error label that names what is wrong under the field it is about."""

from __future__ import annotations

from datetime import datetime

from app.gui import display
from app.gui.qt import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateTime,
    QDateTimeEdit,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPalette,
    QPushButton,
    QSizePolicy,
    QStringListModel,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)

UNITS = (("seconds", 1), ("minutes", 60), ("hours", 3600), ("days", 86400))


class ErrorLabel(QLabel):
    """Red (palette-aware) text under a field; hidden while there is nothing to say."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.hide()

    def show_error(self, text: str) -> None:
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.WindowText, display.status_colour("failed"))
        self.setPalette(palette)
        self.setText(f"⚠ {text}")
        self.setAccessibleName(f"Error: {text}")
        self.show()

    def clear_error(self) -> None:
        self.clear()
        self.hide()

    @property
    def has_error(self) -> bool:
        return bool(self.text())


class FitStack(QWidget):
    """Pages shown one at a time, as tall as the current page (a QStackedWidget is as tall
    as its tallest page, which leaves holes in a form)."""

    currentChanged = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._pages: list[QWidget] = []
        self._current = -1

    def addWidget(self, page: QWidget) -> int:
        self._pages.append(page)
        self._layout.addWidget(page)
        if self._current < 0:
            self._current = 0
        page.setVisible(len(self._pages) - 1 == self._current)
        return len(self._pages) - 1

    def setCurrentIndex(self, index: int) -> None:
        if not 0 <= index < len(self._pages) or index == self._current:
            return
        self._current = index
        for i, page in enumerate(self._pages):
            page.setVisible(i == index)
        self.currentChanged.emit(index)

    def currentIndex(self) -> int:
        return self._current

    def count(self) -> int:
        return len(self._pages)


class DurationEdit(QWidget):
    """A duration as a number and a unit; optional ones have a tick box in front."""

    changed = Signal()

    def __init__(self, optional_label: str | None = None, minimum: float = 0.0,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.enabled_box: QCheckBox | None = None
        if optional_label is not None:
            self.enabled_box = QCheckBox(optional_label)
            self.enabled_box.toggled.connect(self._on_toggled)
            layout.addWidget(self.enabled_box)
        self.number = QDoubleSpinBox()
        self.number.setDecimals(1)
        self.number.setRange(minimum, 99_999)
        self.number.setValue(1)
        self.number.setAccelerated(True)
        self.unit = QComboBox()
        for label, _factor in UNITS:
            self.unit.addItem(label)
        layout.addWidget(self.number)
        layout.addWidget(self.unit)
        layout.addStretch(1)
        self.number.valueChanged.connect(self.changed)
        self.unit.currentIndexChanged.connect(self.changed)
        if self.enabled_box is not None:
            self._on_toggled(False)

    def _on_toggled(self, on: bool) -> None:
        self.number.setEnabled(on)
        self.unit.setEnabled(on)
        self.changed.emit()

    def seconds(self) -> float | None:
        if self.enabled_box is not None and not self.enabled_box.isChecked():
            return None
        return float(self.number.value()) * UNITS[self.unit.currentIndex()][1]

    def set_seconds(self, seconds: float | None) -> None:
        if self.enabled_box is not None:
            self.enabled_box.setChecked(seconds is not None)
        if seconds is None:
            return
        index = 0
        for i, (_label, factor) in enumerate(UNITS):
            if seconds >= factor and (seconds / factor) == round(seconds / factor, 1):
                index = i
        self.unit.setCurrentIndex(index)
        self.number.setValue(seconds / UNITS[index][1])


class DateTimeEdit(QWidget):
    """A wall-clock date and time (in the task's zone), optionally switched off."""

    changed = Signal()

    def __init__(self, optional_label: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.enabled_box: QCheckBox | None = None
        if optional_label is not None:
            self.enabled_box = QCheckBox(optional_label)
            self.enabled_box.toggled.connect(self._on_toggled)
            layout.addWidget(self.enabled_box)
        self.edit = QDateTimeEdit()
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat("yyyy-MM-dd HH:mm:ss")
        self.edit.setDateTime(QDateTime.currentDateTime().addSecs(3600))
        layout.addWidget(self.edit)
        layout.addStretch(1)
        self.edit.dateTimeChanged.connect(self.changed)
        if self.enabled_box is not None:
            self._on_toggled(False)

    def _on_toggled(self, on: bool) -> None:
        self.edit.setEnabled(on)
        self.changed.emit()

    def wall(self) -> datetime | None:
        """The naive wall-clock time shown, or None when switched off."""
        if self.enabled_box is not None and not self.enabled_box.isChecked():
            return None
        q = self.edit.dateTime()
        d, t = q.date(), q.time()
        return datetime(d.year(), d.month(), d.day(), t.hour(), t.minute(), t.second())

    def set_wall(self, moment: datetime | None) -> None:
        if self.enabled_box is not None:
            self.enabled_box.setChecked(moment is not None)
        if moment is not None:
            self.edit.setDateTime(QDateTime(moment.year, moment.month, moment.day, moment.hour,
                                            moment.minute, moment.second))


class NameList(QWidget):
    """Task names picked from the store's tasks (completion), in order, removable."""

    changed = Signal()

    def __init__(self, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._names = QStringListModel(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.input = QLineEdit()
        self.input.setPlaceholderText(placeholder)
        completer = QCompleter(self._names, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.input.setCompleter(completer)
        self.add_button = QPushButton("Add")
        self.remove_button = QPushButton("Remove")
        row.addWidget(self.input, 1)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        layout.addLayout(row)
        self.list = QListWidget()
        self.list.setMaximumHeight(110)
        layout.addWidget(self.list)
        self.add_button.clicked.connect(self._on_add_clicked)
        self.input.returnPressed.connect(self._on_add_clicked)
        self.remove_button.clicked.connect(self._on_remove_clicked)

    def set_known(self, names: list[str]) -> None:
        self._names.setStringList(names)

    def _on_add_clicked(self) -> None:
        for name in (n.strip() for n in self.input.text().split(",")):
            if name and name not in self.names():
                self.list.addItem(name)
        self.input.clear()
        self.changed.emit()

    def _on_remove_clicked(self) -> None:
        for item in self.list.selectedItems():
            self.list.takeItem(self.list.row(item))
        self.changed.emit()

    def names(self) -> list[str]:
        pending = [n.strip() for n in self.input.text().split(",") if n.strip()]
        items = [self.list.item(i).text() for i in range(self.list.count())]
        return items + [n for n in pending if n not in items]

    def set_names(self, names: list[str]) -> None:
        self.list.clear()
        self.list.addItems(names)
        self.changed.emit()
