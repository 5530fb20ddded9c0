"""Accessibility (issue 10): every control a person can reach has a name a screen reader
announces, in every view and in the task editor.

The check is Qt's own accessibility tree: `QAccessible.queryAccessibleInterface(widget)
.text(Name)` is what a screen reader reads, and Qt derives it from a label's buddy, the
widget's text or its accessible name — so the test asks the tree, not our attributes.
"""

from __future__ import annotations

from app.gui.editor.dialog import TaskEditor
from app.gui.main_window import VIEWS
from app.gui.qt import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QAccessible,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    Qt,
    QTextEdit,
    QWidget,
)
from tests.gui.conftest import Gui, command_task

INTERACTIVE = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox, QAbstractItemView,
               QTextEdit, QPlainTextEdit)


def _nameless(root: QWidget) -> list[str]:
    missing = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not isinstance(widget, INTERACTIVE) or not widget.isVisibleTo(root):
            continue
        if widget.focusPolicy() == Qt.FocusPolicy.NoFocus:
            continue
        if isinstance(widget.parent(), QComboBox | QAbstractSpinBox):
            continue  # a combo's or spin box's own line edit: the box carries the name
        face = QAccessible.queryAccessibleInterface(widget)
        name = face.text(QAccessible.Text.Name) if face is not None else ""
        if not name.strip():
            missing.append(f"{type(widget).__name__} {widget.objectName()!r} "
                           f"in {type(widget.parent()).__name__}")
    return missing


def _walk_views(gui: Gui) -> dict[str, list[str]]:
    missing: dict[str, list[str]] = {}
    for i, name in enumerate(VIEWS):
        gui.qtbot.keyClick(gui.window, Qt.Key(Qt.Key.Key_1 + i),
                           Qt.KeyboardModifier.ControlModifier)
        gui.settle()
        assert gui.window.current_view() == i
        if name == "Runs":  # the custom period shows two date fields
            period = gui.window.runs_view.period
            period.setFocus()
            gui.qtbot.keyClick(period, Qt.Key.Key_End)
            assert gui.window.runs_view.since.isVisibleTo(gui.window)
        found = _nameless(gui.window)
        if found:
            missing[name] = found
    if not gui.window.dock.isVisible():
        gui.qtbot.mouseClick(gui.window.status.bell, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: gui.window.dock.isVisible())
    found = _nameless(gui.window)
    if found:
        missing["Notifications"] = found
    return missing


def test_every_control_of_every_view_has_an_accessible_name(gui: Gui) -> None:
    gui.service.create_task(command_task("Back up notes"))
    gui.wait_until(lambda: gui.window.tasks_model.total == 1)
    assert not _walk_views(gui)
    gui.window.resize(800, 500)  # the toolbar's overflow button appears
    gui.qtbot.waitUntil(lambda: gui.window.width() == 800)
    assert not _walk_views(gui)
    for widget in (gui.window.tasks_view.table, gui.window.tasks_view.search,
                   gui.window.runs_view.table, gui.window.runs_view.detail.log,
                   gui.window.audit_view.table, gui.window.nav):
        face = QAccessible.queryAccessibleInterface(widget)
        assert face.text(QAccessible.Text.Description), widget.objectName()


def test_every_field_of_the_editor_has_an_accessible_name(gui: Gui) -> None:
    editor = TaskEditor(gui.session, None, "new", gui.window)
    gui.qtbot.addWidget(editor)
    editor.show()
    missing: dict[str, list[str]] = {}
    for page in range(editor.sidebar.count()):
        editor.sidebar.setFocus()
        editor.sidebar.setCurrentRow(page)
        gui.settle()
        if editor.pages[page] is editor.env:
            gui.qtbot.mouseClick(editor.env.add_button, Qt.MouseButton.LeftButton)
        if editor.pages[page] is editor.schedule:
            for kind in range(editor.schedule.kind.count()):  # every kind's own fields
                editor.schedule.kind.setCurrentIndex(kind)
                found = _nameless(editor)
                if found:
                    missing[f"schedule {editor.schedule.kind.itemText(kind)}"] = found
        found = _nameless(editor)
        if found:
            missing[editor.pages[page].title] = found
    editor.discard()
    assert not missing, missing
