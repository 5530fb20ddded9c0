"""The Schedule page's "After" list as a person met it under X: “Nig”, typed on the way to
“Nightly backup”, was said in red beside Save but in grey under the field (“keep typing”);
“In words” read “After Nig succeeds”, as if Nig were a task it waited for; and Enter, with
the completer showing “Nightly backup” alone, refused “Nig” instead of taking it. A chain
task's “Next runs” read “—” where the task table says “after Nightly backup”."""

from __future__ import annotations

from app.gui.editor.dialog import TaskEditor
from app.gui.qt import Qt
from tests.gui.conftest import SCREENSHOTS, Gui, command_task
from tests.gui.editing import choose_schedule, fill_command, new_editor, open_selected, save


def _typed(gui: Gui, text: str) -> TaskEditor:
    """A new task's After, with `text` typed in it and the page's checks done."""
    for name in ("Nightly backup", "Fetch"):
        gui.service.create_task(command_task(name))
    editor = new_editor(gui)
    qtbot = gui.qtbot
    fill_command(editor, qtbot, "report")
    choose_schedule(editor, qtbot, "after")
    after = editor.schedule.after
    gui.wait_until(lambda: after.input.names.rowCount() == 2)  # the store's names came
    qtbot.mouseClick(after.input, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(after.input, text)
    gui.wait_until(lambda: not editor._validate_timer.isActive())
    gui.wait_until(editor.hint.isVisible)
    gui.settle()
    return editor


def test_a_name_half_typed_is_said_in_red_under_after_as_beside_save(gui: Gui) -> None:
    editor = _typed(gui, "Nig")
    page = editor.schedule
    after = page.after
    said = "No task named “Nig”: pick one from the list"
    assert editor.hint.text() == f"Schedule › After: {said}"
    assert after.error.isVisible() and after.error.text() == f"⚠ {said}"  # red, as beside Save
    assert not after.pending_note.isVisible()  # (not also in grey, in other words)
    assert after.input.accessibleDescription() == f"Error: {said}"
    assert page.words.text() != "After Nig succeeds"  # Nig is no task it waits for
    assert "Nig" not in page.words.text() + page.next_times.text()
    after.input.completer().popup().hide()
    assert editor.grab().save(str(SCREENSHOTS / "editor-after-half-typed.png"))
    gui.qtbot.keyClicks(after.input, "htly backup")  # the name whole: the red goes
    gui.wait_until(lambda: not after.error.isVisible())
    gui.wait_until(lambda: page.words.text() == "After Nightly backup succeeds")
    editor.discard()


def test_enter_takes_the_one_name_the_completer_shows(gui: Gui) -> None:
    """With two names showing, which one is meant is not known: the name typed is refused,
    in red; with one, Enter takes it, as a pick from the list."""
    editor = _typed(gui, "t")  # Nightly backup, Fetch
    after = editor.schedule.after
    completer = after.input.completer()
    gui.wait_until(completer.popup().isVisible)
    assert completer.completionCount() == 2
    gui.qtbot.keyClick(after.input, Qt.Key.Key_Return)
    gui.wait_until(lambda: after.error.has_error)
    assert after.added() == [] and after.input.text() == "t"
    gui.qtbot.keyClick(after.input, Qt.Key.Key_Backspace)
    gui.qtbot.keyClicks(after.input, "nig")
    gui.wait_until(lambda: completer.popup().isVisible() and completer.completionCount() == 1)
    gui.qtbot.keyClick(after.input, Qt.Key.Key_Return)
    gui.wait_until(lambda: after.added() == ["Nightly backup"])
    assert after.input.text() == "" and not after.error.has_error
    gui.wait_until(lambda: editor.schedule.words.text() == "After Nightly backup succeeds")
    save(gui, gui.qtbot, editor)
    assert gui.service.get_task("report").spec.schedule.after == ("Nightly backup",)


def test_a_chain_tasks_next_runs_name_what_it_runs_after(gui: Gui) -> None:
    s = gui.service
    s.create_task(command_task("Nightly backup", schedule={"kind": "cron",
                                                           "expr": "0 2 * * *"}))
    chain = s.create_task(command_task("Mail summary", schedule={
        "kind": "after", "tasks": ["Nightly backup"]}))
    editor = open_selected(gui, gui.qtbot, chain.id, Qt.Key.Key_Return)
    page = editor.schedule
    choose_schedule(editor, gui.qtbot, "after")  # (the page, as a person goes to it)
    gui.wait_until(lambda: page.words.text() == "After Nightly backup succeeds")
    assert page.next_times.text() == "after Nightly backup"  # as the task table's Next run
    assert editor.grab().save(str(SCREENSHOTS / "editor-after-next-runs.png"))
    editor.discard()
