"""Accessibility (issue 10): every control a person can reach has a name a screen reader
announces, in every view and in the task editor.

The check is Qt's own accessibility tree: `QAccessible.queryAccessibleInterface(widget)
.text(Name)` is what a screen reader reads, and Qt derives it from a label's buddy, the
widget's text or its accessible name — so the test asks the tree, not our attributes. A
combo box is the exception: on Linux Qt names it by its current item ("Any status", then
"failed") and tells its field by the label it is labelled by, so for a combo the test asks
for that label. A name is words, not a symbol ("◀", "+" are read as such). Besides every
control, every widget Tab stops at in each view is asked, walked by Tab itself: the Runs
details' scroll area and the Metrics plots were stops with no name.
"""

from __future__ import annotations

from app.core.task import FINISHED_STATUSES
from app.gui.editor.dialog import TaskEditor
from app.gui.main_window import VIEWS
from app.gui.qt import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QAccessible,
    QApplication,
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


def _name(widget: QWidget) -> str:
    """What a screen reader says `widget` is: its name, or for a combo box the label it is
    labelled by (its name is its current item)."""
    face = QAccessible.queryAccessibleInterface(widget)
    if face is None:
        return ""
    if isinstance(widget, QComboBox):
        return " ".join(label.text(QAccessible.Text.Name)
                        for label, _ in face.relations(QAccessible.RelationFlag.Label))
    return str(face.text(QAccessible.Text.Name))


def _unnamed(widget: QWidget) -> str | None:
    """`widget` said as a finding when it has no name in words, else None."""
    if any(c.isalnum() for c in _name(widget)):
        return None
    return (f"{type(widget).__name__} {widget.objectName()!r} {_name(widget)!r} "
            f"in {type(widget.parent()).__name__}")


def _nameless(root: QWidget) -> list[str]:
    missing = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not isinstance(widget, INTERACTIVE) or not widget.isVisibleTo(root):
            continue
        if widget.focusPolicy() == Qt.FocusPolicy.NoFocus:
            continue
        if isinstance(widget.parent(), QComboBox | QAbstractSpinBox):
            continue  # a combo's or spin box's own line edit: the box carries the name
        found = _unnamed(widget)
        if found:
            missing.append(found)
    return missing


def _tab_stops_nameless(gui: Gui) -> list[str]:
    """Each widget Tab stops at, from the focused one round to it again, that has no name."""
    missing: list[str] = []
    first = QApplication.focusWidget()
    assert first is not None, "no widget has the keyboard"
    for _ in range(60):
        found = _unnamed(QApplication.focusWidget())
        if found and found not in missing:
            missing.append(found)
        gui.qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        if QApplication.focusWidget() is first:
            return missing
    raise AssertionError("Tab never came back to where it started")


def _walk_views(gui: Gui) -> dict[str, list[str]]:
    missing: dict[str, list[str]] = {}
    gui.window.activateWindow()
    gui.wait_until(lambda: QApplication.activeWindow() is gui.window)
    for i, name in enumerate(VIEWS):
        gui.qtbot.keyClick(gui.window, Qt.Key(Qt.Key.Key_1 + i),
                           Qt.KeyboardModifier.ControlModifier)
        gui.settle()
        assert gui.window.current_view() == i
        if name == "Runs":  # the custom period shows two date fields, a run its details
            table = gui.window.runs_view.table
            gui.wait_until(lambda t=table: t.model().rowCount() == 1)
            table.setFocus()
            gui.qtbot.keyClick(table, Qt.Key.Key_Home)
            gui.wait_until(gui.window.runs_view.detail.open_button.isEnabled)
            period = gui.window.runs_view.period
            period.setFocus()
            gui.qtbot.keyClick(period, Qt.Key.Key_End)
            assert gui.window.runs_view.since.isVisibleTo(gui.window)
        found = _nameless(gui.window) + [
            f"Tab: {stop}" for stop in _tab_stops_nameless(gui)]
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
    run = gui.service.run_now(gui.service.create_task(command_task("Back up notes")).name)
    gui.wait_until(lambda: gui.service.get_run(run.id).status in FINISHED_STATUSES, 30)
    gui.wait_until(lambda: gui.window.tasks_model.total == 1)
    missing = _walk_views(gui)
    assert not missing, missing
    gui.window.resize(800, 500)  # the toolbar's overflow button appears
    gui.qtbot.waitUntil(lambda: gui.window.width() == 800)
    missing = _walk_views(gui)
    assert not missing, missing
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
