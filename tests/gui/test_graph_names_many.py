"""The Graph's task field and its "Add dependency…" over a home of many tasks complete from
the store as the other name fields do: the best few names for what is typed, read off the
GUI thread. Both handed every task's name to Qt's completer (with 100,000 tasks its own
matching froze the window 0.3–0.9 s at a key, and the names were handed again at each
change of a task). Over the whole graph with the tasks without dependencies hidden, the
field offers only the tasks drawn; a task found over the whole graph is centred in the
drawing shown, not laid out again; "Add dependency…" still refuses an unknown name and a
cycle under its field, and stays open for another name (2026-12-07)."""

from __future__ import annotations

from typing import Any

from app.gui.qt import QApplication, QDialog, Qt
from app.gui.widgets.error_label import ErrorLabel
from app.store.models import Dependency, TaskRow
from tests.gui.conftest import Gui, closed
from tests.gui.test_graph_keys_dependencies import _menu, _pick
from tests.gui.test_many_tasks import insert_tasks
from tests.gui.test_name_completion_many import offered

TASKS = 3_000  # "task 000000" … "task 002999": more than a completer is given whole (1,000)
LINKED = 1_200  # the first in chains of three ("task 000000" → "task 000001" → "task
# 000002"): more than a completer is given whole too
BEST = 50  # names offered at most for what is typed


def _home(gui: Gui) -> dict[str, int]:
    """The tasks, the chains among the first of them; their ids by name."""
    insert_tasks(gui.store, TASKS)
    ids = {str(n): int(i) for i, n in TaskRow.select(TaskRow.id, TaskRow.name).tuples()}
    rows = [{"task": ids[f"task {i + 1:06d}"], "upstream": ids[f"task {i:06d}"], "kind": "wait"}
            for i in range(LINKED) if i % 3 != 2]
    with gui.store.write():
        Dependency.insert_many(rows).execute()
    return ids


def _show_graph(gui: Gui) -> Any:
    view = gui.window.graph_view
    gui.window.resize(1200, 800)
    gui.qtbot.keyClick(gui.window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    gui.wait_until(lambda: view.loaded and not view.loading and len(view.canvas.rects) == TASKS)
    gui.quiet()
    return view


def _type_and_pick(gui: Gui, field: Any, text: str, expected: list[str]) -> None:
    """Type `text`; once the popup offers `expected`, pick the first with the keys."""
    gui.qtbot.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    gui.qtbot.keyClicks(field, text)
    popup = field.completer().popup()
    gui.wait_until(lambda: popup.isVisible() and offered(field.completer()) == expected)
    gui.qtbot.keyClick(popup, Qt.Key.Key_Down)
    gui.qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert field.text() == expected[0]


def test_the_task_field_offers_the_best_names_of_the_tasks_shown(gui: Gui) -> None:
    ids = _home(gui)
    view = _show_graph(gui)
    field, canvas = view.task, view.canvas
    drawn = canvas.rects  # the whole graph as laid out
    gui.qtbot.mouseClick(field, Qt.MouseButton.LeftButton)
    _type_and_pick(gui, field, "Task 00249", [f"task 00249{i}" for i in range(10)])
    gui.wait_until(lambda: canvas.selected == ids["task 002490"])  # found, centred
    gui.quiet()
    assert canvas.rects is drawn  # found in the drawing shown, not laid out again
    assert not view.banner.isVisible()
    assert field.completions.given <= 2 * BEST, field.completions.given  # not every name

    # the tasks without dependencies hidden: only the tasks drawn are offered
    view.unconnected.setFocus()
    gui.qtbot.keyClick(view.unconnected, Qt.Key.Key_Space)
    gui.wait_until(lambda: len(canvas.rects) == LINKED)
    gui.qtbot.mouseClick(field, Qt.MouseButton.LeftButton)
    linked = [name for name in sorted(ids)[:LINKED] if "29" in name]
    assert len(linked) == 22  # (of all the tasks: 50 of 175 offered)
    _type_and_pick(gui, field, "29", linked)
    gui.wait_until(lambda: canvas.selected == ids["task 000029"])
    gui.quiet()
    assert not view.banner.isVisible()

    # a hidden task named in full is said to be hidden, not found nowhere in silence; and
    # no list pops up after the Enter for the name typed before it
    gui.qtbot.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    gui.qtbot.keyClicks(field, "task 002999")
    gui.qtbot.keyClick(field, Qt.Key.Key_Return)
    gui.wait_until(view.banner.isVisible)
    assert "“task 002999” has no dependencies" in view.banner.text()
    gui.wait_until(lambda: not field.completions.timer.isActive())
    gui.quiet()
    assert not field.completer().popup().isVisible()

    # a task's neighbours shown (its menu): any task can be named again, hidden ones too
    assert canvas.selected == ids["task 000029"]
    gui.window.activateWindow()  # (the offscreen platform left the keys with the popup)
    canvas.setFocus()
    gui.wait_until(canvas.hasFocus)
    _pick(gui, _menu(gui, canvas), "Show its upstream and downstream")
    gui.wait_until(lambda: set(canvas.rects) == {ids[f"task 0000{i}"] for i in (27, 28, 29)})
    gui.qtbot.mouseClick(field, Qt.MouseButton.LeftButton)
    _type_and_pick(gui, field, "task 00299", [f"task 00299{i}" for i in range(10)])
    gui.wait_until(lambda: set(canvas.rects) == {ids["task 002990"]})
    # names handed to Qt, all told: the best for each text, never every task's
    assert field.names.rowCount() <= BEST
    assert field.completions.given <= 4 * BEST, field.completions.given


def test_add_dependency_completes_among_many_and_refuses_in_its_field(gui: Gui) -> None:
    ids = _home(gui)
    view = _show_graph(gui)
    canvas = view.canvas

    def add_dependency_to(name: str) -> tuple[QDialog, Any]:
        """Find the task with the task field (it is selected), then its menu's entry."""
        view.task.setFocus()
        gui.qtbot.keyClick(view.task, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        gui.qtbot.keyClicks(view.task, name)
        gui.qtbot.keyClick(view.task, Qt.Key.Key_Return)
        gui.wait_until(lambda: canvas.selected == ids[name])
        gui.quiet()
        gui.window.activateWindow()  # (the offscreen platform left the keys with the popup)
        canvas.setFocus()
        gui.wait_until(canvas.hasFocus)
        _pick(gui, _menu(gui, canvas), "Add dependency")
        gui.wait_until(lambda: isinstance(QApplication.activeModalWidget(), QDialog))
        dialog = QApplication.activeModalWidget()
        field = dialog.focusWidget()
        gui.wait_until(lambda: dialog.isActiveWindow() and field.hasFocus())
        return dialog, field

    dialog, field = add_dependency_to("task 002500")
    _type_and_pick(gui, field, "task 00029", [f"task 00029{i}" for i in range(10)])
    assert field.names.rowCount() <= BEST
    assert field.completions.given <= 2 * BEST, field.completions.given  # not every name
    gui.qtbot.keyClick(field, Qt.Key.Key_Return)
    gui.wait_until(lambda: closed(dialog))
    assert gui.service.get_task("task 002500").spec.depends_on == ("task 000290",)

    # a cycle and a name no task has: said under the field, the dialog left open
    dialog, field = add_dependency_to("task 000000")
    _type_and_pick(gui, field, "task 00000", [f"task 00000{i}" for i in range(1, 10)])
    gui.qtbot.keyClick(field, Qt.Key.Key_Backspace)
    gui.qtbot.keyClicks(field, "2")  # "task 000002" waits for it, through "task 000001"
    gui.qtbot.keyClick(field, Qt.Key.Key_Return)
    error = dialog.findChild(ErrorLabel)
    gui.wait_until(lambda: "cycle" in error.text())
    assert ("“task 000000” cannot wait for “task 000002”, that would make a dependency cycle "
            "task 000000 → task 000001 → task 000002 → task 000000" in error.text())
    assert dialog.isVisible() and not view.banner.isVisible()
    gui.qtbot.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    gui.qtbot.keyClicks(field, "no such task")
    gui.qtbot.keyClick(field, Qt.Key.Key_Return)
    gui.wait_until(lambda: "No task named “no such task”" in error.text())
    assert dialog.isVisible() and field.completions.given <= 4 * BEST
    gui.qtbot.keyClick(field, Qt.Key.Key_Escape)
    gui.wait_until(lambda: closed(dialog))
    assert gui.service.get_task("task 000000").spec.depends_on == ()
