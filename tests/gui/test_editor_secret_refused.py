"""A secret typed in the task editor goes to the keyring only with a save that is made: the
editor stored it before the save, so a save the service then refused (a name another
process took meanwhile, a command too large to start with its secrets, a change made
elsewhere to a field changed here) left a new task's
secret in the keyring for good, unused and unnamed in the store, and an edited task's new
value in place of the old one, though "nothing is saved yet"."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from app.gui.qt import Qt
from tests.gui.conftest import Gui, answer_question, closed, command_task
from tests.gui.editing import click, fill_manual_command, go, new_editor, open_selected, save


def kept(service: str) -> dict[str, str]:
    """The test keyring's entries for a home's keyring `service` by name
    (tests/support/file_keyring.py), the audit's own (`tickwork:…`) left out."""
    path = Path(os.environ["TICKWORK_TEST_KEYRING"])
    held = json.loads(path.read_text()) if path.exists() else {}
    return {name: value for (slot, name), value in
            ((key.split("\x1f"), value) for key, value in held.items())
            if slot == service and not name.startswith("tickwork:")}


def _type_secret(gui: Gui, qtbot: Any, editor: Any, variable: str, value: str) -> None:
    """On the Environment page: a new variable, ticked Secret, its value typed."""
    go(editor, qtbot, "Environment & secrets")
    click(qtbot, editor.env.add_button)
    gui.wait_until(lambda: editor.env.rows and editor.env.rows[-1].isVisible())
    row = editor.env.rows[-1]
    gui.wait_until(row.name.hasFocus)
    qtbot.keyClicks(row.name, variable)
    gui.wait_until(lambda: row.secret.isVisible() and row.secret.width() > 20)
    click(qtbot, row.secret)
    assert row.secret.isChecked()
    qtbot.keyClicks(row.value, value)


def test_a_new_task_refused_at_its_save_leaves_nothing_in_the_keyring(
        gui: Gui, qtbot: Any, cli: Any) -> None:
    gui.wait_until(lambda: gui.session.secrets_available is True)
    editor = new_editor(gui)
    fill_manual_command(editor, qtbot, "extract", "env")
    _type_secret(gui, qtbot, editor, "API_TOKEN", "tw-typed-token")
    # the name is taken by another process while the editor is open
    assert cli("task", "add", "extract", "--command", "true", "--manual").code == 0
    gui.wait_until(editor.save_button.isEnabled)
    click(qtbot, editor.save_button)
    gui.wait_until(lambda: editor.first_error() is not None)
    assert editor.isVisible() and not editor.save_button.isEnabled()  # (till it changes)
    first = editor.first_error()
    assert first is not None and first.field == "name", first
    s = gui.service
    assert kept(s.keyring.service) == {}
    assert s.list_secrets() == []
    assert [t.spec.action.argv for t in s.list_tasks()] == [("true",)]  # the other's only
    assert "secret.set" not in {e["action"] for e in s.audit_events()}

    # another name: saved, and its secret with it
    editor.general.name.setFocus()
    editor.general.name.selectAll()
    qtbot.keyClicks(editor.general.name, "extract 2")
    save(gui, qtbot, editor)
    assert s.get_task("extract 2").spec.secret_env == {"API_TOKEN": "extract-2.API_TOKEN"}
    assert kept(s.keyring.service) == {"extract-2.API_TOKEN": "tw-typed-token"}
    assert s.list_secrets() == ["extract-2.API_TOKEN"]
    assert s.verify_audit().ok


def test_a_copy_whose_secrets_make_its_command_too_large_leaves_nothing_in_the_keyring(
        gui: Gui, qtbot: Any) -> None:
    """A Python function takes a secret of any size; its copy made a command cannot be
    started with it, and is refused at its save (app/service_secrets.py): the secret typed
    for the copy stayed in the keyring."""
    gui.wait_until(lambda: gui.session.secrets_available is True)
    s = gui.service
    big = "x" * (131_072 - len("BIG="))  # with its NUL one byte over Linux's limit
    s.set_secret("big", big)
    task = s.create_task({"name": "load", "timezone": "UTC", "schedule": {"kind": "manual"},
                          "action": {"kind": "python", "target": "json:dumps"},
                          "secret_env": {"BIG": "big"}})
    editor = open_selected(gui, qtbot, task.id, Qt.Key.Key_D,
                           Qt.KeyboardModifier.ControlModifier)
    go(editor, qtbot, "Action")
    click(qtbot, editor.action.is_command)
    click(qtbot, editor.action.command)
    qtbot.keyClicks(editor.action.command, "env")
    _type_secret(gui, qtbot, editor, "API_TOKEN", "tw-typed-token")
    gui.wait_until(editor.save_button.isEnabled)
    click(qtbot, editor.save_button)
    gui.wait_until(lambda: editor.first_error() is not None)
    assert "BIG is too large to run a command with" in str(editor.first_error())
    assert "BIG is too large" in editor.save_button.toolTip()
    # Save stays off till the form changes, whenever the look at the action ends: it was on
    # after the refusal, and a look ending after it (a busy machine) turned it off
    assert not editor.save_button.isEnabled()
    editor.machine.checked.emit()  # (the refusal stays said: it was wiped once, Save on)
    assert "BIG is too large to run a command with" in str(editor.first_error())
    assert "BIG is too large" in editor.save_button.toolTip()
    assert not editor.save_button.isEnabled()
    go(editor, qtbot, "Action")  # the person changes the command: the refusal is not said
    click(qtbot, editor.action.command)
    qtbot.keyClicks(editor.action.command, " -0")
    gui.wait_until(lambda: editor.first_error() is None and editor.save_button.isEnabled())
    assert kept(s.keyring.service) == {"big": big}
    assert s.list_secrets() == ["big"] and [t.name for t in s.list_tasks()] == ["load"]


def test_an_edit_not_saved_keeps_its_secret_s_stored_value(gui: Gui, qtbot: Any,
                                                           cli: Any) -> None:
    gui.wait_until(lambda: gui.session.secrets_available is True)
    s = gui.service
    s.set_secret("nightly.API_TOKEN", "tw-old-token")
    task = s.create_task(command_task("nightly", ["env"], schedule={"kind": "manual"},
                                      secret_env={"API_TOKEN": "nightly.API_TOKEN"}))
    editor = open_selected(gui, qtbot, task.id, Qt.Key.Key_Return)
    go(editor, qtbot, "Execution")
    editor.execution.priority.setFocus()
    qtbot.keyClick(editor.execution.priority, Qt.Key.Key_Up)
    go(editor, qtbot, "Environment & secrets")
    row = next(r for r in editor.env.rows if r.name.text() == "API_TOKEN")
    gui.wait_until(row.value.isVisible)
    row.value.setFocus()
    qtbot.keyClicks(row.value, "tw-new-token")
    assert cli("task", "update", "nightly", "--priority", "3").code == 0  # meanwhile
    asked = answer_question(qtbot, "Keep editing")
    gui.wait_until(editor.save_button.isEnabled)
    click(qtbot, editor.save_button)
    gui.wait_until(lambda: asked.done)
    assert editor.isVisible()  # "nothing is saved yet": the secret's value neither
    assert kept(s.keyring.service) == {"nightly.API_TOKEN": "tw-old-token"}
    assert [e["action"] for e in s.audit_events(limit=2)] == ["task.update", "task.create"]

    overwrite = answer_question(qtbot, "Save mine over it")
    gui.wait_until(editor.save_button.isEnabled)
    click(qtbot, editor.save_button)
    gui.wait_until(lambda: overwrite.done and closed(editor))
    assert kept(s.keyring.service) == {"nightly.API_TOKEN": "tw-new-token"}
    assert s.get_task("nightly").spec.priority == 1
    assert s.verify_audit().ok
