"""The secrets an import needs, typed, then Enter: the tasks are imported. (Enter pressed
Cancel, the default the dialog showed: the dialog went, nothing was imported and nothing
said so.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.gui.qt import Qt
from app.gui.tasks.secrets_needed import SecretsNeeded
from tests.gui.conftest import SCREENSHOTS, Gui, export_needing_a_secret, said
from tests.gui.file_dialogs import import_tasks, when_secrets_asked


def test_enter_in_the_secrets_dialog_stores_and_imports(gui: Gui, tmp_path: Path) -> None:
    export = export_needing_a_secret(tmp_path)
    s = gui.service
    shown: list[Any] = []

    def act(box: SecretsNeeded) -> None:
        field = box.fields["db.pass"]
        gui.qtbot.keyClicks(field, "tw-typed-here")
        shown.append(box.grab().save(str(SCREENSHOTS / "import-secrets-enter.png")))
        gui.qtbot.keyClick(field, Qt.Key.Key_Return)  # as a person ends typing

    when_secrets_asked(act)
    import_tasks(gui, export)
    gui.wait_until(lambda: bool(shown))
    gui.wait_until(lambda: s.count_tasks() == 1, 15)
    assert s.keyring.get("db.pass") == "tw-typed-here"
    gui.wait_until(lambda: said(gui.window) == "Imported 1 task: “nightly”.")
