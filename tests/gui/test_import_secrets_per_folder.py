"""The guide said an import “asks for the values of secrets this computer does not have”; a
person who exported from one data folder and imported into another on the same computer
(same keyring) was asked again, by a dialog that said “this home”. Each data folder keeps
its own secrets in the keyring: the dialog and the guide both say “this data folder”."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from app.gui.qt import QLabel
from app.gui.tasks.secrets_needed import SecretsNeeded
from tests.gui.conftest import Gui, export_needing_a_secret
from tests.gui.file_dialogs import import_tasks, when_secrets_asked
from tests.test_user_guide import TEXT


def test_an_import_from_another_folder_on_this_computer_asks_as_the_guide_says(
        gui: Gui, tmp_path: Path) -> None:
    export = export_needing_a_secret(tmp_path)  # another data folder, this same keyring
    seen: list[Any] = []

    def act(box: SecretsNeeded) -> None:
        try:
            seen.append(" ".join(w.text() for w in box.findChildren(QLabel)))
        finally:
            box.reject()

    when_secrets_asked(act)
    import_tasks(gui, export)
    gui.wait_until(lambda: seen, 15)
    guide = " ".join(TEXT.split())
    assert "secrets this data folder does not have yet" in seen[0]
    assert re.search(r"asks for the values of the secrets this data folder does not have "
                     r"yet: each data folder keeps its own secrets", guide)
    assert "this computer does not have" not in guide
