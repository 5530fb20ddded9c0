"""File → Import tasks… with an empty file (a failed export, a file truncated): the window
says the file is empty and changes nothing. It said "is not valid JSON: Expecting value:
line 1 column 1 (char 0)", words for a parser, not for a person."""

from __future__ import annotations

from pathlib import Path

from tests.gui.conftest import Gui, answer_question, command_task, said
from tests.gui.file_dialogs import import_tasks


def test_an_empty_file_is_refused_as_empty_and_changes_nothing(gui: Gui,
                                                               tmp_path: Path) -> None:
    gui.service.create_task(command_task("keep"))
    empty = tmp_path / "tasks.json"
    empty.write_text("\n")
    answer = answer_question(gui.qtbot, "OK", screenshot="import-tasks-empty")
    import_tasks(gui, empty)
    gui.wait_until(lambda: answer.done)
    assert (answer.title, answer.text) == (
        "Cannot import the tasks", f"file: {empty} is empty: an export file holds tasks")
    assert said(gui.window) == f"Cannot import the tasks: file: {empty} is empty: an export " \
        "file holds tasks"
    assert [t.name for t in gui.service.list_tasks()] == ["keep"]
