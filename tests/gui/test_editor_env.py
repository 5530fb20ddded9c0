"""The Environment & secrets page, driven by clicks and typing: a stored secret is never
emptied unsaid, a new variable takes the cursor, and the page names the TICKWORK_* variables
a real run of the task's kind gets."""

from __future__ import annotations

import os
import re
from typing import Any

from app.core.task import FINISHED_STATUSES
from app.gui.qt import QApplication, QKeySequence, Qt
from tests.gui.conftest import SCREENSHOTS, Gui, click_row, closed, command_task
from tests.gui.editing import (
    choose,
    click,
    fill_manual_command,
    go,
    new_editor,
    open_selected,
    save,
)


def _edit(gui: Gui, task_id: int) -> Any:
    """Click the task's row in Tasks and press Enter (Edit)."""
    view = gui.window.tasks_view
    gui.wait_until(lambda: view.model.row_of(task_id) >= 0)
    click_row(gui.qtbot, view.table, view.model.row_of(task_id))
    gui.qtbot.keyClick(view.table, Qt.Key.Key_Return)
    gui.wait_until(lambda: gui.window.task_ops.editor is not None
                   and gui.window.task_ops.editor.isVisible())
    editor = gui.window.task_ops.editor
    gui.settle()
    return editor


def test_unticking_secret_on_a_stored_secret_asks_for_its_new_value(gui: Gui,
                                                                    qtbot: Any) -> None:
    gui.wait_until(lambda: gui.session.secrets_available is True)
    gui.service.set_secret("secretive.API_TOKEN", "tw-stored-value")
    task = gui.service.create_task(command_task(
        "secretive", ["env"], schedule={"kind": "manual"}, env={"PLAIN": "visible"},
        secret_env={"API_TOKEN": "secretive.API_TOKEN"}))
    editor = _edit(gui, task.id)
    go(editor, qtbot, "Environment & secrets")
    row = next(r for r in editor.env.rows if r.name.text() == "API_TOKEN")
    gui.wait_until(lambda: row.secret.isVisible() and row.secret.width() > 20)
    assert row.secret.isChecked() and editor.save_button.isEnabled()

    click(qtbot, row.secret)  # untick: the stored value is not shown, so nothing to keep
    assert not row.secret.isChecked()
    error = editor.env.errors["env"][0]
    message = "API_TOKEN: type its new value, or tick Secret to keep the stored one"
    gui.wait_until(lambda: message in error.text() and error.isVisible())
    assert not editor.save_button.isEnabled()
    assert message in editor.save_button.toolTip()
    # beside Save, the page's name whole: a button took its "&" for an Alt key, and showed
    # "Environment _secrets" (a run-through under X)
    assert editor.hint.text().startswith("Environment && secrets: API_TOKEN: type its new")
    assert QKeySequence.mnemonic(editor.hint.text()).isEmpty()
    assert editor.grab().save(str(SCREENSHOTS / "editor-secret-unticked.png"))
    qtbot.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert not closed(editor)  # Ctrl+Return refuses too, and shows where
    assert gui.service.get_task(task.id).spec.secret_env == {
        "API_TOKEN": "secretive.API_TOKEN"}

    click(qtbot, row.secret)  # tick again: the stored secret is kept as it was
    gui.wait_until(editor.save_button.isEnabled)
    assert not error.isVisible()
    click(qtbot, row.secret)
    gui.wait_until(lambda: message in error.text())
    qtbot.keyClicks(row.value, "now-plain")  # or give it a plain value: saved as said
    gui.wait_until(editor.save_button.isEnabled)
    click(qtbot, editor.save_button)
    gui.wait_until(lambda: closed(editor))
    spec = gui.service.get_task(task.id).spec
    assert spec.env == {"PLAIN": "visible", "API_TOKEN": "now-plain"}
    assert spec.secret_env == {}


def test_add_variable_puts_the_cursor_in_the_new_name(gui: Gui, qtbot: Any) -> None:
    editor = new_editor(gui)
    go(editor, qtbot, "Environment & secrets")
    qtbot.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)  # &Add variable
    gui.wait_until(lambda: len(editor.env.rows) == 1 and editor.env.rows[0].isVisible())
    row = editor.env.rows[0]
    gui.wait_until(row.name.hasFocus)
    qtbot.keyClicks(QApplication.focusWidget(), "MODE")  # typed where the cursor is
    assert row.name.text() == "MODE"
    click(qtbot, editor.env.add_button)  # by mouse too, into the next row
    gui.wait_until(lambda: len(editor.env.rows) == 2 and editor.env.rows[1].isVisible())
    gui.wait_until(editor.env.rows[1].name.hasFocus)
    qtbot.keyClicks(QApplication.focusWidget(), "LEVEL")
    assert editor.env.rows[1].name.text() == "LEVEL"
    assert editor.grab().save(str(SCREENSHOTS / "editor-variable-added.png"))
    editor.discard()


def _named(text: str) -> list[str]:
    return sorted(set(re.findall(r"TICKWORK_\w+", text)))


def _output_of_a_run(gui: Gui, name: str) -> str:
    run = gui.service.run_now(name)
    gui.wait_until(lambda: gui.service.get_run(run.id).status in FINISHED_STATUSES, 30)
    assert gui.service.get_run(run.id).status == "succeeded"
    return "".join(text for _seq, _stream, text in gui.service.run_output(run.id))


def test_the_page_names_the_variables_a_run_of_its_kind_gets(gui: Gui, qtbot: Any) -> None:
    """README lists six; a command gets all six in its environment, a Python function five
    in context.env (no checkpoint file: it has context.checkpoint()), and the page says so
    for the kind chosen."""
    outside = {k for k in os.environ if k.startswith("TICKWORK_")}  # inherited, not set
    editor = new_editor(gui)
    fill_manual_command(editor, qtbot, "prints env", "env")
    go(editor, qtbot, "Environment & secrets")
    said = _named(editor.env.note.text())
    assert "command's environment" in editor.env.note.text()
    gui.wait_until(editor.save_button.isEnabled)
    assert editor.grab().save(str(SCREENSHOTS / "editor-env-command.png"))
    save(gui, qtbot, editor)
    out = _output_of_a_run(gui, "prints env")
    assert said == sorted({line.split("=", 1)[0] for line in out.splitlines()
                           if line.startswith("TICKWORK_")} - outside)
    assert len(said) == 6 and "TICKWORK_CHECKPOINT_FILE" in said

    editor = new_editor(gui)
    qtbot.keyClicks(editor.general.name, "prints context")
    go(editor, qtbot, "Action")
    click(qtbot, editor.action.is_python)
    qtbot.keyClicks(editor.action.target, "tests.support.actions:tickwork_names")
    go(editor, qtbot, "Schedule")
    choose(qtbot, editor.schedule.kind, "manual")
    go(editor, qtbot, "Environment & secrets")
    said = _named(editor.env.note.text())
    assert "context.env" in editor.env.note.text()
    gui.wait_until(editor.save_button.isEnabled)
    assert editor.grab().save(str(SCREENSHOTS / "editor-env-python.png"))
    save(gui, qtbot, editor)
    found = dict(line.split(" ", 1) for line in _output_of_a_run(
        gui, "prints context").splitlines() if line.startswith(("context.env", "os.environ")))
    assert said == sorted(found["context.env"].split())
    assert "TICKWORK_CHECKPOINT_FILE" not in said and len(said) == 5
    # "they are not put in os.environ": only the token is there (and what it inherited)
    assert sorted(set(found["os.environ"].split()) - outside) == ["TICKWORK_RUN_TOKEN"]


def test_a_secret_row_names_the_keyring_secret_it_uses_never_its_value(gui: Gui,
                                                                       qtbot: Any) -> None:
    """The row showed only dots (seen under Xvfb): which secret does the task use?"""
    gui.wait_until(lambda: gui.session.secrets_available is True)
    gui.service.set_secret("shared.DB_PASSWORD", "tw-hidden-value")
    task = gui.service.create_task(command_task(
        "nightly dump", ["env"], schedule={"kind": "manual"},
        secret_env={"PGPASSWORD": "shared.DB_PASSWORD"}))
    editor = _edit(gui, task.id)
    go(editor, qtbot, "Environment & secrets")
    row = next(r for r in editor.env.rows if r.name.text() == "PGPASSWORD")
    gui.wait_until(lambda: row.keyring_name.isVisible())
    assert row.keyring_name.text() == "Uses the keyring secret “shared.DB_PASSWORD”."
    assert editor.grab().save(str(SCREENSHOTS / "editor-secret-named.png"))
    from app.gui.qt import QLabel, QLineEdit

    shown = [w.text() for w in editor.findChildren(QLabel) + editor.findChildren(QLineEdit)]
    shown += [w.toolTip() for w in editor.findChildren(QLineEdit)]
    assert not any("tw-hidden-value" in text for text in shown)
    click(qtbot, row.secret)  # unticked: no longer the secret's, so not said
    assert not row.keyring_name.isVisible()
    click(qtbot, row.secret)
    assert row.keyring_name.isVisible()


def test_a_secret_variable_removed_in_the_editor_leaves_the_keyring(gui: Gui,
                                                                    qtbot: Any) -> None:
    """Its × and Save left the value in the keyring for good, and the audit said only
    "Changed the secret variables" (a run-through under X)."""
    gui.wait_until(lambda: gui.session.secrets_available is True)
    editor = new_editor(gui)
    fill_manual_command(editor, qtbot, "extract", "env")
    go(editor, qtbot, "Environment & secrets")
    click(qtbot, editor.env.add_button)
    gui.wait_until(lambda: len(editor.env.rows) == 1 and editor.env.rows[0].isVisible())
    row = editor.env.rows[0]
    gui.wait_until(row.name.hasFocus)
    qtbot.keyClicks(row.name, "API_TOKEN")
    gui.wait_until(lambda: row.secret.isVisible() and row.secret.width() > 20)
    click(qtbot, row.secret)
    assert row.secret.isChecked()
    qtbot.keyClicks(row.value, "tw-typed-token")
    save(gui, qtbot, editor)
    s = gui.service
    assert s.get_task("extract").spec.secret_env == {"API_TOKEN": "extract.API_TOKEN"}
    assert s.list_secrets() == ["extract.API_TOKEN"]
    assert s.keyring.get("extract.API_TOKEN") == "tw-typed-token"

    editor = open_selected(gui, qtbot, s.get_task("extract").id, Qt.Key.Key_Return)
    go(editor, qtbot, "Environment & secrets")
    row = next(r for r in editor.env.rows if r.name.text() == "API_TOKEN")
    gui.wait_until(row.remove.isVisible)
    click(qtbot, row.remove)
    save(gui, qtbot, editor)
    assert s.get_task("extract").spec.secret_env == {}
    assert s.list_secrets() == [] and s.keyring.get("extract.API_TOKEN") is None
    said = [e for e in s.audit_events(limit=5)]
    assert [e["action"] for e in said[:2]] == ["secret.delete", "task.update"], said
