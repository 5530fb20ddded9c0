"""The editor of a task whose stored secret is not in this home's keyring (a store restored
into another home) says so under the variable's row, in `task show`'s words; it said "Uses
the keyring secret …" as of any other, and the task's runs then failed."""

from __future__ import annotations

from typing import Any

from app.gui.qt import Qt
from tests.gui.conftest import Gui, command_task
from tests.gui.editing import go, open_selected


def test_the_editor_says_a_secret_is_missing_from_the_keyring(gui: Gui, qtbot: Any) -> None:
    gui.wait_until(lambda: gui.session.secrets_available is True)
    gui.service.set_secret("API_KEY", "s3cret")
    gui.service.set_secret("OTHER", "kept")
    task = gui.service.create_task(command_task(
        "fetch", schedule={"kind": "manual"},
        secret_env={"TOKEN": "API_KEY", "PASS": "OTHER"}))
    gui.service.keyring.delete("API_KEY")  # the store keeps its name; the keyring lost it
    editor = open_selected(gui, qtbot, task.id, Qt.Key.Key_Return)
    go(editor, qtbot, "Environment & secrets")
    rows = {row.name.text(): row for row in editor.env.rows}
    gui.wait_until(lambda: "missing" in rows["TOKEN"].keyring_name.text())
    assert rows["TOKEN"].keyring_name.text() == (
        "Secret API_KEY: missing from the keyring. Type its value to store it again.")
    assert rows["TOKEN"].keyring_name.isVisible()
    assert rows["PASS"].keyring_name.text() == "Uses the keyring secret “OTHER”."
    editor.discard()
