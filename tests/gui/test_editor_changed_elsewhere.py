"""An editor open on a task while the task changes elsewhere (the CLI, here as a real
subprocess on the same home): the editor's save wrote its whole form, so the last save won
and the other change was lost without a word. Now a save writes what the person changed:
a change elsewhere to other fields stays, and one to the same field is asked about."""

from __future__ import annotations

from typing import Any

from app.gui.qt import Qt
from tests.gui.conftest import SCREENSHOTS, Gui, answer_question, closed, command_task
from tests.gui.editing import click, go, open_selected, save


def _priority_up(editor: Any, qtbot: Any, steps: int) -> None:
    """On the Execution page, the priority's up arrow key, `steps` times."""
    go(editor, qtbot, "Execution")
    editor.execution.priority.setFocus()
    for _ in range(steps):
        qtbot.keyClick(editor.execution.priority, Qt.Key.Key_Up)


def _opened_then_changed(gui: Gui, qtbot: Any, cli: Any, name: str,
                         *change: str) -> tuple[Any, Any]:
    """A command task `name` (as created), its editor opened from the table, then `tickwork
    task update name …change` run meanwhile."""
    task = gui.service.create_task(command_task(name, ["echo", "a"]))
    editor = open_selected(gui, qtbot, task.id, Qt.Key.Key_Return)
    done = cli("task", "update", name, *change)
    assert done.code == 0, done.stderr
    return editor, task


def test_a_change_made_elsewhere_to_other_fields_is_kept(gui: Gui, qtbot: Any,
                                                         cli: Any) -> None:
    editor, _task = _opened_then_changed(gui, qtbot, cli, "Photos backup", "--tag",
                                         "nightly", "--retries", "2")
    _priority_up(editor, qtbot, 4)
    save(gui, qtbot, editor)
    spec = gui.service.get_task("Photos backup").spec
    assert (spec.priority, spec.tags, spec.retries) == (4, ("nightly",), 2)
    assert spec.action.argv == ("echo", "a")


def test_the_same_field_changed_elsewhere_is_asked_about(gui: Gui, qtbot: Any,
                                                         cli: Any) -> None:
    editor, _task = _opened_then_changed(gui, qtbot, cli, "Photos backup", "--priority",
                                         "3", "--tag", "nightly")
    _priority_up(editor, qtbot, 9)
    asked = answer_question(qtbot, "Keep editing", screenshot="editor-changed-elsewhere")
    gui.wait_until(editor.save_button.isEnabled)
    click(qtbot, editor.save_button)
    gui.wait_until(lambda: asked.done)
    assert asked.text == ("“Photos backup” was changed elsewhere while you edited it: the "
                          "priority (now 3, yours 9).")
    assert "Keep editing: nothing is saved yet." in asked.details
    gui.wait_until(editor.save_button.isEnabled)
    assert editor.isVisible()  # still editing; nothing saved
    assert gui.service.get_task("Photos backup").spec.priority == 3
    overwrite = answer_question(qtbot, "Save mine over it")
    click(qtbot, editor.save_button)
    gui.wait_until(lambda: closed(editor))
    assert overwrite.done
    spec = gui.service.get_task("Photos backup").spec
    assert (spec.priority, spec.tags) == (9, ("nightly",))  # theirs kept where mine was not


def test_a_field_the_form_says_its_own_way_is_not_taken_for_a_change(
        gui: Gui, qtbot: Any, cli: Any) -> None:
    """A command stored without its typed line (an import, the API): the form rebuilds the
    line, so against the stored task the command always looked changed here — a change of
    the command elsewhere was asked about, and "Save mine" undid it."""
    editor, task = _opened_then_changed(gui, qtbot, cli, "sync", "--command", "echo b")
    assert "line" not in task.spec.to_json()["action"]
    _priority_up(editor, qtbot, 2)
    save(gui, qtbot, editor)  # (no question: it would wait for an answer and fail here)
    spec = gui.service.get_task("sync").spec
    assert (spec.priority, spec.action.argv) == (2, ("echo", "b"))


def test_a_task_deleted_elsewhere_can_be_made_again(gui: Gui, qtbot: Any, cli: Any) -> None:
    """Save said "task not found: 9" (an id, no choice): it says the task was deleted, and
    makes it again from the form where the person chooses so."""
    task = gui.service.create_task(command_task("tmp1", ["echo", "a"]))
    editor = open_selected(gui, qtbot, task.id, Qt.Key.Key_Return)
    assert cli("task", "delete", "tmp1").code == 0
    _priority_up(editor, qtbot, 3)
    asked = answer_question(qtbot, "Create it again")
    gui.wait_until(editor.save_button.isEnabled)
    click(qtbot, editor.save_button)
    gui.wait_until(lambda: closed(editor))
    assert asked.text == "“tmp1” was deleted elsewhere while you edited it."
    again = gui.service.get_task("tmp1")
    assert again.id != task.id and again.spec.priority == 3


def test_reload_puts_the_task_as_it_is_now_in_the_form(gui: Gui, qtbot: Any, cli: Any) -> None:
    """The question offered only "Save mine over it" or "Keep editing"; to see what the other
    change was, the person had to cancel and open the task again. Reload puts the stored task
    in the form, the person's edits dropped, and a save from there writes over it no more."""
    editor, _task = _opened_then_changed(gui, qtbot, cli, "Photos backup", "--priority",
                                         "3", "--tag", "nightly")
    _priority_up(editor, qtbot, 9)
    asked = answer_question(qtbot, "Reload", screenshot="editor-changed-elsewhere-reload")
    gui.wait_until(editor.save_button.isEnabled)
    click(qtbot, editor.save_button)
    gui.wait_until(lambda: asked.done)
    assert sorted(asked.buttons or []) == ["Keep editing", "Reload", "Save mine over it",
                                          "Show Details..."]  # both values, whole
    assert "Reload: the task as it is now is put in this form" in asked.details
    gui.wait_until(lambda: editor.execution.priority.value() == 3)
    assert editor.general.tags.text() == "nightly"
    assert editor.isVisible() and not editor.has_changes()
    assert gui.service.get_task("Photos backup").spec.priority == 3  # nothing saved
    editor.grab().save(str(SCREENSHOTS / "editor-reloaded.png"))

    assert cli("task", "update", "Photos backup", "--retries", "2").code == 0  # again
    _priority_up(editor, qtbot, 1)
    save(gui, qtbot, editor)  # no question: the priority was 3 when reloaded
    spec = gui.service.get_task("Photos backup").spec
    assert (spec.priority, spec.tags, spec.retries) == (4, ("nightly",), 2)


def test_the_question_shows_both_values_and_keep_editing_goes_back_to_the_field(
        gui: Gui, qtbot: Any, cli: Any) -> None:
    """It named "the description" but not the other value, so "Save mine over it" was
    blind; after "Keep editing" the keys were on Cancel, and Enter asked to discard."""
    theirs = "Copies the photos folder to the NAS every night, then checks the copy"
    editor, _task = _opened_then_changed(gui, qtbot, cli, "Photos backup",
                                         "--description", theirs)
    go(editor, qtbot, "General")
    click(qtbot, editor.general.description)
    qtbot.keyClicks(editor.general.description, "Mine")
    asked = answer_question(qtbot, "Keep editing", screenshot="editor-changed-elsewhere-values")
    gui.wait_until(editor.save_button.isEnabled)
    click(qtbot, editor.save_button)
    gui.wait_until(lambda: asked.done)
    assert asked.text == ("“Photos backup” was changed elsewhere while you edited it: the "
                          "description (now “Copies the photos folder to the NAS…”, "
                          "yours “Mine”).")
    assert asked.whole == f"The description now:\n{theirs}\n\nYours:\nMine"
    gui.wait_until(lambda: editor.focusWidget() is editor.general.description)
    gui.wait_until(editor.save_button.isEnabled)
    qtbot.keyClicks(editor.general.description, "!")  # the keys are still in the field
    assert editor.general.description.toPlainText() == "Mine!"
    editor.discard()
