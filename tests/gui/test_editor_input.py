"""What a person types into the editor comes back as typed and is never dropped: the names
added to "Waits for" and "After", a command line with shell syntax, and no schedule that
nobody chose (issue 10, points 1, 2 and 4)."""

from __future__ import annotations

from typing import Any

import pytest

from app.gui.editor.dialog import TaskEditor
from app.gui.qt import QApplication, QLabel, Qt
from tests.gui.conftest import Gui, command_task
from tests.gui.editing import (
    choose,
    click,
    fill_manual_command,
    go,
    new_editor,
    open_selected,
    save,
)

TYPED = "echo tick $i; echo tock > /dev/null"  # split, re-joined it came back re-quoted


def _listed(names: Any) -> list[str]:
    """The names a person sees listed under a name picker."""
    return [label.text().removeprefix("• ") for label in names.findChildren(QLabel)
            if label.text().startswith("• ") and label.isVisible()]


def test_waits_for_add_keeps_the_name_shows_it_and_refuses_an_unknown_one(
        gui: Gui, qtbot: Any) -> None:
    for name in ("fetch", "report", "Mail"):
        gui.service.create_task(command_task(name))
    editor = new_editor(gui)
    fill_manual_command(editor, qtbot, "summary")
    go(editor, qtbot, "Dependencies")
    picker = editor.dependencies.depends_on
    gui.wait_until(lambda: QApplication.activeWindow() is editor)
    qtbot.keyClick(editor.focusWidget(), Qt.Key.Key_W, Qt.KeyboardModifier.AltModifier)
    gui.wait_until(lambda: editor.focusWidget() is picker.input)  # Alt+W: into the field
    assert picker.input.accessibleName() == "Waits for"

    qtbot.keyClicks(picker.input, "fetch")
    click(qtbot, picker.add_button)
    assert _listed(picker) == ["fetch"]  # shown as added, not lost
    assert picker.input.text() == ""
    qtbot.keyClicks(picker.input, "mail")  # Enter adds too; the name's case is the task's
    qtbot.keyClick(picker.input, Qt.Key.Key_Return)
    assert _listed(picker) == ["fetch", "Mail"]

    qtbot.keyClicks(picker.input, "nope")
    click(qtbot, picker.add_button)
    assert picker.error.isVisible() and "No task named “nope”" in picker.error.text()
    assert picker.input.text() == "nope"  # kept, to be corrected
    assert _listed(picker) == ["fetch", "Mail"]
    gui.wait_until(lambda: not editor.save_button.isEnabled())
    picker.input.selectAll()
    qtbot.keyClicks(picker.input, "report")
    assert not picker.error.isVisible()
    click(qtbot, picker.add_button)
    assert _listed(picker) == ["fetch", "Mail", "report"]

    click(qtbot, picker.remove_buttons()["Mail"])
    gui.wait_until(lambda: _listed(picker) == ["fetch", "report"])
    save(gui, qtbot, editor)
    assert gui.service.get_task("summary").spec.depends_on == ("fetch", "report")


def test_a_completion_picked_from_the_list_is_added(gui: Gui, qtbot: Any) -> None:
    gui.service.create_task(command_task("fetch feeds"))
    editor = new_editor(gui)
    go(editor, qtbot, "Schedule")
    choose(qtbot, editor.schedule.kind, "after")
    picker = editor.schedule.after
    qtbot.keyClicks(picker.input, "feeds")
    popup = picker.input.completer().popup()
    gui.wait_until(popup.isVisible)
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    gui.wait_until(lambda: _listed(picker) == ["fetch feeds"])
    gui.wait_until(lambda: picker.input.text() == "")  # (the pick is taken once Qt's is done)
    editor.discard()


def test_a_command_comes_back_exactly_as_typed_and_offers_the_shell(gui: Gui,
                                                                    qtbot: Any) -> None:
    editor = new_editor(gui)
    qtbot.keyClicks(editor.general.name, "ticker")
    go(editor, qtbot, "Action")
    qtbot.keyClicks(editor.action.command, TYPED)
    hint = editor.action.shell_hint
    gui.wait_until(hint.isVisible)
    assert "shell syntax (“" in hint.label.text()  # quoted: "($()." read as a typo
    assert editor.action.shell_note.text().startswith("Without the shell")
    go(editor, qtbot, "Schedule")
    choose(qtbot, editor.schedule.kind, "manual")
    save(gui, qtbot, editor)  # a warning, not an error: it may be meant literally
    task = gui.service.get_task("ticker")
    assert task.spec.action.line == TYPED and not task.spec.action.shell

    editor = TaskEditor(gui.session, task, "edit", gui.window)
    editor.show()
    gui.settle()
    assert editor.action.command.text() == TYPED  # verbatim, not re-quoted
    go(editor, qtbot, "Action")
    gui.wait_until(editor.action.shell_hint.isVisible)
    click(qtbot, editor.action.shell_hint.fix_button)  # the one-click fix
    assert editor.action.shell.isChecked()
    gui.wait_until(lambda: not editor.action.shell_hint.isVisible())
    assert editor.action.shell_note.text().startswith("The shell reads the line")  # not the
    # note for a line run without it (found by a window run-through)
    assert editor.action.command.text() == TYPED
    save(gui, qtbot, editor)
    task = gui.service.get_task("ticker")
    assert task.spec.action.argv == (TYPED,) and task.spec.action.shell

    run = gui.service.run_now("ticker")
    gui.wait_until(lambda: gui.service.get_run(run.id).status == "succeeded", 15)


def test_a_command_without_shell_syntax_gets_no_hint(gui: Gui, qtbot: Any) -> None:
    editor = new_editor(gui)
    go(editor, qtbot, "Action")
    qtbot.keyClicks(editor.action.command, "find . -name '*.tmp' -exec rm {} \\;")
    gui.wait_until(lambda: editor.action.command.text().endswith(";"))
    assert not editor.action.shell_hint.isVisible()
    editor.discard()


def test_a_new_task_has_no_schedule_until_the_person_chooses_one(gui: Gui,
                                                                 qtbot: Any) -> None:
    editor = new_editor(gui)
    qtbot.keyClicks(editor.general.name, "unscheduled")
    go(editor, qtbot, "Action")
    qtbot.keyClicks(editor.action.command, "true")
    gui.wait_until(lambda: "choose when it runs" in editor.save_button.toolTip())
    assert editor.hint.text() == "Choose when it runs" and editor.hint.isVisible()
    assert not editor.save_button.isEnabled()
    schedule_row = [p.title for p in editor.pages].index("Schedule")
    item = editor.sidebar.item(schedule_row)
    assert not item.icon().isNull() and item.toolTip() == "Choose when it runs"
    click(qtbot, editor.save_button)  # refused
    assert gui.service.count_tasks() == 0

    click(qtbot, editor.hint)  # the hint leads to the choice
    assert editor.stack.currentIndex() == schedule_row
    assert editor.focusWidget() is editor.schedule.kind
    assert editor.schedule.kind.currentIndex() == -1  # nothing picked for the person
    assert editor.schedule.kind.currentText() == ""
    choose(qtbot, editor.schedule.kind, "manual")  # "Only when I run it", chosen
    assert editor.schedule.kind.currentText().startswith("Only when I run it")
    gui.wait_until(editor.save_button.isEnabled)
    assert not editor.hint.isVisible() and item.icon().isNull()
    save(gui, qtbot, editor)
    task = gui.service.get_task("unscheduled")
    assert task.spec.schedule.kind == "manual" and task.next_run_at is None


def test_enter_in_waits_for_adds_the_name_and_does_not_create_the_task(gui: Gui,
                                                                       qtbot: Any) -> None:
    gui.service.create_task(command_task("fetch"))
    editor = new_editor(gui)
    fill_manual_command(editor, qtbot, "downstream")
    go(editor, qtbot, "Dependencies")
    picker = editor.dependencies.depends_on
    qtbot.keyClicks(picker.input, "fetch")
    gui.wait_until(editor.save_button.isEnabled)  # the person pauses: Create is ready
    picker.input.completer().popup().hide()
    qtbot.keyClick(picker.input, Qt.Key.Key_Return)
    assert _listed(picker) == ["fetch"]
    qtbot.wait(50)
    assert editor.isVisible() and gui.service.count_tasks() == 1  # not created by Enter
    save(gui, qtbot, editor)
    assert gui.service.get_task("downstream").spec.depends_on == ("fetch",)


def test_a_commands_input_and_shell_program_are_shown_kept_and_editable(gui: Gui,
                                                                        qtbot: Any) -> None:
    # what `tickwork import --crontab` makes of `SHELL=/bin/bash` and a `%` line
    task = gui.service.create_task({
        "name": "mail-report", "timezone": "UTC", "schedule": {"kind": "manual"},
        "action": {"kind": "command", "argv": ["cat | wc -l"], "shell": True,
                   "line": "cat | wc -l", "shell_program": "/bin/bash",
                   "stdin": "one\ntwo\n"}})

    copy = open_selected(gui, qtbot, task.id, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    go(copy, qtbot, "Action")
    assert copy.action.shell_program.text() == "/bin/bash"
    assert copy.action.stdin.toPlainText() == "one\ntwo\n"
    save(gui, qtbot, copy)  # a duplicate used to lose both
    copied = gui.service.get_task("mail-report (copy)")
    assert (copied.spec.action.shell_program, copied.spec.action.stdin) == ("/bin/bash",
                                                                         "one\ntwo\n")
    gui.wait_until(lambda: [i.id for i in gui.window.tasks_view.selected_items()]
                   == [copied.id])  # the new copy is selected; now back to the original

    editor = open_selected(gui, qtbot, task.id, Qt.Key.Key_Return)
    go(editor, qtbot, "Action")
    editor.action.stdin.setFocus()
    qtbot.keyClick(editor.action.stdin, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor.action.stdin, "three")
    qtbot.keyClick(editor.action.stdin, Qt.Key.Key_Return)  # a new line, not Save
    save(gui, qtbot, editor)
    action = gui.service.get_task("mail-report").spec.action
    assert action.stdin == "one\ntwo\nthree\n" and action.shell_program == "/bin/bash"
    run = gui.service.run_now("mail-report")
    gui.wait_until(lambda: gui.service.get_run(run.id).status == "succeeded", 15)
    out = "".join(text for _, stream, text in gui.service.run_output(run.id)
                  if stream == "stdout")
    assert out.strip() == "3"  # bash read all three lines from its standard input


def test_a_shell_program_that_is_not_a_path_is_named_inline(gui: Gui, qtbot: Any) -> None:
    editor = new_editor(gui)
    fill_manual_command(editor, qtbot, "bash-line", "echo $0")
    go(editor, qtbot, "Action")
    assert not editor.action.shell_program.isEnabled()  # only for the shell
    click(qtbot, editor.action.shell)
    gui.wait_until(editor.action.shell_program.isEnabled)
    qtbot.keyClicks(editor.action.shell_program, "bash")
    gui.wait_until(lambda: not editor.save_button.isEnabled())
    label = editor.action.errors["shell_program"][0]
    gui.wait_until(label.isVisible)
    assert "absolute path" in label.text()
    assert gui.service.list_tasks() == []
    editor.discard()


def test_an_unticked_bound_says_no_limit_and_a_ticked_one_a_full_hour_ahead(
        gui: Gui, qtbot: Any) -> None:
    """"Not before" showed now + 1 h, greyed, until ticked: it read as a wrong clock. Off,
    it says "no limit"; ticked, it offers the first full hour at least an hour ahead; the
    task keeps the bound set, and unticking it again drops the bound."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    editor = new_editor(gui)
    qtbot.keyClicks(editor.general.name, "bounded")
    go(editor, qtbot, "Action")
    qtbot.keyClicks(editor.action.command, "true")
    go(editor, qtbot, "Schedule")
    choose(qtbot, editor.schedule.kind, "interval")
    start, end = editor.schedule.start, editor.schedule.end
    assert start.enabled_box is not None and end.enabled_box is not None
    assert start.edit.text() == end.edit.text() == "no limit"
    assert not start.edit.isEnabled()

    # on the task's clock, wherever the computer is: a zone 14 hours ahead of UTC
    zone_box = editor.schedule.timezone
    zone_box.lineEdit().selectAll()
    qtbot.keyClicks(zone_box.lineEdit(), "Pacific/Kiritimati")
    click(qtbot, start.enabled_box)
    assert start.edit.isEnabled()
    shown = datetime.strptime(start.edit.text(), "%Y-%m-%d %H:%M:%S")
    assert (shown.minute, shown.second) == (0, 0)
    there = datetime.now(ZoneInfo("Pacific/Kiritimati")).replace(tzinfo=None)
    assert timedelta(hours=1) <= shown - there <= timedelta(hours=2)
    assert end.edit.text() == "no limit"  # the other bound stays off
    save(gui, qtbot, editor)
    task = gui.service.get_task("bounded")
    assert task.spec.start_at is not None
    assert task.spec.timezone == "Pacific/Kiritimati"
    zone = ZoneInfo(task.spec.timezone)  # the field shows the task's wall clock
    assert task.spec.start_at.astimezone(zone).replace(tzinfo=None) == shown
    assert task.spec.end_at is None

    editor = open_selected(gui, qtbot, task.id, Qt.Key.Key_Return)
    go(editor, qtbot, "Schedule")
    start = editor.schedule.start
    assert start.edit.text() == shown.strftime("%Y-%m-%d %H:%M:%S")
    assert start.enabled_box is not None
    click(qtbot, start.enabled_box)
    assert start.edit.text() == "no limit"
    click(qtbot, start.enabled_box)  # on again: what it showed, not a new default
    assert start.edit.text() == shown.strftime("%Y-%m-%d %H:%M:%S")
    click(qtbot, start.enabled_box)
    save(gui, qtbot, editor)
    assert gui.service.get_task("bounded").spec.start_at is None


def test_a_one_shot_time_is_offered_on_the_task_s_clock(gui: Gui, qtbot: Any) -> None:
    """"Once, at a date and time" offers the first full hour at least an hour ahead on the
    task's own clock, not on whichever zone the picker showed before the task was loaded."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    task = gui.service.create_task({
        "name": "far-away", "timezone": "Pacific/Kiritimati", "schedule": {"kind": "manual"},
        "action": {"kind": "command", "argv": ["true"]}})
    editor = open_selected(gui, qtbot, task.id, Qt.Key.Key_Return)
    go(editor, qtbot, "Schedule")
    choose(qtbot, editor.schedule.kind, "date")
    shown = datetime.strptime(editor.schedule.at.edit.text(), "%Y-%m-%d %H:%M:%S")
    there = datetime.now(ZoneInfo("Pacific/Kiritimati")).replace(tzinfo=None)
    assert (shown.minute, shown.second) == (0, 0)
    assert timedelta(hours=1) <= shown - there <= timedelta(hours=2), (shown, there)
    save(gui, qtbot, editor)
    saved = gui.service.get_task("far-away").spec.schedule
    assert saved.kind == "date" and saved.at is not None
    assert saved.at.astimezone(ZoneInfo("Pacific/Kiritimati")).replace(tzinfo=None) == shown


def test_once_chosen_after_a_wrong_zone_says_the_zone_is_wrong(gui: Gui, qtbot: Any) -> None:
    """Choosing "Once" (or passing it with the arrow keys) while the zone typed is not one
    raised "unknown time zone" out of the page, with no word in the window; now the zone's
    error is shown under it and Save waits, and a right zone puts it right."""
    editor = new_editor(gui)
    fill_manual_command(editor, qtbot, "once somewhere")
    page = editor.schedule
    choose(qtbot, page.kind, "interval")
    page.timezone.lineEdit().selectAll()
    qtbot.keyClicks(page.timezone.lineEdit(), "Nowhere/Atall")
    choose(qtbot, page.kind, "date")
    error = page.errors["timezone"][0]
    gui.wait_until(lambda: error.isVisible() and "unknown time zone" in error.text())
    assert not editor.save_button.isEnabled()
    page.timezone.lineEdit().selectAll()
    qtbot.keyClicks(page.timezone.lineEdit(), "Europe/Oslo")
    gui.wait_until(editor.save_button.isEnabled)
    save(gui, qtbot, editor)
    assert gui.service.get_task("once somewhere").spec.schedule.kind == "date"


def test_a_negative_or_zero_duration_is_named_not_quietly_changed(gui: Gui,
                                                                  qtbot: Any) -> None:
    """-5 in the time limit stays -5 and is named under the field; so is a zero interval.
    Nothing is saved until they are fixed."""
    editor = new_editor(gui)
    fill_manual_command(editor, qtbot, "limited")
    go(editor, qtbot, "Execution")
    limit = editor.execution.timeout
    assert limit.enabled_box is not None
    click(qtbot, limit.enabled_box)
    limit.number.lineEdit().selectAll()
    qtbot.keyClicks(limit.number, "-5")
    assert limit.number.value() == -5
    error = editor.execution.errors["timeout"][0]
    gui.wait_until(lambda: error.isVisible() and "positive" in error.text())
    assert not editor.save_button.isEnabled()
    limit.number.lineEdit().selectAll()
    qtbot.keyClicks(limit.number, "30")
    gui.wait_until(lambda: not error.isVisible() and editor.save_button.isEnabled())

    go(editor, qtbot, "Schedule")
    choose(qtbot, editor.schedule.kind, "interval")
    editor.schedule.every.number.lineEdit().selectAll()
    qtbot.keyClicks(editor.schedule.every.number, "0")
    error = editor.schedule.errors["interval"][0]  # said in the unit shown
    gui.wait_until(lambda: error.isVisible() and "more than 0 minutes" in error.text())
    assert not editor.save_button.isEnabled()
    editor.discard()


def test_a_dependency_cycle_is_named_as_it_is_added(gui: Gui, qtbot: Any) -> None:
    """prep waits for greet while greet waits for prep: said under "Waits for" as soon as
    it is added (it was said only by Save), with the cycle, and nothing can be saved."""
    gui.service.create_task(command_task("prep"))
    gui.service.create_task(command_task("greet", depends_on=["prep"]))
    editor = TaskEditor(gui.session, gui.service.get_task("prep"), "edit", gui.window)
    editor.show()
    gui.settle()
    go(editor, qtbot, "Dependencies")
    picker = editor.dependencies.depends_on
    qtbot.keyClicks(picker.input, "greet")
    qtbot.keyClick(picker.input, Qt.Key.Key_Return)
    assert picker.added() == ["greet"]
    error = editor.dependencies.errors["depends_on"][0]
    gui.wait_until(lambda: error.isVisible() and "prep → greet → prep" in error.text())
    assert not editor.save_button.isEnabled()
    editor.discard()
    assert gui.service.get_task("prep").spec.depends_on == ()


def test_an_unclosed_quote_is_named_under_the_command_and_save_waits(gui: Gui,
                                                                      qtbot: Any) -> None:
    editor = new_editor(gui)
    fill_manual_command(editor, qtbot, "greet", 'echo "hi')
    go(editor, qtbot, "Action")
    label = editor.action.errors["command"][0]
    gui.wait_until(label.isVisible)
    assert 'quote " at character 6 is never closed' in label.text()
    assert not editor.save_button.isEnabled()
    click(qtbot, editor.action.shell)  # the shell reads quotes too: still refused
    gui.wait_until(lambda: not editor.save_button.isEnabled() and label.isVisible())
    assert "never closed" in label.text()
    click(qtbot, editor.save_button)
    assert gui.service.list_tasks() == []
    editor.action.command.setFocus()
    qtbot.keyClick(editor.action.command, Qt.Key.Key_End)
    qtbot.keyClicks(editor.action.command, '"')
    save(gui, qtbot, editor)
    assert gui.service.get_task("greet").spec.action.argv == ('echo "hi"',)


def test_a_name_differing_only_in_case_from_another_task_s_is_named_inline(
        gui: Gui, qtbot: Any) -> None:
    gui.service.create_task(command_task("shout"))
    editor = new_editor(gui)
    fill_manual_command(editor, qtbot, "Shout")
    go(editor, qtbot, "General")
    label = editor.general.errors["name"][0]
    gui.wait_until(label.isVisible)
    assert "a task named “shout” already exists: “Shout” differs from it only in letter " \
        "case" in label.text()  # (in the window's quotes)
    assert not editor.save_button.isEnabled()
    qtbot.keyClicks(editor.general.name, "2")
    save(gui, qtbot, editor)
    assert sorted(t.name for t in gui.service.list_tasks()) == ["Shout2", "shout"]


def _click_part(qtbot: Any, edit: Any, index: int) -> None:
    """Click the date-time field's text just right of its `index`-th character."""
    from app.gui.qt import QPoint

    line = edit.lineEdit()
    x = line.fontMetrics().horizontalAdvance(edit.text()[:index]) + 4
    qtbot.mouseClick(line, Qt.MouseButton.LeftButton, pos=QPoint(x, line.height() // 2))
    qtbot.wait(20)  # the part is selected once the click is done


def test_a_click_into_a_time_then_digits_types_over_that_part(gui: Gui, qtbot: Any) -> None:
    """Click the minutes of "Once, at" and type 30: the minutes are 30 (a bare cursor was
    left there and Qt dropped the digits without a word: a newcomer's run-through); so for
    the hour, the year and the day, and the task is saved at what was typed."""
    task = gui.service.create_task(command_task("once-typed"))
    editor = open_selected(gui, qtbot, task.id, Qt.Key.Key_Return)
    go(editor, qtbot, "Schedule")
    choose(qtbot, editor.schedule.kind, "date")
    edit = editor.schedule.at.edit
    year = int(edit.text()[:4]) + 1
    for index, typed in ((15, "30"), (12, "07"), (2, str(year)), (9, "09")):
        _click_part(qtbot, edit, index)  # yyyy-MM-dd HH:mm:ss
        qtbot.keyClicks(edit, typed)
    assert edit.text()[:16] == f"{year}-{edit.text()[5:7]}-09 07:30", edit.text()
    save(gui, qtbot, editor)
    at = gui.service.get_task("once-typed").spec.schedule.at
    assert at is not None and (at.year, at.day, at.hour, at.minute) == (year, 9, 7, 30)


def test_a_click_into_a_calendar_steps_time_types_over_that_part(gui: Gui,
                                                                  qtbot: Any) -> None:
    """The "Every N days, weeks, months or years" time left a bare cursor too: a click on
    its hour and "04" kept 02:00 (a second run-through)."""
    task = gui.service.create_task(command_task("monthly-typed"))
    editor = open_selected(gui, qtbot, task.id, Qt.Key.Key_Return)
    go(editor, qtbot, "Schedule")
    choose(qtbot, editor.schedule.kind, "calendar")
    edit = editor.schedule.cal_time
    for index, typed in ((0, "04"), (3, "15")):  # HH:mm:ss
        _click_part(qtbot, edit, index)
        qtbot.keyClicks(edit, typed)
    assert edit.text() == "04:15:00", edit.text()
    save(gui, qtbot, editor)
    calendar = gui.service.get_task("monthly-typed").spec.schedule.calendar
    assert calendar is not None and (calendar.hour, calendar.minute) == (4, 15)


@pytest.mark.parametrize(("field", "typed", "said"), [
    ("retries", "-2", "must be between 0 and 100"),
    ("max_instances", "0", "must be between 1 and 1000"),
])
def test_a_number_out_of_bounds_is_named_under_its_field(gui: Gui, qtbot: Any, field: str,
                                                         typed: str, said: str) -> None:
    """-2 typed for the retries became 2 without a word (the box dropped the sign: a
    newcomer's run-through); now the task's own check names it under the field, and the
    task is not saved until it is put right."""
    task = gui.service.create_task(command_task("bounded"))
    editor = open_selected(gui, qtbot, task.id, Qt.Key.Key_Return)
    go(editor, qtbot, "Execution")
    spin = getattr(editor.execution, field)
    click(qtbot, spin)
    spin.selectAll()
    qtbot.keyClicks(spin, typed)
    assert spin.cleanText() == typed
    error = editor.execution.errors[field][0]
    gui.wait_until(error.isVisible)
    assert said in error.text(), error.text()
    assert not editor.save_button.isEnabled()
    spin.selectAll()
    qtbot.keyClicks(spin, "3")
    gui.wait_until(lambda: not error.isVisible())
    save(gui, qtbot, editor)
    assert getattr(gui.service.get_task("bounded").spec, field) == 3


def test_a_negative_time_limit_is_named_beside_save_and_the_cursor_goes_to_its_number(
        gui: Gui, qtbot: Any) -> None:
    """A reason that does not name its field ("must be a positive duration …") is said
    beside Save with the field's words, and a refused Ctrl+Return puts the cursor in the
    number that is wrong, not on the "Stop after" box (a newcomer's run-through)."""
    from app.gui.qt import QApplication

    task = gui.service.create_task(command_task("limited"))
    editor = open_selected(gui, qtbot, task.id, Qt.Key.Key_Return)
    go(editor, qtbot, "Execution")
    limit = editor.execution.timeout
    click(qtbot, limit.enabled_box)
    assert limit.number.isEnabled()
    limit.number.selectAll()
    qtbot.keyClicks(limit.number, "-5")
    gui.wait_until(lambda: editor.hint.isVisible()
                   and editor.hint.text().startswith("Execution › Time limit: must be"))
    go(editor, qtbot, "General")
    qtbot.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    gui.wait_until(lambda: QApplication.focusWidget() is limit.number)
    assert gui.service.get_task("limited").spec.timeout is None  # nothing saved
    editor.discard()


def test_the_arrows_of_a_number_box_stay_within_its_bounds(gui: Gui, qtbot: Any) -> None:
    """Typing may go past a box's bounds (named under it), its arrow keys and wheel do not:
    Down at 0 retries stays 0, at 1 running at most stays 1, no error said."""
    task = gui.service.create_task(command_task("stepped"))
    editor = open_selected(gui, qtbot, task.id, Qt.Key.Key_Return)
    go(editor, qtbot, "Execution")
    for field, least in (("retries", 0), ("max_instances", 1)):
        spin = getattr(editor.execution, field)
        click(qtbot, spin)
        assert spin.value() == least
        qtbot.keyClick(spin, Qt.Key.Key_Down)
        assert spin.value() == least
        qtbot.keyClick(spin, Qt.Key.Key_Up)
        assert spin.value() == least + 1
    gui.settle()
    assert not editor.execution.errors["retries"][0].isVisible()
    editor.discard()
