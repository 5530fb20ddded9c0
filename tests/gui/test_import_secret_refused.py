"""The secrets an import needs go to the keyring only with the tasks: the window stored each
typed value first, then imported, and took them back out when the import was refused (a
task of the same name made meanwhile by another process), so the audit said a secret was
stored and deleted for an import that never was — and a value whose removal failed stayed
in the keyring, unused. The import is checked whole first, then the values are stored with
it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.gui.conftest import Gui, answer_question, export_needing_a_secret
from tests.gui.file_dialogs import import_tasks, type_secret_while
from tests.gui.test_editor_secret_refused import kept


def test_an_import_refused_after_its_secrets_were_typed_stores_none(
        gui: Gui, tmp_path: Path, cli: Any) -> None:
    export = export_needing_a_secret(tmp_path)
    s = gui.service

    def meanwhile() -> None:  # another process makes a task of the same name
        assert cli("task", "add", "nightly", "--command", "true", "--manual").code == 0

    typed = type_secret_while(gui, "db.pass", "tw-typed-here", meanwhile)
    answer = answer_question(gui.qtbot, "OK")
    import_tasks(gui, export)
    gui.wait_until(lambda: bool(typed) and answer.done, 20)
    assert answer.title == "Cannot import the tasks"
    assert "nightly" in answer.text, answer.text
    assert kept(s.keyring.service) == {}
    assert s.list_secrets() == []
    assert [t.spec.action.argv for t in s.list_tasks()] == [("true",)]  # the other's only
    assert not [e for e in s.audit_events() if e["action"].startswith("secret.")]
    assert s.verify_audit().ok
