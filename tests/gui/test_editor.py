"""The task editor, driven by clicks and typing: create, validate inline, keep secrets out
of the database, run the task and see it succeed with its output."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from app.gui.editor.dialog import TaskEditor
from app.gui.main_window import AUDIT, RUNS, TASKS
from app.gui.qt import QApplication, Qt
from tests.gui.conftest import Gui, closed, command_task
from tests.gui.editing import choose, go, new_editor, open_selected


def _new_editor(gui: Gui, qtbot: Any) -> TaskEditor:
    return new_editor(gui)


def _go(editor: TaskEditor, qtbot: Any, page: str) -> None:
    go(editor, qtbot, page)


def _manual(editor: TaskEditor, qtbot: Any) -> None:
    """Choose "Only when I run it" on the Schedule page (a new task has no schedule)."""
    _go(editor, qtbot, "Schedule")
    choose(qtbot, editor.schedule.kind, "manual")


def test_create_run_and_see_output_by_point_and_click(gui: Gui, qtbot: Any) -> None:
    editor = _new_editor(gui, qtbot)
    assert not editor.save_button.isEnabled()  # nothing typed yet
    assert not editor.general.errors["name"][0].isVisible()  # and no scolding either
    qtbot.keyClicks(editor.general.name, "Say hello")
    _go(editor, qtbot, "Action")
    qtbot.keyClicks(editor.action.command, "echo hello from tickwork")
    _go(editor, qtbot, "Schedule")
    choose(qtbot, editor.schedule.kind, "interval")
    editor.schedule.every.number.setValue(2)
    editor.schedule.every.unit.setCurrentIndex(2)  # hours
    gui.wait_until(editor.save_button.isEnabled)
    assert editor.schedule.words.text() == "Every 2 hours"
    assert len(editor.schedule.next_times.text().splitlines()) == 5
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: closed(editor))

    model = gui.window.tasks_model
    gui.wait_until(lambda: model.row_of(gui.service.get_task("Say hello").id) >= 0)
    task = gui.service.get_task("Say hello")
    assert task.spec.action.argv == ("echo", "hello", "from", "tickwork")
    assert task.spec.schedule.seconds == 7200
    table = gui.window.tasks_view.table
    gui.wait_until(lambda: table.selectionModel().selectedRows())  # the new task is selected
    gui.window.activateWindow()
    gui.wait_until(lambda: QApplication.activeWindow() is gui.window)
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_F5)  # Run now
    gui.wait_until(lambda: gui.service.count_runs(task="Say hello") == 1)

    gui.window.view_actions.actions()[RUNS].trigger()
    runs = gui.window.runs_view
    gui.wait_until(lambda: runs.model.rowCount() == 1)
    runs.table.selectRow(0)
    gui.wait_until(lambda: runs.detail.fields["Status"].text() == "succeeded", 15)
    gui.wait_until(lambda: "hello from tickwork" in runs.detail.output_text())
    gui.wait_until(lambda: runs.detail.fields["Exit code"].text() == "0")
    gui.window.show_view(TASKS)  # the task's row shows its last run, updated by events
    gui.wait_until(lambda: (gui.window.tasks_model.rows[0].task.last_run is not None
                            and gui.window.tasks_model.rows[0].task.last_run.status
                            == "succeeded"))
    events = [e["action"] for e in gui.service.audit_events()]
    assert events[:2] == ["task.run_now", "task.create"]
    assert all(e["actor"] == "gui" for e in gui.service.audit_events())


def test_invalid_cron_shows_inline_error_and_save_stays_disabled(gui: Gui, qtbot: Any) -> None:
    editor = _new_editor(gui, qtbot)
    qtbot.keyClicks(editor.general.name, "Bad cron")
    _go(editor, qtbot, "Action")
    qtbot.keyClicks(editor.action.command, "true")
    _go(editor, qtbot, "Schedule")
    choose(qtbot, editor.schedule.kind, "cron")
    editor.schedule.cron.clear()
    qtbot.keyClicks(editor.schedule.cron, "61 * * * *")
    error = editor.schedule.errors["cron"][0]
    gui.wait_until(error.isVisible)
    assert "minute field: 61 is out of range 0-59" in error.text()
    assert not editor.save_button.isEnabled()
    assert "cron" in editor.save_button.toolTip()
    schedule_row = [p.title for p in editor.pages].index("Schedule")
    assert not editor.sidebar.item(schedule_row).icon().isNull()  # the page is marked
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)  # refused
    assert gui.service.count_tasks() == 0

    editor.schedule.cron.clear()
    qtbot.keyClicks(editor.schedule.cron, "*/5 * * * *")
    gui.wait_until(editor.save_button.isEnabled)
    assert not error.isVisible()
    assert editor.schedule.words.text().startswith("Every 5 minutes")
    editor.discard()


def test_a_duplicate_name_is_named_inline(gui: Gui, qtbot: Any) -> None:
    gui.service.create_task({"name": "taken", "action": {"kind": "command", "argv": ["true"]}})
    editor = _new_editor(gui, qtbot)
    qtbot.keyClicks(editor.general.name, "taken")
    _go(editor, qtbot, "Action")
    qtbot.keyClicks(editor.action.command, "true")
    error = editor.general.errors["name"][0]
    gui.wait_until(lambda: "already exists" in error.text())
    assert not editor.save_button.isEnabled()
    editor.discard()


def test_a_secret_typed_in_the_editor_never_lands_in_the_database(
        gui: Gui, qtbot: Any, home: Path, tmp_path: Path) -> None:
    secret = "tw-SECRET-9f8e7d6c5b"
    gui.wait_until(lambda: gui.session.secrets_available is True)
    editor = _new_editor(gui, qtbot)
    qtbot.keyClicks(editor.general.name, "Call the API")
    _go(editor, qtbot, "Action")
    qtbot.keyClicks(editor.action.command, "curl -H @token https://example.invalid")
    _manual(editor, qtbot)
    _go(editor, qtbot, "Environment & secrets")
    qtbot.mouseClick(editor.env.add_button, Qt.MouseButton.LeftButton)
    row = editor.env.rows[-1]
    gui.wait_until(lambda: row.secret.isVisible() and row.secret.width() > 20)
    qtbot.keyClicks(row.name, "API_TOKEN")
    qtbot.mouseClick(row.secret, Qt.MouseButton.LeftButton, pos=row.secret.rect().center())
    assert row.secret.isChecked()
    qtbot.keyClicks(row.value, secret)
    assert row.value.echoMode() == row.value.EchoMode.Password
    assert row.value.displayText() != secret
    gui.wait_until(editor.save_button.isEnabled)
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: closed(editor))

    task = gui.service.get_task("Call the API")
    assert task.spec.secret_env == {"API_TOKEN": "Call-the-API.API_TOKEN"}
    assert gui.service.keyring.get("Call-the-API.API_TOKEN") == secret
    gui.store.close()  # flush nothing pending; then look at every byte on disk
    for path in home.iterdir():
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path
    assert secret in (tmp_path / "keyring.json").read_text()
    from app.store.database import Store

    gui.store = Store.open(home, actor="gui")


def test_without_a_keyring_secrets_are_refused_with_a_clear_message(gui: Gui,
                                                                     qtbot: Any) -> None:
    gui.session.secrets_available = False
    editor = TaskEditor(gui.session, None, "new", gui.window)
    editor.show()
    assert editor.env.keyring_note.isVisibleTo(editor.env)
    assert "No keyring is available" in editor.env.keyring_note.text()
    row = editor.env.add_row("TOKEN", "x")
    assert not row.secret.isEnabled()
    editor.discard()


def test_edit_and_duplicate_keep_every_field(gui: Gui, qtbot: Any) -> None:
    data = {"name": "full", "description": "all the fields", "tags": ["a", "b"],
            "action": {"kind": "python", "target": "benchmarks.actions:noop",
                       "kwargs": {"n": 1}, "cwd": "/tmp"},
            "schedule": {"kind": "cron", "expr": "15 3 * * 1-5"}, "timezone": "Europe/Paris",
            "priority": 7, "retries": 2, "retry_delay": 30.0, "backoff": "exponential",
            "timeout": 600.0, "max_instances": 2, "overlap": "queue", "group": "disk",
            "group_limit": 1, "catch_up": "skip", "env": {"A": "1"},
            "notify": {"on_failure": False, "on_success": True}, "dependency_timeout": 120.0}
    task = gui.service.create_task(data)
    editor = TaskEditor(gui.session, task, "edit", gui.window)
    editor.show()
    gui.settle()
    assert editor.validate()
    assert editor.check() | {"start_at": None, "end_at": None} == task.spec.to_json() | {
        "start_at": None, "end_at": None}
    editor.execution.priority.setValue(9)
    gui.wait_until(editor.save_button.isEnabled)
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: closed(editor))
    assert gui.service.get_task("full").spec.priority == 9
    copy = TaskEditor(gui.session, gui.service.get_task("full"), "duplicate", gui.window)
    copy.show()
    gui.settle()
    assert copy.general.name.text() == "full (copy)"
    gui.wait_until(copy.save_button.isEnabled)
    qtbot.mouseClick(copy.save_button, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: not copy.isVisible())
    assert gui.service.get_task("full (copy)").spec.schedule.expr == "15 3 * * 1-5"


def _save_and_fail(gui: Gui, qtbot: Any, editor: TaskEditor, page: str, field: str) -> str:
    """Click Save; the service's refusal shows under `field` and the dialog stays open on
    the page that holds it."""
    gui.wait_until(editor.save_button.isEnabled)
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    owner = next(p for p in editor.pages if p.title == page)
    error = owner.errors[field][0]
    gui.wait_until(error.isVisible)
    assert editor.isVisible() and not closed(editor)
    row = [p.title for p in editor.pages].index(page)
    gui.wait_until(lambda: editor.stack.currentIndex() == row)
    assert not editor.sidebar.item(row).icon().isNull()
    assert not editor.banner.isVisible()
    return str(error.text())


def test_a_fallback_cycle_is_named_under_the_fallback_field(gui_factory: Any,
                                                            qtbot: Any) -> None:
    gui = gui_factory(engine=False)
    gui.service.create_task(command_task("f1"))
    gui.service.create_task(command_task("f2", fallback="f1"))
    editor = TaskEditor(gui.session, gui.service.get_task("f1"), "edit", gui.window)
    editor.show()
    gui.settle()
    _go(editor, qtbot, "Dependencies")
    line = editor.dependencies.fallback.lineEdit()
    qtbot.keyClicks(line, "f2")  # named as it is typed, before any Save
    error = editor.dependencies.errors["fallback"][0]
    gui.wait_until(lambda: error.isVisible() and "f1 → f2 → f1 would make a cycle"
                   in error.text())
    assert not editor.save_button.isEnabled()
    assert gui.service.get_task("f1").spec.fallback is None

    line.selectAll()
    qtbot.keyClick(line, Qt.Key.Key_Delete)
    gui.wait_until(lambda: not editor.dependencies.errors["fallback"][0].isVisible())
    gui.wait_until(editor.save_button.isEnabled)
    editor.execution.priority.setValue(3)
    gui.wait_until(editor.save_button.isEnabled)
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: closed(editor))
    assert gui.service.get_task("f1").spec.priority == 3


def test_a_name_taken_after_the_editor_opened_is_named_when_the_service_refuses(
        gui: Gui, qtbot: Any) -> None:
    editor = _new_editor(gui, qtbot)
    gui.service.create_task(command_task("late"))  # another door took the name meanwhile
    qtbot.keyClicks(editor.general.name, "late")
    _go(editor, qtbot, "Action")
    qtbot.keyClicks(editor.action.command, "true")
    _manual(editor, qtbot)
    assert "a task named “late” already exists" in _save_and_fail(gui, qtbot, editor,
                                                                  "General", "name")
    assert gui.service.count_tasks() == 1
    assert editor.hint.text().startswith("General: a task named “late” already exists")
    editor.discard()


def test_a_name_with_a_bidirectional_override_is_refused_as_you_type(gui: Gui,
                                                                     qtbot: Any) -> None:
    editor = _new_editor(gui, qtbot)
    qtbot.keyClicks(editor.general.name, "invoice")
    QApplication.clipboard().setText("\u202efdp.exe")  # how such a name arrives: pasted
    qtbot.keyClick(editor.general.name, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert editor.general.name.text() == "invoice\u202efdp.exe"
    _go(editor, qtbot, "Action")
    qtbot.keyClicks(editor.action.command, "true")
    error = editor.general.errors["name"][0]
    gui.wait_until(lambda: "U+202E" in error.text())
    assert not editor.save_button.isEnabled()
    editor.discard()


def test_an_edit_in_the_editor_keeps_the_fires_missed_while_no_engine_ran(
        gui_factory: Any, qtbot: Any) -> None:
    """A description typed in the editor leaves the task's missed fires to its catch-up
    policy; a new pace fires from now on (README, "An edit keeps …")."""
    gui = gui_factory(engine=False)
    past = datetime.now(UTC) - timedelta(minutes=5, seconds=30)
    task = gui.service.create_task(command_task(
        "t", schedule={"kind": "interval", "seconds": 60}, catch_up="all"), now=past)
    assert task.next_run_at is not None and task.next_run_at < past + timedelta(minutes=2)
    editor = open_selected(gui, qtbot, task.id, Qt.Key.Key_Return)
    qtbot.keyClicks(editor.general.description, "just a note")
    gui.wait_until(editor.save_button.isEnabled)
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: closed(editor))
    kept = gui.service.get_task("t")
    assert kept.spec.description == "just a note"
    assert kept.next_run_at == task.next_run_at

    editor = open_selected(gui, qtbot, task.id, Qt.Key.Key_Return)
    go(editor, qtbot, "Schedule")
    editor.schedule.every.number.lineEdit().selectAll()
    qtbot.keyClicks(editor.schedule.every.number, "2")
    gui.wait_until(editor.save_button.isEnabled)
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: closed(editor))
    moved = gui.service.get_task("t")
    assert moved.spec.schedule.seconds == 120
    assert moved.next_run_at is not None and moved.next_run_at > datetime.now(UTC)


def test_a_task_made_from_another_view_is_selected_in_tasks(gui: Gui, qtbot: Any) -> None:
    """A task created with Ctrl+N while Audit was shown: the view stays Audit, and going to
    Tasks found the new row only under the focus box, not selected — Run now (F5) and Edit
    did nothing (found by a person in the real window)."""
    gui.service.create_task(command_task("older"))
    gui.window.show_view(AUDIT)
    gui.window.task_ops.new.trigger()  # Ctrl+N, with Audit shown
    gui.wait_until(lambda: gui.window.task_ops.editor is not None
                   and gui.window.task_ops.editor.isVisible())
    editor = gui.window.task_ops.editor
    assert editor is not None
    gui.settle()
    qtbot.keyClicks(editor.general.name, "made from audit")
    _go(editor, qtbot, "Action")
    qtbot.keyClicks(editor.action.command, "true")
    _manual(editor, qtbot)
    gui.wait_until(editor.save_button.isEnabled)
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: closed(editor))
    gui.settle()
    assert gui.window.current_view() == AUDIT  # it stays where the edit began

    gui.window.activateWindow()
    gui.wait_until(lambda: QApplication.activeWindow() is gui.window)
    qtbot.keyClick(gui.window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)  # Tasks
    gui.wait_until(lambda: gui.window.current_view() == TASKS)
    table = gui.window.tasks_view.table
    task = gui.service.get_task("made from audit")
    gui.wait_until(lambda: [gui.window.tasks_model.rows[i.row()].task.id
                            for i in table.selectionModel().selectedRows()] == [task.id])
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_F5)  # Run now
    gui.wait_until(lambda: gui.service.count_runs(task="made from audit") == 1)
