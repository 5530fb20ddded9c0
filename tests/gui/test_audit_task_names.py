"""The Audit view said a change of what a task waits for as “Changed task “nightly backup”:
what it waits for from long to none”: the task “long” read as a word of the sentence. And a
Python task's new function was “the command from “jobs:nightly” to “jobs:show””, though the
editor calls it the Function. Tasks named in a change are in quotes, as everywhere in the
sentence, and a Python action's function is called its function."""

from __future__ import annotations

from typing import Any

from app.gui.audit.model import WHAT
from app.gui.qt import Qt
from tests.gui.conftest import Gui, command_task


def _sentences(gui: Gui, count: int) -> list[str]:
    view = gui.window.audit_view
    gui.wait_until(lambda: view.model.total == count)
    gui.quiet()
    return [view.model.index(row, WHAT).data() for row in range(count)]  # newest first


def test_tasks_named_in_a_change_are_quoted_and_a_function_is_a_function(
        gui: Gui, qtbot: Any) -> None:
    s = gui.service
    s.create_task(command_task("long"))
    s.create_task(command_task("rescue"))
    s.create_task(command_task("nightly backup"))
    s.create_task({"name": "py nightly", "timezone": "UTC",
                   "action": {"kind": "python", "target": "json:dumps"}})
    s.update_task("nightly backup", {"depends_on": ["long"]})
    s.update_task("nightly backup", {"depends_on": [], "fallback": "rescue"})
    s.update_task("py nightly", {"action": {"kind": "python", "target": "json:loads"}})
    qtbot.keyClick(gui.window, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)
    function, both, waits = _sentences(gui, 7)[:3]
    assert waits == "Changed task “nightly backup”: what it waits for from none to “long”"
    assert both == ("Changed task “nightly backup”: what it waits for from “long” to none "
                    "and the fallback task from none to “rescue”")
    assert function == "Changed the function of “py nightly” from “json:dumps” to “json:loads”"
