"""File → Import tasks… with an export from another home whose tasks use a secret and one of
which runs a program this machine lacks: the window names that task and why, and asks
whether to import the others before any secret is asked for; Cancel imports and stores
nothing; yes asks for the secret the others use, imports them, and the status line names what
came, as `tickwork import` does, and what was left out. It asked for the secret, then refused
the whole file (the window has no --no-verify), and said only how many came."""

from __future__ import annotations

import json
from pathlib import Path

from app.gui.qt import Qt
from app.gui.tasks.secrets_needed import SecretsNeeded
from tests.gui.conftest import Gui, answer_question, export_from_another_home, said
from tests.gui.file_dialogs import import_tasks, when_secrets_asked

GONE = "/nonexistent/tw-gone"


def _export(tmp_path: Path) -> Path:
    """nightly (its DB is the secret db.pass), plain, and gone, whose program is not here."""
    export = export_from_another_home(tmp_path, "other.json", [
        (["secret", "set", "db.pass"], "tw-home-a"),
        (["task", "add", "nightly", "--manual", "--command", "env",
          "--secret-env", "DB=db.pass"], None),
        (["task", "add", "plain", "--manual", "--command", "true"], None),
        (["task", "add", "gone", "--manual", "--command", "true"], None)])
    data = json.loads(export.read_text())
    data["tasks"][2]["action"].update(argv=[GONE], line=GONE)  # (as on that machine)
    export.write_text(json.dumps(data))
    assert "tw-home-a" not in export.read_text()  # an export holds no secret's value
    return export


def test_a_task_whose_program_is_missing_is_named_and_the_others_imported(
        gui: Gui, tmp_path: Path) -> None:
    export = _export(tmp_path)
    question = ("1 task in this file would be refused: what it runs is not on this machine."
                f"\n\n• “gone”: tasks[2].action.argv: no such program: {GONE}\n\n"
                "Import the other 2 tasks and leave it out?")
    asked: list[tuple[bool, list[str]]] = []  # (after the question?, the secrets asked)
    answered: list[bool] = []

    def type_secret(box: SecretsNeeded) -> None:  # (one watcher: it acts once)
        asked.append((bool(answered), list(box.fields)))
        if not answered:  # asked before the question: gone unanswered
            box.reject()
            return
        box.fields["db.pass"].setText("tw-typed")
        gui.qtbot.mouseClick(box.store_button, Qt.MouseButton.LeftButton)

    when_secrets_asked(type_secret)
    back = answer_question(gui.qtbot, "Cancel", screenshot="import-tasks-refused")
    import_tasks(gui, export)
    gui.wait_until(lambda: back.done or asked)
    assert not asked, "the secret was asked for before the task that would be refused was named"
    assert back.text == question
    gui.settle()
    assert gui.service.count_tasks() == 0 and gui.service.keyring.get("db.pass") is None

    answered.append(True)
    go = answer_question(gui.qtbot, "Import the other 2")
    import_tasks(gui, export)
    gui.wait_until(lambda: go.done)
    assert go.text == question
    gui.wait_until(lambda: gui.service.count_tasks() == 2, 15)
    assert asked == [(True, ["db.pass"])] and gui.service.keyring.get("db.pass") == "tw-typed"
    assert sorted(t.name for t in gui.service.list_tasks()) == ["nightly", "plain"]
    gui.wait_until(lambda: said(gui.window).startswith("Imported"))
    assert said(gui.window) == ("Imported 2 tasks: “nightly”, “plain”. 1 task was left out "
                                "(would be refused): “gone”.")
