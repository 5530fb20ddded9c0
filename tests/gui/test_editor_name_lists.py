"""The editor's task-name lists ("After" on the Schedule page, "Waits for" on Dependencies):
a refused name is said under the field, and the field and its Add button keep their size
while it is said and after it is corrected."""

from __future__ import annotations

from typing import Any

from app.gui.qt import QLabel, Qt
from tests.gui.conftest import SCREENSHOTS, Gui, command_task
from tests.gui.editing import (
    choose_schedule,
    click,
    fill_manual_command,
    go,
    new_editor,
    open_selected,
    save,
)


def _full_size(names: Any) -> bool:
    """The field and its Add button are as tall as they ask to be."""
    return (names.input.height() >= names.input.sizeHint().height()
            and names.add_button.height() >= names.add_button.sizeHint().height())


def _add(gui: Gui, names: Any, typed: str) -> None:
    click(gui.qtbot, names.input)
    gui.qtbot.keyClick(names.input, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    gui.qtbot.keyClicks(names.input, typed)
    names.input.completer().popup().hide()  # as Escape does: the Add button is clicked
    click(gui.qtbot, names.add_button)
    gui.quiet()
    gui.qtbot.wait(50)  # the form's layout settles in posted events


def test_an_unknown_name_never_squashes_the_field(gui: Gui, qtbot: Any) -> None:
    gui.service.create_task(command_task("shout"))
    editor = new_editor(gui)
    qtbot.keyClicks(editor.general.name, "after-shout")
    choose_schedule(editor, qtbot, "after")
    go(editor, qtbot, "Dependencies")
    go(editor, qtbot, "Schedule")
    for page, names in (("Schedule", editor.schedule.after),
                        ("Dependencies", editor.dependencies.depends_on)):
        go(editor, qtbot, page)
        gui.wait_until(lambda n=names: n.input.isVisible() and _full_size(n))
        _add(gui, names, "nope")
        assert "No task named “nope”" in names.error.text() and names.error.isVisible()
        assert _full_size(names), (names.input.height(), names.add_button.height())
        assert editor.grab().save(str(SCREENSHOTS / f"editor-unknown-name-{page.lower()}.png"))
        _add(gui, names, "shout")  # corrected: added, the message gone, the field whole
        assert names.names() == ["shout"] and not names.error.isVisible()
        assert _full_size(names), (names.input.height(), names.add_button.height())
    editor.discard()


def test_dependencies_page_names_the_tasks_its_schedule_runs_it_after(gui: Gui,
                                                                      qtbot: Any) -> None:
    """A task run "after Sync succeeds" opened on Dependencies says so there (it read
    "(none yet)", while the graph drew Sync → Report); a schedule no longer "after" drops it."""
    gui.service.create_task(command_task("Sync"))
    gui.service.create_task(command_task("Backup"))
    report = gui.service.create_task(command_task(
        "Report", schedule={"kind": "after", "tasks": ["Sync"]}))
    editor = open_selected(gui, qtbot, report.id, Qt.Key.Key_Return)
    go(editor, qtbot, "Dependencies")
    chain = editor.dependencies.chain
    gui.wait_until(chain.isVisible)
    assert chain.text() == "Its schedule also starts it after “Sync” succeeds (Schedule page)."
    _add(gui, editor.dependencies.depends_on, "Backup")  # waited for, beside the chain
    assert editor.dependencies.depends_on.names() == ["Backup"] and chain.isVisible()
    assert editor.grab().save(str(SCREENSHOTS / "editor-dependencies-chain.png"))

    go(editor, qtbot, "Schedule")
    _add(gui, editor.schedule.after, "Backup")
    go(editor, qtbot, "Dependencies")
    assert chain.text() == ("Its schedule also starts it after “Sync”, “Backup” succeed "
                            "(Schedule page).")
    choose_schedule(editor, qtbot, "manual")
    go(editor, qtbot, "Dependencies")
    gui.wait_until(lambda: not chain.isVisible())
    editor.discard()


def test_a_name_typed_but_not_added_is_said_under_the_list_and_saved(gui: Gui,
                                                                    qtbot: Any) -> None:
    """A name left in the field still counts when the task is saved: the list says so
    instead of "(none yet)" (it read "(none yet)" while "In words" said "After second
    succeeds" and saving kept it: a newcomer's run-through); added, it is listed."""
    gui.service.create_task(command_task("hello"))
    editor = new_editor(gui)
    qtbot.keyClicks(editor.general.name, "second")
    go(editor, qtbot, "Action")
    qtbot.keyClicks(editor.action.command, "true")
    choose_schedule(editor, qtbot, "after")
    after = editor.schedule.after
    gui.wait_until(lambda: after.input.isVisible())
    assert after.empty.isVisible() and not after.pending_note.isVisible()
    click(gui.qtbot, after.input)
    qtbot.keyClicks(after.input, "hello")
    after.input.completer().popup().hide()
    gui.wait_until(after.pending_note.isVisible)
    assert not after.empty.isVisible()
    assert after.pending_note.text() == ("“hello”, typed above, is added when you save "
                                         "(press Add or Enter to list it now)")
    assert after.names() == ["hello"]
    gui.wait_until(lambda: editor.schedule.words.text() == "After hello succeeds")
    assert editor.grab().save(str(SCREENSHOTS / "editor-after-typed-not-added.png"))
    save(gui, qtbot, editor)
    assert gui.service.get_task("second").spec.schedule.after == ("hello",)


def test_a_name_refused_is_not_promised_to_be_added(gui: Gui, qtbot: Any) -> None:
    """A name no task has, refused under the field, is not also said to be "added when you
    save" (a review's finding)."""
    gui.service.create_task(command_task("hello"))
    editor = new_editor(gui)
    go(editor, qtbot, "Dependencies")
    names = editor.dependencies.depends_on
    gui.wait_until(lambda: names.input.isVisible() and _full_size(names))
    _add(gui, names, "helo")
    assert "No task named “helo”" in names.error.text()
    assert not names.pending_note.isVisible() and names.empty.isVisible()
    editor.discard()


def test_a_name_added_from_the_field_leaves_no_note(gui: Gui, qtbot: Any) -> None:
    gui.service.create_task(command_task("hello"))
    editor = new_editor(gui)
    go(editor, qtbot, "Dependencies")
    names = editor.dependencies.depends_on
    gui.wait_until(lambda: names.input.isVisible() and _full_size(names))
    click(gui.qtbot, names.input)
    qtbot.keyClicks(names.input, "hello")
    gui.wait_until(names.pending_note.isVisible)
    _add(gui, names, "hello")
    assert names.added() == ["hello"]
    assert not names.pending_note.isVisible() and not names.empty.isVisible()
    click(gui.qtbot, names.remove_buttons()["hello"])
    gui.wait_until(names.empty.isVisible)
    assert not names.pending_note.isVisible()
    editor.discard()


def test_a_name_half_typed_is_said_in_one_wording(gui: Gui, qtbot: Any) -> None:
    """"ext", typed on the way to "extract", was at once red under the field ("unknown task
    'ext'") below a note saying it would be added when saved; after Enter the same name read
    "No task named 'ext'…" (a run-through under X). Then it was a grey note under the field
    while red beside Save (a week's walk under X): now one wording, red, in both places, as
    any field's error."""
    gui.service.create_task(command_task("extract"))
    editor = new_editor(gui)
    fill_manual_command(editor, qtbot, "load")
    go(editor, qtbot, "Dependencies")
    names = editor.dependencies.depends_on
    click(qtbot, names.input)
    qtbot.keyClicks(names.input, "ext")
    names.input.completer().popup().hide()
    gui.wait_until(lambda: not editor._validate_timer.isActive())
    gui.wait_until(editor.hint.isVisible)
    row = editor.dependencies.errors["depends_on"][0]
    said = "No task named “ext”: pick one from the list"
    assert not row.isVisible() and names.error.text() == f"⚠ {said}"  # (the list's own)
    assert not names.pending_note.isVisible()
    assert not editor.save_button.isEnabled()
    assert editor.hint.text() == f"Dependencies › Waits for: {said}"
    qtbot.keyClick(names.input, Qt.Key.Key_Return)  # added as it is: refused, the same
    gui.wait_until(lambda: names.error.has_error)
    assert names.error.text() == f"⚠ {said}" and not names.pending_note.isVisible()
    qtbot.keyClicks(names.input, "ract")  # the name whole: it is added with Enter
    qtbot.keyClick(names.input, Qt.Key.Key_Return)
    gui.wait_until(lambda: names.added() == ["extract"])
    save(gui, qtbot, editor)
    assert gui.service.get_task("load").spec.depends_on == ("extract",)


def test_the_task_s_own_name_is_refused_as_itself(gui: Gui, qtbot: Any) -> None:
    """"hello" typed in hello's own Waits for read "no task has this name yet — keep typing"
    under the field, then "No task named “hello”" after Add, while beside Save it read
    "would create a dependency cycle hello → hello" (a run-through under X): a task of
    that name is there, it is this one. Now one wording says so, under the field and
    beside Save, in either list and in any letter case; nothing is saved."""
    gui.service.create_task(command_task("prep"))
    hello = gui.service.create_task(command_task("hello"))
    editor = open_selected(gui, qtbot, hello.id, Qt.Key.Key_Return)
    go(editor, qtbot, "Dependencies")
    names = editor.dependencies.depends_on
    gui.wait_until(lambda: names.input.isVisible() and _full_size(names))
    said = "“hello” is this task itself: pick another from the list"
    click(qtbot, names.input)
    qtbot.keyClicks(names.input, "hello")
    names.input.completer().popup().hide()
    gui.wait_until(lambda: not editor._validate_timer.isActive())
    gui.wait_until(editor.hint.isVisible)
    assert names.error.text() == f"⚠ {said}" and not names.pending_note.isVisible()
    assert editor.hint.text() == f"Dependencies › Waits for: {said}"
    qtbot.keyClick(names.input, Qt.Key.Key_Return)
    gui.wait_until(lambda: names.error.has_error)
    assert names.error.text() == f"⚠ {said}" and names.added() == []
    assert not editor.save_button.isEnabled()
    _add(gui, names, "prep, HELLO")  # prep listed; the own name, in any case, refused
    assert names.added() == ["prep"]
    assert names.error.text() == "⚠ “HELLO” is this task itself: pick another from the list"
    choose_schedule(editor, qtbot, "after")
    go(editor, qtbot, "Schedule")
    gui.wait_until(editor.schedule.after.input.isVisible)
    _add(gui, editor.schedule.after, "hello")
    assert editor.schedule.after.error.text() == f"⚠ {said}"
    editor.discard()
    assert gui.service.get_task("hello").spec.depends_on == ()


def test_dependencies_page_says_a_task_never_run_holds_nothing_back(gui: Gui,
                                                                     qtbot: Any) -> None:
    """hello waiting for prep, which had never run, ran on time: as the engine and the user
    guide say, but the page said only that a run waits for the latest run to succeed (a
    run-through under X)."""
    editor = new_editor(gui)
    go(editor, qtbot, "Dependencies")
    notes = [label.text() for label in editor.dependencies.findChildren(QLabel)
             if label.isVisible() and "waits until the latest run" in label.text()]
    assert len(notes) == 1 and notes[0].endswith("A task that has never run holds nothing back.")
    editor.discard()
