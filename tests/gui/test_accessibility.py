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

`test_each_view_and_dialog_speaks` is one table (`SURFACES`): each view and dialog opened
as a person opens it, over real tasks and a real run, then asked what a reader says. The
painted ones (graph, calendar, plots) have no widgets inside to read, so their description
says what they show and what is selected, in the words seen around them; a status shown
by colour is in words too (a paused task, a run's end); a label with an Alt key has its
field as buddy; and an error said under a field is said by the field as well, since the
label under it never has the keyboard.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.core.task import FINISHED_STATUSES
from app.engine.events import MetricsSampled
from app.gui.editor.dialog import TaskEditor
from app.gui.graph.paint import status_line
from app.gui.main_window import VIEWS
from app.gui.qt import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QAccessible,
    QAccessibleAnnouncementEvent,
    QApplication,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    Qt,
    QTextEdit,
    QWidget,
)
from tests.gui.conftest import Gui, command_task, open_settings
from tests.gui.editing import new_editor

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


# -- one table: each view and dialog, what a screen reader says of it -------------------------

Said = list[tuple[str, list[str]]]  # what a reader says of a part, and words it must hold


def _spoken(widget: QWidget) -> str:
    """A widget's name and description, as a screen reader says them."""
    face = QAccessible.queryAccessibleInterface(widget)
    return f"{face.text(QAccessible.Text.Name)}. {face.text(QAccessible.Text.Description)}"


def _labelled_by(widget: QWidget) -> str:
    """The labels that name `widget` (a label whose buddy it is), as a reader finds them."""
    face = QAccessible.queryAccessibleInterface(widget)
    return " ".join(label.text(QAccessible.Text.Name)
                    for label, _ in face.relations(QAccessible.RelationFlag.Label))


def _row(table: QAbstractItemView, first: str) -> str:
    """The words of the table row whose first column is `first`."""
    model = table.model()
    for r in range(model.rowCount()):
        cells = [str(model.index(r, c).data() or "") for c in range(model.columnCount())]
        if first in cells[:2]:
            return " | ".join(cells)
    raise AssertionError(f"no row {first!r}")


def _view(gui: Gui, index: int) -> QWidget:
    """A view by its key (Ctrl+1…6), read."""
    gui.window.activateWindow()
    gui.qtbot.keyClick(gui.window, Qt.Key(Qt.Key.Key_1 + index),
                       Qt.KeyboardModifier.ControlModifier)
    gui.wait_until(lambda: gui.window.current_view() == index)
    gui.quiet()
    return gui.window.views[index]


def _calendar(gui: Gui, _tmp: Path) -> QWidget:
    view = _view(gui, 1)
    gui.wait_until(lambda: not view.busy)
    view.month.setFocus()
    gui.qtbot.keyClick(view.month, Qt.Key.Key_Right)  # the day cursor, on today
    gui.qtbot.keyClick(view.month, Qt.Key.Key_Down)  # today's run
    gui.wait_until(lambda: view.picked is not None)
    return view


def _graph(gui: Gui, _tmp: Path) -> QWidget:
    view = _view(gui, 2)
    gui.wait_until(lambda: view.loaded and len(view.canvas.rects) == 3)
    view.canvas.setFocus()
    gui.qtbot.keyClick(view.canvas, Qt.Key.Key_Down)
    gui.wait_until(lambda: view.canvas.selected >= 0)
    return view


def _graph_said(gui: Gui) -> Said:
    canvas = gui.window.graph_view.canvas
    node = canvas.data.nodes[canvas.selected]
    return [(_spoken(canvas), ["Dependency graph", "3 tasks, 1 dependency",
                               f"selected: {node.name}, {status_line(node)}"])]


def _runs(gui: Gui, _tmp: Path) -> QWidget:
    view = _view(gui, 3)
    view.table.setFocus()
    gui.qtbot.keyClick(view.table, Qt.Key.Key_Home)
    gui.wait_until(view.detail.open_button.isEnabled)
    return view


def _runs_wrong(gui: Gui, _tmp: Path) -> QWidget:
    field = gui.window.runs_view.task
    field.setFocus()
    gui.qtbot.keyClicks(field, "no such task")
    gui.wait_until(gui.window.runs_view.filter_error.isVisible)
    return field


def _metrics(gui: Gui, _tmp: Path) -> QWidget:
    view = _view(gui, 4)
    gui.wait_until(lambda: view.loaded and view.plots)
    now = datetime.now(UTC)  # the engine's samples, as its bridge hands them over
    view.on_samples([MetricsSampled(now - timedelta(seconds=k), "system", {
        "cpu": 12.5, "memory": 40.0, "disk": 35.0, "running": 1, "queued": 0,
        "fires_per_min": 3, "lateness_p99_ms": 4}, None) for k in range(3)])
    view.redraw()
    return view


def _notifications(gui: Gui, _tmp: Path) -> QWidget:
    gui.qtbot.mouseClick(gui.window.status.bell, Qt.MouseButton.LeftButton)
    gui.wait_until(gui.window.dock.isVisible)
    return gui.window.notifications


def _settings_wrong(gui: Gui, _tmp: Path) -> QWidget:
    dialog = gui.window.settings_dialog
    dialog.keep_runs.setFocus()
    dialog.keep_runs.selectAll()
    gui.qtbot.keyClicks(dialog.keep_runs, "0")
    gui.qtbot.keyClick(dialog.keep_runs, Qt.Key.Key_Return)
    gui.wait_until(dialog.under[dialog.keep_runs].isVisible)
    return dialog.keep_runs


def _import(gui: Gui, _tmp: Path) -> QWidget:
    gui.window.task_ops.import_crontab.trigger()  # as the File menu does
    gui.wait_until(lambda: gui.window.task_ops.import_preview is not None
                   and gui.window.task_ops.import_preview.isVisible())
    return gui.window.task_ops.import_preview


def _import_wrong(gui: Gui, tmp: Path) -> QWidget:
    dialog = gui.window.task_ops.import_preview
    (tmp / "crontab").write_text("61 * * * * /bin/true\n")
    gui.qtbot.keyClicks(dialog.path, str(tmp / "crontab"))
    gui.qtbot.keyClick(dialog.path, Qt.Key.Key_Return)
    gui.wait_until(dialog.error.isVisible)
    return dialog.path


def _editor_wrong(gui: Gui, _tmp: Path) -> QWidget:
    editor = gui.window.task_ops.editor
    gui.qtbot.keyClicks(editor.general.name, "backup")  # another task's name
    label = editor.general.errors["name"][0]
    gui.wait_until(label.isVisible)
    return editor.general.name


@dataclass(frozen=True)
class Surface:
    """A view or dialog: how a person opens it (the widget to walk), what a reader must say
    of its parts, and (if it can say one) how to make an error show under a field."""

    name: str
    open: Callable[[Gui, Path], QWidget]
    says: Callable[[Gui], Said] = lambda gui: []
    wrong: Callable[[Gui, Path], QWidget] | None = None


SURFACES = (
    Surface("tasks", lambda gui, _t: _view(gui, 0), lambda gui: [
        (_spoken(gui.window.tasks_view.table), ["Tasks"]),
        (_row(gui.window.tasks_view.table, "paused one"), ["paused"]),  # not greyed only
        (_row(gui.window.tasks_view.table, "backup"), ["succeeded"])]),
    Surface("calendar", _calendar, lambda gui: [(_spoken(gui.window.calendar_view.month), [
        "Month calendar", gui.window.calendar_view.bar.title.text(), "1 run",
        "Selected: backup: run", "succeeded"])]),
    Surface("graph", _graph, _graph_said),
    Surface("runs", _runs, lambda gui: [
        (_row(gui.window.runs_view.table, "backup"), ["succeeded"]),
        (_spoken(gui.window.runs_view.detail.log), ["Output"]),
        (_labelled_by(gui.window.runs_view.task), ["Task"]),  # the words left of them
        (_labelled_by(gui.window.runs_view.detail.log), ["Output"])], _runs_wrong),
    Surface("metrics", _metrics, lambda gui: [(_spoken(gui.window.metrics_view.canvas), [
        "Metrics plots", "Last 5 min", "CPU (whole machine) — 12.5 %",
        "Memory (whole machine) — 40.0 %", "Last sample"])] + [
        (_spoken(button), ["Show the last", button.text()])  # not just “5 min”
        for button in gui.window.metrics_view.spans.buttons()] + [
        (_labelled_by(gui.window.metrics_view.spans.buttons()[0]), ["Show the last"])]),
    Surface("audit", lambda gui, _t: _view(gui, 5), lambda gui: [
        (_spoken(gui.window.audit_view.table), ["Audit trail"])]),
    Surface("notifications", _notifications, lambda gui: [
        (_spoken(gui.window.notifications.list), ["Notifications"])]),
    Surface("settings", lambda gui, _t: open_settings(gui), wrong=_settings_wrong),
    Surface("import preview", _import, wrong=_import_wrong),
    Surface("task editor", lambda gui, _t: new_editor(gui), wrong=_editor_wrong),
)


def _mute_keys(root: QWidget) -> list[str]:
    """Labels with an Alt key (“&Name”) that no field is the buddy of: the key does nothing
    and a reader names no field by them; and form labels without a buddy."""
    found = []
    forms = root.findChildren(QFormLayout)
    in_forms = {form.itemAt(row, QFormLayout.ItemRole.LabelRole).widget()
                for form in forms for row in range(form.rowCount())
                if form.itemAt(row, QFormLayout.ItemRole.LabelRole) is not None}
    for label in root.findChildren(QLabel):
        text = label.text().replace("&&", "")
        worded = bool(re.sub(r"<[^>]+>", "", text).strip())
        if ("&" in text or (label in in_forms and worded)) and label.buddy() is None:
            found.append(label.text())
    return found


@pytest.mark.parametrize("surface", SURFACES, ids=[s.name for s in SURFACES])
def test_each_view_and_dialog_speaks(gui: Gui, tmp_path: Path, surface: Surface) -> None:
    service = gui.service
    service.create_task(command_task("backup"))
    service.create_task(command_task("mail", depends_on=["backup"]))
    service.create_task(command_task("paused one", enabled=False))
    run = service.run_now("backup")
    gui.wait_until(lambda: service.get_run(run.id).status in FINISHED_STATUSES, 30)
    gui.wait_until(lambda: gui.window.tasks_model.total == 3)
    gui.quiet()
    root = surface.open(gui, tmp_path)
    gui.settle()
    assert _nameless(root) == [], "controls a reader cannot name"
    assert _mute_keys(root) == [], "labels naming no field"
    for spoken, words in surface.says(gui):
        assert [w for w in words if w not in spoken] == [], spoken
    if surface.wrong is not None:
        field = surface.wrong(gui, tmp_path)
        error = _spoken(field)
        assert re.search(r"\. Error: \w", error), error  # said with the field, not only under it


# -- an error of no field: said as it shows, and a Tab stop ----------------------------------


def _heard(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the window asks a screen reader to announce from now on (Qt's own call, made)."""
    heard: list[str] = []
    real = QAccessible.updateAccessibility

    def update(event: object) -> None:
        if isinstance(event, QAccessibleAnnouncementEvent):
            heard.append(event.message())
        real(event)

    monkeypatch.setattr(QAccessible, "updateAccessibility", staticmethod(update))
    return heard


def _tab_to(gui: Gui, widget: QWidget) -> bool:
    """Whether Tab, from where the keyboard is, reaches `widget`."""
    for _ in range(30):
        gui.qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        if QApplication.focusWidget() is widget:
            return True
    return False


def test_an_error_of_no_field_is_said_as_it_shows_and_tab_reaches_it(
        gui: Gui, monkeypatch: pytest.MonkeyPatch) -> None:
    """The banners of the graph, the calendar, the task editor and Settings were labels a
    screen reader never reached and never said: a refusal went unheard."""
    gui.service.create_task(command_task("backup"))
    heard = _heard(monkeypatch)
    graph = _view(gui, 2)  # a name the graph has no task of: said in the banner
    graph.task.setFocus()
    gui.qtbot.keyClicks(graph.task, "no such task")
    gui.qtbot.keyClick(graph.task, Qt.Key.Key_Return)
    gui.wait_until(graph.banner.isVisible)
    gui.wait_until(lambda: heard)
    assert heard == [_spoken(graph.banner).split(". ")[0]] and "no such task" in heard[0]
    graph.task.setFocus()
    assert _tab_to(gui, graph.banner), "Tab never reaches the graph's banner"
    assert _name(graph.banner).startswith("Error: No task named")

    editor = new_editor(gui)
    opened: list[Callable[[], QWidget]] = [
        lambda: gui.window.calendar_view.banner, lambda: editor.banner,
        lambda: (editor.discard(), open_settings(gui, by_key=False))[1].error,
        lambda: gui.window.settings_dialog.start_error]
    for banner_of in opened:  # as their views and dialogs show a refusal or a failure
        banner = banner_of()
        heard.clear()
        banner.show_error("the store is read-only")
        banner.clear_error()
        banner.show_error("the store is read-only")  # (cleared and shown again: said once)
        gui.wait_until(lambda: heard)
        gui.qtbot.wait(20)
        assert heard == ["Error: the store is read-only"], banner.parent()
        assert banner.focusPolicy() & Qt.FocusPolicy.TabFocus
        banner.clear_error()
