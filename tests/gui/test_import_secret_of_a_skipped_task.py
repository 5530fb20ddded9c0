"""An import that leaves the tasks already here as they are stores only the secrets of the
tasks it brings: a task the file has made here by another process while the window asked
for its secret's value was left as it is, and the value was stored anyway — in the
keyring for good, used by no task, its name listed by `secret list`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.gui.conftest import Gui, answer_question, export_from_another_home
from tests.gui.file_dialogs import import_tasks, type_secret_while
from tests.gui.test_editor_secret_refused import kept


def test_the_secret_of_a_task_made_here_meanwhile_is_not_stored(
        gui: Gui, tmp_path: Path, cli: Any) -> None:
    export = export_from_another_home(tmp_path, "two.json", [
        (["task", "add", "daily", "--manual", "--command", "true"], None),
        (["secret", "set", "db.pass"], "tw-home-a"),
        (["task", "add", "nightly", "--manual", "--command", "env",
          "--secret-env", "DB=db.pass"], None)])
    assert cli("task", "add", "daily", "--command", "true", "--manual").code == 0
    s = gui.service

    def meanwhile() -> None:  # another process makes "nightly" here too: the import leaves it
        assert cli("task", "add", "nightly", "--command", "true", "--manual").code == 0

    others = answer_question(gui.qtbot, "Import the other 1")
    typed = type_secret_while(gui, "db.pass", "tw-typed-here", meanwhile)
    import_tasks(gui, export)
    gui.wait_until(lambda: others.done and bool(typed), 20)
    gui.wait_until(lambda: "Nothing imported" in gui.window.statusBar().currentMessage(), 20)
    assert kept(s.keyring.service) == {}
    assert s.list_secrets() == []
    assert sorted(t.name for t in s.list_tasks()) == ["daily", "nightly"]
    assert [t.spec.action.argv for t in s.list_tasks() if t.name == "nightly"] == [("true",)]
    assert not [e for e in s.audit_events() if e["action"].startswith("secret.")]
