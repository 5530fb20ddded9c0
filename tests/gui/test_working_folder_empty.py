"""The guide's first task, `tar czf backup.tgz Documents`, names files by relative paths,
and the guide said of Action › Working folder only that it is where the command starts; a
person who left it empty, as the field allows, got a run in “Tickwork's own directory” (the
field's placeholder), which neither said where that is nor matched the guide. The guide
says to fill it in for such a command and what an empty one means, the engine's own folder,
in the placeholder's words; a run of a command with none starts there."""

from __future__ import annotations

import os
from typing import Any

from tests.gui.conftest import Gui
from tests.gui.editing import fill_manual_command, go, new_editor, save
from tests.test_user_guide import TEXT


def test_an_empty_working_folder_is_the_engine_s_as_the_field_and_the_guide_say(
        gui: Gui, qtbot: Any) -> None:
    editor = new_editor(gui)
    fill_manual_command(editor, qtbot, "where", "pwd")
    go(editor, qtbot, "Action")
    assert editor.action.cwd.text() == ""
    assert editor.action.cwd.placeholderText() == "(the engine's own folder)"
    guide = " ".join(TEXT.split())
    assert ("**Action › Working folder** is the folder the command starts in: fill it in when "
            "the command names files by relative paths, as this one does") in guide
    assert ("Left empty, the command starts in the engine's own folder, which depends on how "
            "Tickwork was started.") in guide
    save(gui, qtbot, editor)
    s = gui.service
    gui.wait_until(lambda: s.count_tasks() == 1)
    run = s.run_now("where")
    gui.wait_until(lambda: s.get_run(run.id).status == "succeeded", 20)
    said = "".join(text for _seq, _stream, text in s.run_output(run.id)).strip()
    assert said == os.getcwd()  # this window's engine's folder: where it was started
