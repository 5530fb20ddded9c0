"""The editor over a home of many tasks: typing a task's name in "Waits for" looks it up in
the names' index read off the GUI thread, never folds every stored name again at each key
(with 100,000 tasks each fold of them all stalled the window ~130 ms, and the form's check
at each pause in the typing ~240 ms: typing "task 0" froze it 0.5 s, 2026-12-07)."""

from __future__ import annotations

from typing import Any

import pytest

from app.core import references
from app.core import task as core_task
from app.gui.editor import name_list
from tests.gui.conftest import Gui
from tests.gui.editing import click, go, new_editor
from tests.gui.test_many_tasks import insert_tasks

TASKS = 20_000


@pytest.fixture
def folds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every name folded, wherever the editor and the references check fold one."""
    folded: list[str] = []

    def counted(name: str) -> str:
        folded.append(name)
        return core_task.fold(name)

    monkeypatch.setattr(references, "fold", counted)
    monkeypatch.setattr(name_list, "fold", counted)
    return folded


def test_typing_a_name_among_many_folds_only_what_is_typed(gui: Gui, qtbot: Any,
                                                            folds: list[str]) -> None:
    insert_tasks(gui.store, TASKS)  # "task 000000" … "task 019999"
    editor = new_editor(gui)
    names = editor.dependencies.depends_on
    gui.wait_until(lambda: names.input.completions.lookup is not None)  # names came
    go(editor, qtbot, "Dependencies")
    click(qtbot, names.input)
    gui.quiet()
    folds.clear()
    qtbot.keyClicks(names.input, "TASK 00012")  # its letter case aside, a name half typed
    names.input.completer().popup().hide()
    qtbot.wait(300)  # the form checks what is typed once the typing pauses (150 ms)
    gui.quiet()
    assert "No task named “TASK 00012”" in names.error.text()
    qtbot.keyClicks(names.input, "3")
    qtbot.wait(300)
    gui.quiet()
    assert "“TASK 000123”, typed above, is added when you save" in names.pending_note.text()
    # one key, one look: a few names folded, not every stored one at each key and check
    assert len(folds) < 200, len(folds)
    names.input.completer().popup().hide()
    click(qtbot, names.add_button)
    assert names.names() == ["task 000123"]  # listed as the task is named
    editor.discard()
