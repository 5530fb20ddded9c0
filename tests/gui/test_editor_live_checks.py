"""The editor says what the service would refuse as it is typed, not on Save: a name another
task has (in any letter case or Unicode form), a program, module, folder or shell this
machine lacks; the message goes as soon as the input is fixed, Save says why it waits, and
the checks are the service's own (its own name kept, a relative program found from the
working folder, a shell line's first program looked for and the rest left to the shell, an
unchanged action not looked at)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.gui.qt import QApplication, QPoint, Qt
from app.store.lock import EngineLock
from faults.harness import wait_until
from tests.engine.conftest import EngineProcess
from tests.gui.conftest import SCREENSHOTS, Gui, command_task
from tests.gui.editing import choose, click, go, new_editor, open_selected, save
from tests.gui.file_dialogs import choose_path, file_dialog


def _retype(qtbot: Any, field: Any, text: str) -> None:
    """Select all of a field and type over it, as a person does."""
    field.setFocus()
    qtbot.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    if text:
        qtbot.keyClicks(field, text)
    else:
        qtbot.keyClick(field, Qt.Key.Key_Delete)


def _command(gui: Gui, qtbot: Any, name: str, command: str) -> tuple[Any, Any]:
    """A new task's name typed, then its command on the Action page; the editor and the
    Command field's error label."""
    editor = new_editor(gui)
    qtbot.keyClicks(editor.general.name, name)
    go(editor, qtbot, "Action")
    qtbot.keyClicks(editor.action.command, command)
    return editor, editor.action.errors["command"][0]


def _tick(qtbot: Any, box: Any) -> None:
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=box.rect().bottomLeft() + QPoint(8, -4))


def _looked(gui: Gui, editor: Any) -> None:
    """Wait until the editor's look at this machine has answered for what is typed now."""
    gui.wait_until(lambda: not editor.machine.busy and not editor._validate_timer.isActive())
    gui.settle()


def test_a_program_that_is_not_here_is_named_as_it_is_typed_and_gone_once_fixed(
        gui: Gui, qtbot: Any) -> None:
    editor, label = _command(gui, qtbot, "Nightly sync", "tw-no-such-program --all ~/notes")
    gui.wait_until(label.isVisible)  # no Save pressed
    assert label.text() == "⚠ program 'tw-no-such-program' is not on PATH"
    assert not editor.save_button.isEnabled()
    assert editor.hint.isVisible()  # beside Save: why it waits, a click from the field
    assert editor.hint.text() == "Action › Command: program 'tw-no-such-program' is not on PATH"
    assert editor.hint.accessibleName() == f"Cannot save: {editor.hint.text()}"
    action_row = [p.title for p in editor.pages].index("Action")
    assert not editor.sidebar.item(action_row).icon().isNull()
    assert editor.grab().save(str(SCREENSHOTS / "editor-program-not-here.png"))
    qtbot.keyClick(editor.action.command, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert editor.isVisible() and gui.service.count_tasks() == 0  # Ctrl+Return: refused too
    go(editor, qtbot, "General")
    click(qtbot, editor.hint)  # leads back to the field
    assert editor.stack.currentIndex() == action_row
    assert editor.focusWidget() is editor.action.command

    _retype(qtbot, editor.action.command, "true --all ~/notes")
    gui.wait_until(lambda: not label.text())
    _looked(gui, editor)
    assert not label.text() and editor.hint.text() == "Choose when it runs"
    go(editor, qtbot, "Schedule")
    choose(qtbot, editor.schedule.kind, "manual")
    save(gui, qtbot, editor)
    assert gui.service.get_task("Nightly sync").spec.action.argv[0] == "true"


def test_a_relative_program_is_found_from_the_working_folder(gui: Gui, qtbot: Any,
                                                             tmp_path: Path) -> None:
    """The folder chosen with Browse… lands in the field and is checked as if typed."""
    jobs = tmp_path / "jobs"
    jobs.mkdir()
    (jobs / "x.sh").write_text("#!/bin/sh\nexit 0\n")
    (jobs / "x.sh").chmod(0o755)
    editor, label = _command(gui, qtbot, "Relative", "./x.sh")
    gui.wait_until(lambda: label.text() == "⚠ no such program: ./x.sh")  # not in our folder
    click(qtbot, editor.action.browse)  # the working folder, chosen in a dialog
    chooser = file_dialog(gui, editor.action)
    assert chooser.windowTitle() == "Working folder"
    choose_path(gui, chooser, jobs)
    assert editor.action.cwd.text() == str(jobs)
    gui.wait_until(lambda: not label.text())
    _looked(gui, editor)
    assert not label.text() and not editor.action.errors["cwd"][0].text()
    go(editor, qtbot, "Schedule")
    choose(qtbot, editor.schedule.kind, "manual")
    save(gui, qtbot, editor)
    assert gui.service.get_task("Relative").spec.action.cwd == str(jobs)


def test_a_shell_line_s_first_program_and_its_shell_program_are_checked(
        gui: Gui, qtbot: Any) -> None:
    """Through the shell, the line's first program is looked for as a command's is (it was
    not looked into: `tw-no-such-program | sort` saved silently); builtins, assignments and
    what follows the first program are the shell's to read."""
    editor, label = _command(gui, qtbot, "Piped", "tw-no-such-program | sort")
    gui.wait_until(lambda: "is not on PATH" in label.text())  # run directly: no such program
    click(qtbot, editor.action.shell)
    _looked(gui, editor)  # through the shell: its first program is still not here
    assert label.text() == "⚠ program 'tw-no-such-program' is not on PATH"
    assert not editor.save_button.isEnabled()
    _retype(qtbot, editor.action.command, "cd /tmp && tw-no-such-program | sort")
    gui.wait_until(lambda: not label.text())  # `cd`: a builtin, the rest the shell's
    _retype(qtbot, editor.action.command, "LANG=C $TW_TOOL | sort")
    _looked(gui, editor)
    assert not label.text()
    _retype(qtbot, editor.action.command, "exec tw-no-such-program")
    gui.wait_until(lambda: label.text() == "⚠ program 'tw-no-such-program' is not on PATH")
    _retype(qtbot, editor.action.command, "LANG=C sort -u /dev/null | tw-no-such-program")
    gui.wait_until(lambda: not label.text())
    qtbot.keyClicks(editor.action.shell_program, "/tw/no/such/sh")
    shell_label = editor.action.errors["shell_program"][0]
    gui.wait_until(lambda: shell_label.text() == "⚠ no such shell: /tw/no/such/sh")
    assert not editor.save_button.isEnabled()
    _retype(qtbot, editor.action.shell_program, "/bin/sh")
    gui.wait_until(lambda: not shell_label.text())
    _retype(qtbot, editor.action.command, "tw-no-such-program --all")
    gui.wait_until(lambda: label.text() == "⚠ program 'tw-no-such-program' is not on PATH")
    _tick(qtbot, editor.action.skip_checks)  # "don't check now": the message goes at once
    assert not label.text()
    go(editor, qtbot, "Schedule")
    choose(qtbot, editor.schedule.kind, "manual")
    save(gui, qtbot, editor)
    action = gui.service.get_task("Piped").spec.action
    assert action.shell and action.argv == ("tw-no-such-program --all",)


def test_a_missing_module_or_function_is_named_as_it_is_typed(gui: Gui, qtbot: Any) -> None:
    editor = new_editor(gui)
    qtbot.keyClicks(editor.general.name, "Python job")
    go(editor, qtbot, "Action")
    _tick(qtbot, editor.action.is_python)
    label = editor.action.errors["python"][0]
    gui.wait_until(lambda: editor.hint.text() == "To fill in: Action › Function")
    assert not label.text()  # empty, not yet been to: not a mistake
    click(qtbot, editor.action.target)
    qtbot.keyClick(editor.action.target, Qt.Key.Key_Tab)  # left empty: in words, not "got ''"
    gui.wait_until(lambda: label.text().startswith("⚠ no function given: type module:function"))
    qtbot.keyClicks(editor.action.target, "nosuchmod_tw:run")
    gui.wait_until(lambda: label.text() == "⚠ No module named 'nosuchmod_tw': no working folder "
                   "is set; set it to the folder that holds nosuchmod_tw.py")
    assert not editor.save_button.isEnabled()
    _retype(qtbot, editor.action.target, "os:nosuchfunc")
    gui.wait_until(lambda: label.text() == "⚠ module 'os' has no function 'nosuchfunc'")
    _retype(qtbot, editor.action.target, "tests.support.actions:noop")
    gui.wait_until(lambda: not label.text())
    go(editor, qtbot, "Schedule")
    choose(qtbot, editor.schedule.kind, "manual")
    save(gui, qtbot, editor)
    assert gui.service.get_task("Python job").spec.action.target == "tests.support.actions:noop"


def test_a_missing_folder_is_named_at_once_and_can_be_stored_unchecked(gui: Gui, qtbot: Any,
                                                                       tmp_path: Path) -> None:
    missing = str(tmp_path / "not-mounted-yet")
    editor = new_editor(gui)
    qtbot.keyClicks(editor.general.name, "Later")
    go(editor, qtbot, "Action")
    qtbot.keyClicks(editor.action.command, "true")
    qtbot.keyClicks(editor.action.cwd, missing)
    label = editor.action.errors["cwd"][0]
    gui.wait_until(lambda: label.text() == f"⚠ no such folder: {missing}")
    go(editor, qtbot, "Schedule")
    choose(qtbot, editor.schedule.kind, "manual")
    _looked(gui, editor)
    assert not editor.save_button.isEnabled()
    said = f"Action › Working folder: no such folder: {missing}"
    assert editor.hint.text().startswith("Action › Working folder: no such folder: /")
    assert said in editor.hint.toolTip()  # whole here, where the hint may be cut short
    go(editor, qtbot, "Action")
    _tick(qtbot, editor.action.skip_checks)  # "don't check now": the message goes at once
    assert editor.action.skip_checks.isChecked() and not label.text()
    save(gui, qtbot, editor)
    assert gui.service.get_task("Later").spec.action.cwd == missing


def test_a_name_taken_in_another_case_or_form_is_named_before_anything_else_is_typed(
        gui: Gui, qtbot: Any) -> None:
    gui.service.create_task(command_task("Café notes"))  # é as one character
    editor = new_editor(gui)
    qtbot.keyClicks(editor.general.name, "CAFE")  # upper case, then the accent on its own
    QApplication.clipboard().setText("\u0301")  # (as a combining accent arrives: pasted)
    qtbot.keyClick(editor.general.name, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor.general.name, " NOTES")
    assert editor.general.name.text() == "CAFE\u0301 NOTES"
    label = editor.general.errors["name"][0]
    gui.wait_until(label.isVisible)  # still on the General page, the command not yet typed
    assert editor.stack.currentIndex() == 0
    assert "a task named “Café notes” already exists" in label.text()
    assert editor.hint.text().startswith("General: a task named “Café notes” already exists")
    qtbot.keyClicks(editor.general.name, " 2")
    gui.wait_until(lambda: not label.text())
    assert editor.hint.text() == "To fill in: Action › Command"  # the next thing to do
    editor.discard()


def test_editing_a_task_keeps_or_recases_its_own_name_but_not_another_s(
        gui: Gui, qtbot: Any, tmp_path: Path) -> None:
    folder = tmp_path / "gone-later"
    folder.mkdir()
    task = gui.service.create_task(command_task("backup", action={
        "kind": "command", "argv": ["true"], "cwd": str(folder)}))
    gui.service.create_task(command_task("report"))
    shutil.rmtree(folder)  # the task's folder vanished since it was stored
    gui.quiet()
    editor = open_selected(gui, qtbot, task.id, Qt.Key.Key_Return)
    label = editor.general.errors["name"][0]
    _looked(gui, editor)
    assert editor.save_button.isEnabled(), editor.save_button.toolTip()  # its action: not
    assert not label.text()  # looked at
    assert not editor.action.errors["cwd"][0].text()
    _retype(qtbot, editor.general.name, "Report")
    gui.wait_until(lambda: "a task named “report” already exists" in label.text())
    assert not editor.save_button.isEnabled()
    _retype(qtbot, editor.general.name, "BACKUP")
    gui.wait_until(lambda: not label.text())
    go(editor, qtbot, "Action")  # a changed action is looked at: its folder is gone
    qtbot.keyClicks(editor.action.command, " now")
    cwd = editor.action.errors["cwd"][0]
    gui.wait_until(lambda: cwd.text() == f"⚠ no such folder: {folder}")
    for _ in " now":
        qtbot.keyClick(editor.action.command, Qt.Key.Key_Backspace)
    gui.wait_until(lambda: not cwd.text())
    save(gui, qtbot, editor)
    assert gui.service.get_task(task.id).name == "BACKUP"


def test_a_viewer_s_editor_looks_for_a_program_on_the_engine_s_path(
        gui_factory: Callable[..., Gui], home: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A window that is a viewer of a headless engine checks a program where that engine's
    runs will look for it: on its PATH, not the window's (the background engine's may lack
    `~/.local/bin`, and every run failed "cannot start")."""
    tools = tmp_path / "my bin"
    tools.mkdir()
    (tools / "mytool").write_text("#!/bin/sh\necho hi\n")
    (tools / "mytool").chmod(0o755)
    engine_path = "/usr/local/bin:/usr/bin:/bin"
    engine = EngineProcess(home, tmp_path / "engine.log",
                           env={**os.environ, "PATH": engine_path})
    try:
        wait_until(lambda: (EngineLock(home).holder() or {}).get("path") == engine_path, 30)
        monkeypatch.setenv("PATH", f"{tools}:{os.environ['PATH']}")  # the window's has it
        gui = gui_factory()
        assert gui.session.mode == "standby"
        editor, label = _command(gui, gui.qtbot, "Mine", "mytool --all")
        gui.wait_until(label.isVisible)
        assert label.text() == (
            "⚠ program 'mytool' is not on the PATH of the engine that runs this home's tasks "
            f"(pid {engine.proc.pid}: {engine_path}): give its full path ('{tools}/mytool') "
            "or set PATH in the task's environment")
        assert not editor.save_button.isEnabled()
        _retype(gui.qtbot, editor.action.command, "sh -c true")  # the engine has this one
        gui.wait_until(lambda: not label.text())
        _looked(gui, editor)
        assert not label.text()
    finally:
        assert engine.stop() == 0
