"""Names a screen reader announces, for every control: the one job of this module.

Qt names a control from its own text or from a label whose buddy it is. Controls with
neither (a search box, a table, the parts of a composite field such as a number and its
unit) get their name here, in one place, so the views and the editor need no per-widget
code: `NAMES` holds the names and descriptions of the named controls (by object name), and
for the rest `name_tree` derives a name from the form label of the row the control sits in
(“Timeout: number”), its placeholder text or its tooltip. Descriptions come from `NAMES` or
the tooltip. A button that shows a symbol ("◀", "+") is named by its tooltip's words.

A combo box is named twice: on Linux Qt gives a screen reader its current item as its name
("Any status", then "failed") and tells its field only by the label it is labelled by, so a
combo no label is the buddy of gets one, hidden, that says its name (`_labelled`).

A window calls `name_tree(self)` once its controls exist (the main window, the task
editor). No application-wide event filter: it would put a Python call on every event.
"""

from __future__ import annotations

import re

from app.gui.qt import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QAccessible,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

INTERACTIVE = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox, QAbstractItemView,
               QTextEdit, QPlainTextEdit)

# object name -> (name, description)
NAMES: dict[str, tuple[str, str]] = {
    "Navigation": ("Views", "Choose a view: Tasks, Calendar, Graph, Runs, Metrics or Audit "
                   "(Ctrl+1 to Ctrl+6)"),
    "TaskSearch": ("Search tasks", "Shows only the tasks whose name, tag or command contains "
                   "the text (Ctrl+F)"),
    "TaskTable": ("Tasks", "Every task with its schedule, next run, last run and whether it "
                  "is enabled; Enter edits the selected task"),
    "CalendarFilter": ("Only tasks named", "Shows only the tasks whose name contains the text"),
    "CalendarMonth": ("Month calendar", "Runs and predicted fires, day by day"),
    "CalendarTimeGrid": ("Day and week calendar", "Runs and predicted fires by hour"),
    "GraphScope": ("Show", "Which part of the dependency graph to show"),
    "GraphTask": ("Task name", "The task whose upstream or downstream tasks are shown"),
    "GraphCanvas": ("Dependency graph", "Tasks as boxes, dependencies as arrows"),
    "RunTaskFilter": ("Task", "Shows only the runs of this task"),
    "RunTable": ("Runs", "Every run, newest first, with its status, times and result"),
    "RunStatusFilter": ("Status", "Shows only the runs with this status"),
    "RunPeriodFilter": ("Period", "Shows only the runs scheduled in this period"),
    "RunFields": ("Run details", "The selected run's status, note, times, exit code and "
                  "error, beside its CPU and memory"),
    "RunLog": ("Output", "What the selected run printed; a line on stderr starts with "
               "“stderr:”, one of Tickwork's own with “tickwork:” (Copy leaves them out)"),
    "AuditSearch": ("Filter the audit trail", "Shows only events whose action or target "
                    "contains the text"),
    "AuditTable": ("Audit trail", "Every change, newest first: when, who and what happened"),
    "AuditActor": ("Who", "Shows only the changes made from the window, the command line or "
                   "by the engine"),
    "AuditDetail": ("Event data", "The selected event's action, target and data before and "
                    "after"),
    "MetricsPlots": ("Metrics plots", "CPU, memory, disk, runs in flight, runs started and "
                     "their start delay over the span chosen"),
    "NotificationBell": ("Notifications", "Shows or hides the notifications panel"),
    "FailuresToday": ("Failures today", "Shows today's failed runs"),
    "NotificationList": ("Notifications", "What the engine told you, newest first"),
    "qt_toolbar_ext_button": ("More actions", "The toolbar actions that do not fit"),
    "qt_menubar_ext_button": ("More menus", "The menus that do not fit"),
    "EditorPages": ("Sections", "The sections of the task: general, action, schedule, "
                    "execution, environment, notifications"),
}


def _plain(text: str) -> str:
    """A label's text as a name: no mnemonic ampersand, no trailing colon, no markup."""
    text = re.sub(r"<[^>]+>", "", text).replace("&&", "\0").replace("&", "").replace("\0", "&")
    return text.strip().rstrip(":").strip()


def form_labels(root: QWidget) -> dict[QWidget, str]:
    """Every form row's field widget under `root` (and `root` itself) with its label's text."""
    forms = root.findChildren(QFormLayout)
    own = root.layout()
    if isinstance(own, QFormLayout) and own not in forms:
        forms.insert(0, own)
    labels: dict[QWidget, str] = {}
    for form in forms:
        for row in range(form.rowCount()):
            field = form.itemAt(row, QFormLayout.ItemRole.FieldRole)
            label = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            widget = field.widget() if field is not None else None
            text = label.widget() if label is not None else None
            if widget is not None and isinstance(text, QLabel) and _plain(text.text()):
                labels.setdefault(widget, _plain(text.text()))
    return labels


def _row_label(widget: QWidget, labels: dict[QWidget, str] | None = None) -> str:
    """The label of the form row that holds `widget` or one of its ancestors (`labels`:
    `form_labels` of a root above them, read once for a whole tree)."""
    child: QWidget | None = widget
    while child is not None and not child.isWindow():
        if labels is not None:
            if child in labels:
                return labels[child]
            child = child.parentWidget()
            continue
        parent = child.parentWidget()
        layout = parent.layout() if parent is not None else None
        forms = [layout] if isinstance(layout, QFormLayout) else []
        if parent is not None:
            forms += [f for f in parent.findChildren(QFormLayout) if f not in forms]
        for form in forms:
            label = form.labelForField(child)
            if isinstance(label, QLabel) and _plain(label.text()):
                return _plain(label.text())
        child = parent
    return ""


def _label_before(widget: QWidget) -> str:
    """The text of the nearest label before `widget` in its row (“Every [3] [days] at …”)."""
    parent = widget.parentWidget()
    layout = parent.layout() if parent is not None else None
    if layout is None:
        return ""
    index = layout.indexOf(widget)
    for i in range(index - 1, -1, -1):
        item = layout.itemAt(i)
        other = item.widget() if item is not None else None
        if isinstance(other, QLabel) and _plain(other.text()):
            return _plain(other.text())
    return ""


def _derived(widget: QWidget, labels: dict[QWidget, str] | None = None) -> str:
    row = _row_label(widget, labels)
    before = _label_before(widget)
    if before and before.lower() != row.lower():
        row = f"{row}: {before}" if row else before
    own = ""
    if isinstance(widget, QLineEdit):
        own = widget.placeholderText()
    if not own and isinstance(widget, QAbstractSpinBox):
        suffix = getattr(widget, "suffix", None)
        own = (suffix().strip() if callable(suffix) else "") or widget.specialValueText()
    if not own:
        own = widget.toolTip()
    own = _plain(own.split("\n")[0])[:60]
    if row and own and own.lower() != row.lower():
        return f"{row}: {own}"
    return row or own


def current_name(widget: QWidget) -> str:
    face = QAccessible.queryAccessibleInterface(widget)
    return face.text(QAccessible.Text.Name) if face is not None else ""


def _in_words(name: str) -> bool:
    return any(c.isalnum() for c in name)


def _labelled(widget: QWidget) -> None:
    """A combo box with a name and no label: a hidden one, its buddy, says the name."""
    face = QAccessible.queryAccessibleInterface(widget)
    if (not isinstance(widget, QComboBox) or not widget.accessibleName() or face is None
            or face.relations(QAccessible.RelationFlag.Label)):
        return
    label = QLabel(widget.accessibleName(), widget.parentWidget())
    label.setObjectName("AccessibleLabel")
    label.setBuddy(widget)
    label.hide()


def name_widget(widget: QWidget, labels: dict[QWidget, str] | None = None) -> None:
    """Give `widget` a name (and description) if it is interactive and has none."""
    _name_widget(widget, labels)
    _labelled(widget)


def _name_widget(widget: QWidget, labels: dict[QWidget, str] | None) -> None:
    named = NAMES.get(widget.objectName())
    if named is not None:
        if not widget.accessibleName():
            widget.setAccessibleName(named[0])
        if not widget.accessibleDescription():
            widget.setAccessibleDescription(named[1])
        return
    if not isinstance(widget, INTERACTIVE):
        return
    if isinstance(widget.parentWidget(), QComboBox | QAbstractSpinBox):
        return  # a box's own line edit: the box carries the name
    if not widget.accessibleDescription() and widget.toolTip():
        widget.setAccessibleDescription(_plain(widget.toolTip()))
    if isinstance(widget, QComboBox) and not widget.accessibleName():
        # Qt names a combo box by its current item; a screen reader should say its field
        name = _derived(widget, labels)
        if name:
            widget.setAccessibleName(name)
            return
    if _in_words(current_name(widget)):
        return
    if isinstance(widget, QAbstractButton) and _in_words(widget.toolTip()):
        # "◀" said as its tooltip's words, without the key in brackets: "Previous"
        widget.setAccessibleName(_plain(re.sub(r"\s*\([^)]*\)\s*$", "",
                                               widget.toolTip().split("\n")[0])))
        return
    name = _derived(widget, labels) or _plain(widget.objectName())
    if name:
        widget.setAccessibleName(name)


def name_tree(root: QWidget) -> None:
    labels = form_labels(root)  # once: asking each widget's ancestors costs ~10 ms a window
    for widget in [root, *root.findChildren(QWidget)]:
        name_widget(widget, labels)
