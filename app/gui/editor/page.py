"""What every editor page shares: a form, inline error labels keyed by field name, and a
`changed` signal the dialog listens to for live validation.

A field whose error can appear while the person is elsewhere keeps its error line's room while
empty (`lines`): a look at the machine (`machine.py`) comes back after a pause, off the GUI
thread, and a line that opened then pushed the fields below down under the mouse, so a click
aimed at Working folder landed in Arguments. Any other field's error appears as the person
types in it, and its line takes room only while it says something: kept empty under every
field, the Execution page no longer fitted the editor."""

from __future__ import annotations

from typing import Any

from app.core.errors import curly
from app.gui.editor.name_list import NameList, itself_named, no_task_named
from app.gui.qt import (
    QEvent,
    QFont,
    QFontDatabase,
    QFormLayout,
    QLabel,
    QObject,
    QPalette,
    QResizeEvent,
    QSize,
    QSizePolicy,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from app.gui.widgets.error_label import ErrorLabel, WrappedLabel

UNKNOWN_TASK = "unknown task "  # the service's words for a name no task has ("… “x”")
CYCLE = "would create a dependency cycle "  # … "x → x": the task's own name listed


class Page(QWidget):
    """Signals:
        changed(): any field on the page changed.
    """

    title = ""
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        self.form = QFormLayout()
        outer.addLayout(self.form)
        outer.addStretch(1)  # spare height below the fields, not between them
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.errors: dict[str, tuple[ErrorLabel, QFormLayout, int, QWidget]] = {}
        self._kept: set[str] = set()  # fields whose error line keeps its room while empty
        self._hidden: set[str] = set()  # fields whose row the page hides now

    def add_error(self, field: str, widget: QWidget, form: QFormLayout | None = None,
                  span: bool = False, lines: int = 0) -> None:
        """Put the error row for `field` right under the row just added, shown while there
        is something to say; `lines`: the room it keeps while empty, for a field whose
        error can appear while the person is elsewhere (a look at the machine)."""
        form = form or self.form
        label = ErrorLabel(field=widget)  # (the field says it to a screen reader too)
        line: QWidget = ErrorRoom(label, lines) if lines else label
        if span:
            form.addRow(line)
        else:
            form.addRow("", line)
        row = form.rowCount() - 1
        if lines:
            self._kept.add(field)
        else:
            form.setRowVisible(row, False)
        self.errors[field] = (label, form, row, widget)

    def set_field_visible(self, field: str, visible: bool) -> None:
        """Show or hide `field`'s row with its error line (a row hidden keeps no room)."""
        _label, form, _row, widget = self.errors[field]
        form.setRowVisible(widget, visible)
        if visible:
            self._hidden.discard(field)
        else:
            self._hidden.add(field)
        self._show_line(field)

    def _show_line(self, field: str) -> None:
        """`field`'s error row shown: with its field, where it keeps its room or says
        something."""
        label, form, row, _widget = self.errors[field]
        form.setRowVisible(row, field not in self._hidden
                           and (field in self._kept or bool(label.text())))

    def reason_shown(self, field: str, reason: str) -> str:
        """How this page words a reason under `field` (and beside Save, so the two agree)."""
        entry = self.errors.get(field)
        if entry is not None and isinstance(entry[3], NameList) \
                and reason.startswith(UNKNOWN_TASK):
            return no_task_named(reason.removeprefix(UNKNOWN_TASK))
        loop = reason.removeprefix(CYCLE).split(" → ") if reason.startswith(CYCLE) else []
        if entry is not None and isinstance(entry[3], NameList) and len(loop) == 2 \
                and loop[0] == loop[1]:
            return itself_named(curly(loop[0]))
        return reason

    def show_error(self, field: str, reason: str) -> bool:
        reason = self.reason_shown(field, reason)
        entry = self.errors.get(field)
        if entry is None:
            return False
        label, _form, _row, widget = entry
        if _says_so_itself(widget):
            return True  # the field already says what is wrong, in its own words
        label.show_error(reason)
        self._show_line(field)
        return True

    def clear_errors(self) -> None:
        for field, (label, _form, _row, _widget) in self.errors.items():
            if label.text():
                label.clear_error()
                self._show_line(field)

    def has_errors(self) -> bool:
        return any(label.text() or _says_so_itself(widget)
                   for label, _f, _r, widget in self.errors.values())

    def label_of(self, field: str) -> str | None:
        """The words of the row `field`'s error is under ("Time limit"), if it has any."""
        entry = self.errors.get(field)
        if entry is None or entry[2] == 0:
            return None
        item = entry[1].itemAt(entry[2] - 1, QFormLayout.ItemRole.LabelRole)
        label = item.widget() if item is not None else None
        text = label.text().replace("&", "").strip() if isinstance(label, QLabel) else ""
        return text or None

    def first_error_widget(self) -> QWidget | None:
        """The field of the page's first error, top to bottom (where the cursor should go):
        error rows are added under their fields in the page's order."""
        return next((widget for label, _f, _r, widget in self.errors.values()
                     if label.text() or _says_so_itself(widget)), None)

    def first_field(self) -> QWidget:
        """Where Ctrl+Tab or Ctrl+PgDown puts the cursor on this page: its first field."""
        return first_input(self)

    def widget_for(self, field: str) -> QWidget | None:
        entry = self.errors.get(field)
        return entry[3] if entry else None

    def load(self, data: dict[str, Any]) -> None:
        raise NotImplementedError

    def collect(self, data: dict[str, Any]) -> None:
        raise NotImplementedError

    @staticmethod
    def _note(text: str) -> QLabel:
        """A short explanation in the palette's secondary text colour."""
        label = WrappedLabel(text)
        label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        return label

    @staticmethod
    def _mono() -> QFont:
        return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)


class ErrorRoom(QWidget):
    """The room of a field's error kept while empty: `lines` tall while the label in it is
    hidden or says no more, as many as its text takes at the room's width (a long reason
    wraps)."""

    def __init__(self, label: ErrorLabel, lines: int = 1) -> None:
        super().__init__()
        label.setParent(self)
        self.label = label
        self.lines = lines
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(self._line())
        label.installEventFilter(self)  # its text shown or cleared: the room may change

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Show, QEvent.Type.Hide):
            self._fit()
        return False

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:  # the label's text changed
            self._fit()
        return super().event(event)

    def _fit(self) -> None:
        """The label over the room; the room as tall as the label's text is at its width (a
        minimum: a form in a form gave a height for width too little, and rows overlapped)."""
        height = self.heightForWidth(self.width())
        self.label.setGeometry(0, 0, self.width(), height)
        if height != self.minimumHeight():
            self.setMinimumHeight(height)
        self.updateGeometry()

    def _line(self) -> int:
        return self.label.fontMetrics().lineSpacing() * self.lines

    def hasHeightForWidth(self) -> bool:  # its minimum is its height (as NameList's)
        return False

    def heightForWidth(self, width: int) -> int:
        said = self.label.heightForWidth(width) if self.label.text() else 0
        return max(self._line(), said)

    def sizeHint(self) -> QSize:
        return QSize(self.label.sizeHint().width(), self.minimumHeight())

    def minimumSizeHint(self) -> QSize:
        return QSize(0, self.minimumHeight())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()


def error_focus(widget: QWidget) -> QWidget:
    """Where the cursor goes for a field that is wrong: the part that holds its value (a
    duration's number, not its "Stop after" box), else its first input."""
    part = getattr(widget, "number", None)
    return part if isinstance(part, QWidget) and part.isEnabled() else first_input(widget)


def first_input(widget: QWidget) -> QWidget:
    """The first field inside `widget` that Tab stops at (`widget` itself if it is one, or if
    none is): where the cursor goes for a row of several widgets."""
    if widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
        return widget
    child = widget.nextInFocusChain()
    while child is not None and child is not widget and widget.isAncestorOf(child):
        if (child.focusPolicy() & Qt.FocusPolicy.TabFocus and child.isVisibleTo(widget)
                and child.isEnabled()):
            return child
        child = child.nextInFocusChain()
    return widget


def lead_labels(root: QWidget) -> None:
    """Each label's Alt+letter reaches its row's first field. A row of several widgets is no
    field itself, and a label focuses only a buddy that takes the focus; a row made the
    focus proxy of its field instead takes that field out of Qt's Tab order."""
    for label in root.findChildren(QLabel):
        buddy = label.buddy()
        if buddy is not None:
            label.setBuddy(first_input(buddy))


def lead_label(form: QFormLayout, field: QWidget) -> None:
    """Point the Alt+letter of `field`'s label at the first field inside it as it is now."""
    label = form.labelForField(field)
    if isinstance(label, QLabel):
        label.setBuddy(first_input(field))


def _says_so_itself(widget: QWidget) -> bool:
    """A name picker shows its own error for a name it refused."""
    return isinstance(widget, NameList) and widget.error.has_error
