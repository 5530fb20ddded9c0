"""The guide's first task, `tar czf backup.tgz Documents`, names files by relative paths.
A person who left Action › Working folder empty, as the field allows, got a run in the
folder the app was started from: the window's engine ran it there, the background engine
in Tickwork's own data folder, `tickwork engine` in its terminal's, so the same task
worked, failed or wrote into the data folder depending on which engine ran it. An empty
folder now means the home folder, as a cron job's, whatever runs it; the field's
placeholder and the guide say so, and the window's engine runs it there
(tests/engine/test_home_folder.py: `tickwork engine` started from two folders)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.gui.conftest import Gui
from tests.gui.editing import fill_manual_command, go, new_editor, save
from tests.test_user_guide import TEXT


def test_an_empty_working_folder_is_the_home_folder_as_the_field_and_the_guide_say(
        gui: Gui, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    user = tmp_path / "user"
    user.mkdir()
    monkeypatch.setenv("HOME", str(user))  # (the engine's commands see it at their next start)
    editor = new_editor(gui)
    fill_manual_command(editor, qtbot, "where", "pwd")
    go(editor, qtbot, "Action")
    assert editor.action.cwd.text() == ""
    assert editor.action.cwd.placeholderText() == "(your home folder)"
    guide = " ".join(TEXT.split())
    assert ("**Action › Working folder** is the folder the command starts in, where relative "
            "paths such as `Documents` and `backup.tgz` are found and made. Left empty, the "
            "command starts in your home folder, as a cron job does, however Tickwork was "
            "started") in guide
    save(gui, qtbot, editor)
    s = gui.service
    gui.wait_until(lambda: s.count_tasks() == 1)
    run = s.run_now("where")
    gui.wait_until(lambda: s.get_run(run.id).status == "succeeded", 20)
    said = "".join(text for _seq, _stream, text in s.run_output(run.id)).strip()
    assert said == os.path.realpath(user) != os.getcwd()  # not where the window started


def test_a_program_named_relative_with_no_working_folder_is_checked_in_the_home_folder(
        gui: Gui, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The editor checked `./hello.sh` against the window's own folder: a script at home
    was refused as “no such program”, one beside the window was let through to fail."""
    user = tmp_path / "user"
    user.mkdir()
    (user / "hello.sh").write_text("#!/bin/sh\necho hello from home\n")
    (user / "hello.sh").chmod(0o755)
    monkeypatch.setenv("HOME", str(user))
    editor = new_editor(gui)
    fill_manual_command(editor, qtbot, "hello", "./hello.sh")
    save(gui, qtbot, editor)  # (it waits for Save to be enabled: the check passed)
    s = gui.service
    gui.wait_until(lambda: s.count_tasks() == 1)
    run = s.run_now("hello")
    gui.wait_until(lambda: s.get_run(run.id).status == "succeeded", 20)
    said = "".join(text for _seq, _stream, text in s.run_output(run.id))
    assert said == "hello from home\n"
