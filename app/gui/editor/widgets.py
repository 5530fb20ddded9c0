"""Input widgets the task editor is made of: durations, optional date-times, shell hints
(its name lists are in `name_list`; the inline error label is shared:
`app.gui.widgets.error_label`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from app.gui.qt import (
    QCheckBox,
    QComboBox,
    QDate,
    QDateTime,
    QDateTimeEdit,
    QFormLayout,
    QHBoxLayout,
    QPushButton,
    Qt,
    QTime,
    QTimeZone,
    QVBoxLayout,
    QWidget,
    Signal,
)
from app.gui.widgets.date_sections import typed_over
from app.gui.widgets.error_label import WrappedLabel
from app.gui.widgets.number_box import NumberBox

UNITS = (("seconds", 1), ("minutes", 60), ("hours", 3600), ("days", 86400))


def say_units(units: QComboBox, count: float) -> None:
    """Name the units of `units` (each item's data: its plural) in the number `count` asks
    for: "Stop after 1 second", "2 seconds"."""
    for i in range(units.count()):
        many = str(units.itemData(i))
        units.setItemText(i, many.removesuffix("s") if count == 1 else many)


class UnitBox(QComboBox):
    """Units named in the number a count asks for ("1 second", "2 seconds"), never narrower
    than the longest in the plural: sized while it said "second", "Stop after 2 seconds"
    showed its "s" cut off."""

    def __init__(self, plurals: Sequence[str], count: float) -> None:
        super().__init__()
        for plural in plurals:
            self.addItem(plural, plural)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.setMinimumWidth(self.sizeHint().width())
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContentsOnFirstShow)
        self.say(count)

    def say(self, count: float) -> None:
        say_units(self, count)


class ShellHint(QWidget):
    """Under a command typed without the shell: which shell syntax it uses, and a button
    that turns the shell on (hidden while the line needs no shell)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = WrappedLabel()
        self.fix_button = QPushButton("Run through the shell")
        self.fix_button.setToolTip("Tick “Run through the shell” so the line runs as in a "
                                   "terminal")
        layout.addWidget(self.label, 1)
        layout.addWidget(self.fix_button, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def show_syntax(self, found: str | None) -> None:
        if found is None:
            self.label.clear()
            self.hide()
            return
        shown = f"{found} … do" if found in ("for", "while", "until") else found
        self.label.setText(f"⚠ This line uses shell syntax (“{shown}”). Without the shell it is "
                           "not interpreted: the program gets it as literal text.")
        self.label.setAccessibleName(self.label.text())
        self.show()


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
    """A duration as a number and a unit; optional ones have a tick box in front. Any number
    can be typed, a minus sign or a zero too: the task's own check names what is wrong
    under the field, instead of the box quietly turning -5 into 5."""

    changed = Signal()

    def __init__(self, optional_label: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.enabled_box: QCheckBox | None = None
        if optional_label is not None:
            self.enabled_box = QCheckBox(optional_label)
            self.enabled_box.toggled.connect(self._on_toggled)
            layout.addWidget(self.enabled_box)
        self.number = NumberBox()
        self.number.setRange(-99_999, 99_999)
        self.number.setValue(1)
        self.number.setAccelerated(True)
        self.unit = UnitBox([label for label, _factor in UNITS], self.number.value())
        layout.addWidget(self.number)
        layout.addWidget(self.unit)
        layout.addStretch(1)
        self.number.valueChanged.connect(self.unit.say)
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
    """A wall-clock date and time (in the task's zone), optionally switched off.

    Switched off, the field says "no limit" rather than showing a time that does not apply
    (it showed now + 1 h, greyed, which read as a wrong clock). Switched on, it shows what
    it showed last, or else the first full hour at least an hour ahead on the task's clock
    (`now`: the wall-clock time in the task's zone). The field holds the wall time as it is
    typed — kept in UTC, so a daylight-saving gap of the computer's own zone never moves it.
    """

    changed = Signal()
    NO_LIMIT = "no limit"
    EARLIEST = datetime(1970, 1, 1)  # the first wall time a bound can be; "no limit" just before

    def __init__(self, optional_label: str | None = None, parent: QWidget | None = None,
                 now: Callable[[], datetime] | None = None) -> None:
        super().__init__(parent)
        self._now = now or datetime.now
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.enabled_box: QCheckBox | None = None
        self._kept: datetime | None = None  # the time shown before it was switched off
        if optional_label is not None:
            self.enabled_box = QCheckBox(optional_label)
            self.enabled_box.toggled.connect(self._on_toggled)
            layout.addWidget(self.enabled_box)
        self.edit = typed_over(QDateTimeEdit())
        self.edit.setTimeZone(QTimeZone.utc())
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat("yyyy-MM-dd HH:mm:ss")
        layout.addWidget(self.edit)
        layout.addStretch(1)
        if self.enabled_box is None:
            self._show(self._ahead())
        else:  # off: "no limit", at the minimum; a time is chosen when it is switched on
            self.edit.setMinimumDateTime(_utc(self.EARLIEST - timedelta(seconds=1)))
            self.edit.setSpecialValueText(self.NO_LIMIT)
            self.edit.setDateTime(self.edit.minimumDateTime())
            self.edit.setEnabled(False)
        self.edit.dateTimeChanged.connect(self.changed)

    def _on_toggled(self, on: bool) -> None:
        if on:
            self.edit.setEnabled(True)
            self._show(self._kept if self._kept is not None else self._ahead())
        else:
            if self.edit.dateTime() != self.edit.minimumDateTime():
                self._kept = self._shown()
            self.edit.setDateTime(self.edit.minimumDateTime())
            self.edit.setEnabled(False)
        self.changed.emit()

    def wall(self) -> datetime | None:
        """The naive wall-clock time shown, or None when switched off."""
        if self.enabled_box is not None and not self.enabled_box.isChecked():
            return None
        return self._shown()

    def set_wall(self, moment: datetime | None) -> None:
        if moment is not None:
            self._kept = moment.replace(microsecond=0)
        if self.enabled_box is not None and self.enabled_box.isChecked() != (moment is not None):
            self.enabled_box.setChecked(moment is not None)  # toggled shows or hides it
        elif moment is not None:
            self._show(moment)

    def reset(self) -> None:
        """Back to the default: off ("no limit"), or the first full hour ahead."""
        if self.enabled_box is not None:
            self.set_wall(None)
        else:
            self._show(self._ahead())

    def _shown(self) -> datetime:
        q = self.edit.dateTime()
        d, t = q.date(), q.time()
        return datetime(d.year(), d.month(), d.day(), t.hour(), t.minute(), t.second())

    def _show(self, moment: datetime) -> None:
        self.edit.setDateTime(_utc(max(moment, self.EARLIEST)))

    def _ahead(self) -> datetime:
        """The first full hour at least an hour from now on the task's clock (a default
        that is still ahead when the editor is saved)."""
        later = self._now().replace(tzinfo=None, microsecond=0) + timedelta(hours=1)
        hour = later.replace(minute=0, second=0)
        return hour if hour == later else hour + timedelta(hours=1)


def align_boxes(*edits: DateTimeEdit) -> None:
    """The fields of optional date-times one under another start at the same place."""
    boxes = [e.enabled_box for e in edits if e.enabled_box is not None]
    for box in boxes:
        box.setMinimumWidth(max(b.sizeHint().width() for b in boxes))


def align_labels(*forms: QFormLayout) -> None:
    """Forms shown one under the other (a page's, and the kind's in a stack below it) with
    their labels as wide as the widest of them: their fields start at one x, as in one
    form (each form placed its fields after its own widest label)."""
    labels = [item.widget() for form in forms for row in range(form.rowCount())
              if (item := form.itemAt(row, QFormLayout.ItemRole.LabelRole)) is not None]
    width = max((label.sizeHint().width() for label in labels if label is not None),
                default=0)
    for label in labels:
        if label is not None:
            label.setMinimumWidth(width)


def _utc(moment: datetime) -> QDateTime:
    """A naive wall time as a QDateTime of the same fields, in UTC (no gaps, no folds)."""
    return QDateTime(QDate(moment.year, moment.month, moment.day),
                     QTime(moment.hour, moment.minute, moment.second), QTimeZone.utc())
