"""Task-name fields over a home of many tasks complete from the store: the best few names
for what is typed, read off the GUI thread once the typing pauses, never every name handed
to Qt's completer. With 100,000 names given to it, the completer's own matching froze the
window 366–399 ms at each key in the Runs view's task filter and ~65 ms in the editor's
"Waits for" and "After"; the Runs filter read every name again at each pause to say "No
task's name contains …"; and the editor's Fallback list held the first 5,000 names, A–Z,
so most tasks could not be picked (2026-12-07)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from app.gui.main_window import RUNS
from app.gui.qt import QCompleter, Qt
from app.gui.tasks import reads
from tests.gui.conftest import Gui, command_task
from tests.gui.editing import click, fill_manual_command, go, new_editor, save
from tests.gui.test_many_tasks import insert_tasks

TASKS = 20_000  # "task 000000" … "task 019999"
BEST = 50  # names offered at most for what is typed


@pytest.fixture
def read(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many names each read of task names returned (the store is read as ever)."""
    counts: list[int] = []

    def counting(real: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any, **kwargs: Any) -> Any:
            names = real(*args, **kwargs)
            counts.append(len(names) if isinstance(names, list) else 1)
            return names
        return counted

    for name in ("task_names", "names_matching", "any_name_containing"):
        if hasattr(reads, name):
            monkeypatch.setattr(reads, name, counting(getattr(reads, name)))
    return counts


def given(completer: QCompleter) -> list[int]:
    """The number of names the completer is given, at each change of its names."""
    counts: list[int] = []
    model = completer.model()
    model.modelReset.connect(lambda: counts.append(model.rowCount()))
    return counts


def offered(completer: QCompleter) -> list[str]:
    """The names the completer's popup lists, in order."""
    shown = completer.completionModel()
    return [shown.index(row, 0).data() for row in range(shown.rowCount())]


def test_the_runs_filter_offers_the_best_names_read_for_what_is_typed(
        gui: Gui, qtbot: Any, read: list[int]) -> None:
    insert_tasks(gui.store, TASKS)
    view = gui.window.runs_view
    field = view.task
    names_given = given(field.completer())
    gui.window.show_view(RUNS)
    gui.quiet()
    field.setFocus()
    qtbot.keyClicks(field, "TASK 0199")  # its letter case aside
    popup = field.completer().popup()
    gui.wait_until(popup.isVisible)
    gui.wait_until(lambda: offered(field.completer())[:2] == ["task 019900", "task 019901"])
    assert max(names_given) <= BEST, names_given  # not every name handed to Qt
    assert len(offered(field.completer())) == BEST  # (100 names hold "task 0199")
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)  # picked with the keys: the filter is its name
    gui.wait_until(lambda: view.model.query().task_containing == "task 019900")
    gui.quiet()
    qtbot.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(field, "no such")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    gui.wait_until(lambda: "No task's name contains “no such”" in view.filter_error.text())
    gui.quiet()
    # counted: names handed to Qt and names read, not 20,000 at the start and at each pause
    assert max(names_given) <= BEST and sum(names_given) <= 4 * BEST, names_given
    assert sum(read) <= 1001 + 4 * BEST, read


def test_a_late_answer_never_replaces_a_newer_one(gui: Gui, qtbot: Any,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The read for "task 0001" answers after the one for "task 00012" typed since: the
    completer keeps offering the newer text's names."""
    insert_tasks(gui.store, TASKS)
    real = getattr(reads, "names_matching", None)  # (none before: every name was given)
    release, held = threading.Event(), threading.Event()

    def slow_for_the_first(service: Any, text: str, *args: Any) -> list[str]:
        assert real is not None
        names = real(service, text, *args)
        if text == "task 0001":
            held.set()
            release.wait(10)
        return names

    monkeypatch.setattr(reads, "names_matching", slow_for_the_first, raising=False)
    view = gui.window.runs_view
    field = view.task
    gui.window.show_view(RUNS)
    gui.quiet()  # the first names read
    field.setFocus()
    try:
        qtbot.keyClicks(field, "task 0001")
        gui.wait_until(held.is_set)  # its read is running
        qtbot.keyClicks(field, "2")
        gui.wait_until(lambda: field.names.stringList()[:1] == ["task 000120"])
    finally:
        release.set()
    gui.settle()  # the first read's answer has come, and was dropped
    assert field.names.stringList() == [f"task 00012{i}" for i in range(10)]
    assert offered(field.completer())[:1] == ["task 000120"]


def test_waits_for_and_the_fallback_complete_any_task_among_many(
        gui: Gui, qtbot: Any, read: list[int]) -> None:
    insert_tasks(gui.store, TASKS)
    editor = new_editor(gui)
    fill_manual_command(editor, qtbot, "summary")
    page = editor.dependencies
    names = page.depends_on
    names_given = given(names.input.completer())
    go(editor, qtbot, "Dependencies")
    gui.quiet()
    click(qtbot, names.input)
    qtbot.keyClicks(names.input, "Task 01999")
    popup = names.input.completer().popup()
    gui.wait_until(popup.isVisible)
    gui.wait_until(lambda: offered(names.input.completer())
                   == [f"task 01999{i}" for i in range(10)])
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    gui.wait_until(lambda: names.added() == ["task 019990"])
    gui.wait_until(lambda: names.input.text() == "")
    assert max(names_given, default=0) <= BEST, names_given
    assert names.input.names.rowCount() <= BEST  # (20,000 given as the editor opened)

    # the Fallback: past the first 5,000 names A–Z, found by typing, picked with the keys
    fallback = page.fallback
    line = fallback.lineEdit()
    assert fallback.count() <= 2  # not a list of every name
    click(qtbot, line)
    qtbot.keyClicks(line, "019999")
    popup = line.completer().popup()
    gui.wait_until(popup.isVisible)
    gui.wait_until(lambda: offered(line.completer()) == ["task 019999"])
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    gui.wait_until(lambda: fallback.currentText() == "task 019999")
    save(gui, qtbot, editor)
    spec = gui.service.get_task("summary").spec
    assert spec.depends_on == ("task 019990",) and spec.fallback == "task 019999"
    assert sum(n for n in read if n <= BEST) <= 8 * BEST, read


def test_a_small_home_gives_every_name_at_once(gui: Gui, qtbot: Any, read: list[int]) -> None:
    """A few tasks: all their names are the completer's, offered at the first key, with no
    read per key (as before)."""
    for name in ("Backup notes", "backup photos", "Mail"):
        gui.service.create_task(command_task(name))
    view = gui.window.runs_view
    gui.window.show_view(RUNS)
    gui.wait_until(lambda: view.task.names.rowCount() == 3)
    gui.quiet()
    before = len(read)
    view.task.setFocus()
    qtbot.keyClicks(view.task, "BACK")
    assert offered(view.task.completer()) == ["Backup notes", "backup photos"]
    assert view.task.completer().popup().isVisible()
    assert len(read) == before  # nothing read for the keys (the filter's pause is still due)


def test_no_list_pops_up_after_enter(gui: Gui, qtbot: Any) -> None:
    """A whole name typed and Enter pressed before the typing's pause: the filter is that
    name, and no list of names pops up over the view afterwards, read for the text typed
    before the Enter (it did in the Runs view, and over the Graph with its task field)."""
    insert_tasks(gui.store, TASKS)
    view = gui.window.runs_view
    field = view.task
    gui.window.show_view(RUNS)
    gui.quiet()
    field.setFocus()
    qtbot.keyClicks(field, "task 019999")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    gui.wait_until(lambda: view.model.query().task_containing == "task 019999")
    gui.wait_until(lambda: not field.completions.timer.isActive())
    gui.quiet()  # (a read the pause started has answered)
    assert field.hasFocus() and not field.completer().popup().isVisible()
