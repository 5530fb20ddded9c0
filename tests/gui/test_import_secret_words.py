"""The import's secrets dialog named a task's own secret by its keyring name, "B.TOKEN" (the
task's name, a dot, its variable: how the editor stores it), which the person never typed or
saw. It reads “TOKEN of “B””; a secret made by name (`tickwork secret set db.pass`) keeps
its name, with the task and variable that use it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.gui.qt import QLabel, Qt
from app.gui.tasks.secrets_needed import SecretsNeeded
from tests.gui.conftest import SCREENSHOTS, Gui, export_from_another_home
from tests.gui.file_dialogs import import_tasks, when_secrets_asked


def _export(tmp_path: Path) -> Path:
    """Task “B” whose TOKEN is its own secret (named as the editor names it, B.TOKEN), and
    “nightly” whose DB is db.pass, exported from another home."""
    return export_from_another_home(tmp_path, "both.json", [
        (["secret", "set", "B.TOKEN"], "tw-token"),
        (["secret", "set", "db.pass"], "tw-pass"),
        (["task", "add", "B", "--manual", "--command", "env",
          "--secret-env", "TOKEN=B.TOKEN"], None),
        (["task", "add", "nightly", "--manual", "--command", "env",
          "--secret-env", "DB=db.pass"], None)])


def test_a_task_s_own_secret_is_named_by_its_variable_and_task(
        gui: Gui, tmp_path: Path) -> None:
    export = _export(tmp_path)
    s = gui.service
    seen: list[Any] = []

    def act(box: SecretsNeeded) -> None:
        try:
            seen.append([w.text() for w in box.findChildren(QLabel)])
            seen.append(box.fields["B.TOKEN"].accessibleName())
            gui.qtbot.mouseClick(box.store_button, Qt.MouseButton.LeftButton)  # none typed
            seen.append(box.error.text())
            seen.append(box.grab().save(str(SCREENSHOTS / "import-secret-words.png")))
            for name, value in (("B.TOKEN", "tw-token-here"), ("db.pass", "tw-pass-here")):
                gui.qtbot.keyClicks(box.fields[name], value)
            gui.qtbot.mouseClick(box.store_button, Qt.MouseButton.LeftButton)
        finally:
            if box.isVisible():  # (a failed look: never left open, blocking the test)
                box.reject()

    when_secrets_asked(act)
    import_tasks(gui, export)
    gui.wait_until(lambda: len(seen) == 4, 15)
    labels, named, error, _ = seen
    assert "TOKEN of “B”" in labels and "db.pass (DB of “nightly”)" in labels
    assert "B.TOKEN" not in labels
    assert named == "Value of TOKEN of “B”"
    assert error.endswith("Type the value of TOKEN of “B”")
    gui.wait_until(lambda: s.count_tasks() == 2, 15)
    assert s.keyring.get("B.TOKEN") == "tw-token-here"
