"""File → Export tasks… and Import tasks… in the window, through their file dialogs: the
tasks of one home arrive in another, the status bar says how many and the group-limit note
(README), a file that is not an export is refused and changes nothing, Cancel does nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app.gui.qt import QAbstractItemView, Qt
from tests.gui.conftest import (
    SCREENSHOTS,
    Gui,
    _open_gui,
    answer_question,
    close_gui,
    command_task,
    export_needing_a_secret,
    said,
)
from tests.gui.file_dialogs import (
    cancel,
    choose_path,
    file_dialog,
    file_menu_entry,
    when_secrets_asked,
)


def test_tasks_exported_from_one_home_s_window_arrive_in_another_s(
        qtbot: Any, tmp_path: Path) -> None:
    exports = tmp_path / "exports"
    exports.mkdir()
    export = exports / "nightly.json"
    first = _open_gui(tmp_path / "a", qtbot)
    try:
        first.service.create_task(command_task("n1", group="nightly", group_limit=2))
        first.service.create_task(command_task("n2", group="nightly"))
        file_menu_entry(first, "Export tasks…")
        dialog = file_dialog(first, first.window.task_ops)
        assert dialog.windowTitle() == "Export tasks"
        assert dialog.selectedFiles()[0].endswith("/tickwork-tasks.json")  # the name offered
        choose_path(first, dialog, export)
        first.wait_until(lambda: said(first.window)
                         == f"Exported 2 tasks to {export}.")
        assert [t["name"] for t in json.loads(export.read_text())["tasks"]] == ["n1", "n2"]
    finally:
        close_gui(first)

    second = _open_gui(tmp_path / "b", qtbot)
    try:
        second.service.create_task(command_task("g", group="nightly", group_limit=5))
        second.window.tasks_view.search.setText("g")  # typed before: must not hide them
        second.wait_until(lambda: second.window.tasks_model.query().search == "g")
        file_menu_entry(second, "Import tasks…")
        dialog = file_dialog(second, second.window.task_ops)
        assert dialog.windowTitle() == "Import tasks"
        assert dialog.directory().absolutePath() == str(exports)  # where the export went
        listing = dialog.findChild(QAbstractItemView, "listView")
        second.wait_until(lambda: listing.model().rowCount(listing.rootIndex()) == 1)
        assert dialog.grab().save(str(SCREENSHOTS / "import-tasks-dialog.png"))
        choose_path(second, dialog, export)
        second.wait_until(lambda: second.service.count_tasks() == 3)
        tasks = {t.name: t.spec for t in second.service.list_tasks()}
        assert {n: (s.group, s.group_limit) for n, s in tasks.items()} == {
            "g": ("nightly", 5), "n1": ("nightly", 5), "n2": ("nightly", 5)}
        second.wait_until(lambda: said(second.window).startswith(
            "Imported 2 tasks: “n1”, “n2”."))
        assert said(second.window) == (
            "Imported 2 tasks: “n1”, “n2”. Group 'nightly' keeps this home's limit of 5 (the "
            "file gives 2): 'g' is already in it")
        second.wait_until(lambda: second.window.tasks_model.rowCount() == 3)
        assert not second.window.tasks_view.search.text()  # (the search hid them: it went)
    finally:
        close_gui(second)


def test_a_file_that_is_not_an_export_is_refused_and_cancel_does_nothing(
        gui: Gui, tmp_path: Path) -> None:
    gui.service.create_task(command_task("keep"))
    notes = tmp_path / "notes.json"
    notes.write_text('{"todo": ["milk"]}\n')
    file_menu_entry(gui, "Import tasks…")
    answer = answer_question(gui.qtbot, "OK")
    choose_path(gui, file_dialog(gui, gui.window.task_ops), notes)
    gui.wait_until(lambda: answer.done)
    assert (answer.title, answer.text) == ("Cannot import the tasks",
                                           'file: expected {"version": 1, "tasks": [...]}')
    assert [t.name for t in gui.service.list_tasks()] == ["keep"]
    assert said(gui.window).startswith("Cannot import the tasks: ")

    gui.window.statusBar().clearMessage()
    file_menu_entry(gui, "Import tasks…")
    cancel(gui, file_dialog(gui, gui.window.task_ops))
    file_menu_entry(gui, "Export tasks…")
    cancel(gui, file_dialog(gui, gui.window.task_ops))
    gui.settle()
    assert [t.name for t in gui.service.list_tasks()] == ["keep"]
    assert not gui.window.statusBar().currentMessage()
    assert not list(tmp_path.glob("**/tickwork-tasks.json"))


def test_a_bad_value_in_an_export_is_named_by_its_key_in_the_file(
        gui: Gui, tmp_path: Path) -> None:
    """`"timezone": "Mars/Base"` is `tasks[0].timezone` in the window's message, as the file
    has it (the editor's own field is `tz`), and nothing is imported."""
    gui.service.create_task(command_task("keep"))
    export = tmp_path / "tasks.json"
    gui.service.export_tasks(export)
    document = json.loads(export.read_text())
    document["tasks"][0].update(name="mars", timezone="Mars/Base")
    export.write_text(json.dumps(document))
    file_menu_entry(gui, "Import tasks…")
    answer = answer_question(gui.qtbot, "OK")
    choose_path(gui, file_dialog(gui, gui.window.task_ops), export)
    gui.wait_until(lambda: answer.done)
    assert answer.title == "Cannot import the tasks"
    assert answer.text.startswith("tasks[0].timezone: unknown time zone: 'Mars/Base'"), (
        answer.text)
    assert [t.name for t in gui.service.list_tasks()] == ["keep"]


def _type_secrets(gui: Gui, values: dict[str, str], seen: list[Any],
                  cancel: bool = False, meanwhile: Any = None) -> None:
    """When the secrets dialog shows (it blocks in `exec()`), type each value and press
    Store and import (or Cancel), as a person does; what it showed goes in `seen`;
    `meanwhile()` runs as the values are typed (another window or the CLI at work)."""
    def act(box: Any) -> None:
        seen.append((list(box.fields), box.grab().save(
            str(SCREENSHOTS / "import-secrets-needed.png"))))
        if cancel:
            box.reject()
            return
        for name, field in box.fields.items():
            gui.qtbot.keyClicks(field, values[name])
            assert field.echoMode() == field.EchoMode.Password  # never shown
        if meanwhile is not None:
            meanwhile()
        gui.qtbot.mouseClick(box.store_button, Qt.MouseButton.LeftButton)
    when_secrets_asked(act)


def test_an_export_whose_secrets_this_home_lacks_asks_for_them_then_imports(
        gui: Gui, tmp_path: Path) -> None:
    """It refused the whole file and named a command (`tickwork secret set`) the window's
    user had no reason to know; now the window asks for the values, stores them in this
    home's keyring and imports (a run-through under X). Cancel imports nothing."""
    export = export_needing_a_secret(tmp_path)
    s = gui.service
    seen: list[Any] = []
    _type_secrets(gui, {}, seen, cancel=True)
    file_menu_entry(gui, "Import tasks…")
    choose_path(gui, file_dialog(gui, gui.window.task_ops), export)
    gui.wait_until(lambda: bool(seen))
    gui.settle()
    assert s.count_tasks() == 0 and s.list_secrets() == []  # Cancel: nothing

    seen.clear()  # a "nightly" made elsewhere as the values are typed: the import is
    _type_secrets(gui, {"db.pass": "tw-typed-here"}, seen,  # refused, no secret is left
                  meanwhile=lambda: s.create_task(command_task("nightly")))
    file_menu_entry(gui, "Import tasks…")
    choose_path(gui, file_dialog(gui, gui.window.task_ops), export)
    gui.wait_until(lambda: "already exists" in said(gui.window))
    # the window's quotes, as for several names (a single one kept the command line's)
    assert "a task named “nightly” already exists" in said(gui.window), said(gui.window)
    assert s.list_secrets() == [] and s.keyring.get("db.pass") is None
    s.delete_task("nightly")

    seen.clear()
    _type_secrets(gui, {"db.pass": "tw-typed-here"}, seen)
    file_menu_entry(gui, "Import tasks…")
    choose_path(gui, file_dialog(gui, gui.window.task_ops), export)
    gui.wait_until(lambda: s.count_tasks() == 1)
    assert seen[0][0] == ["db.pass"]
    assert s.list_secrets() == ["db.pass"] and s.keyring.get("db.pass") == "tw-typed-here"
    assert s.get_task("nightly").spec.secret_env == {"DB": "db.pass"}
    gui.wait_until(lambda: gui.window.statusBar().currentMessage()
                   == "Imported 1 task: “nightly”.")


def test_a_deleted_task_comes_back_from_its_export_beside_the_ones_still_here(
        gui: Gui, tmp_path: Path) -> None:
    """Export, delete one task, import the export again: the whole file was refused for the
    name still here ("1 task already exists: 'hello'"), and the only way back was deleting
    that one too, with its runs (a run-through under X). Now the window asks whether to
    import the other and leave that one as it is."""
    s = gui.service
    export = tmp_path / "both.json"
    s.create_task(command_task("hello", argv=["echo", "hello"]))
    s.create_task(command_task("prep", depends_on=["hello"], retries=2))
    file_menu_entry(gui, "Export tasks…")
    choose_path(gui, file_dialog(gui, gui.window.task_ops), export)
    gui.wait_until(lambda: export.exists())
    prep = s.get_task("prep").spec
    s.update_task("hello", {"description": "changed here"})
    s.delete_task("prep")

    answer = answer_question(gui.qtbot, "Cancel")  # asked first: Cancel imports nothing
    file_menu_entry(gui, "Import tasks…")
    choose_path(gui, file_dialog(gui, gui.window.task_ops), export)
    gui.wait_until(lambda: answer.done)
    assert answer.text == ("1 of the 2 tasks in this file is already here: “hello”.\n\n"
                           "Import the other 1 task and leave it as it is here?")
    assert "Import the other 1" in answer.buttons
    gui.settle()
    assert s.count_tasks() == 1

    answer = answer_question(gui.qtbot, "Import the other 1", screenshot="import-others")
    file_menu_entry(gui, "Import tasks…")
    choose_path(gui, file_dialog(gui, gui.window.task_ops), export)
    gui.wait_until(lambda: s.count_tasks() == 2)
    assert s.get_task("prep").spec == prep  # back as exported, its link to hello too
    assert s.get_task("hello").spec.description == "changed here"  # left as it is here
    gui.wait_until(lambda: gui.window.status.currentMessage()
                   == "Imported 1 task: “prep”. 1 task already here was left as it is.")

    file_menu_entry(gui, "Import tasks…")  # all here: said, nothing asked, nothing twice
    choose_path(gui, file_dialog(gui, gui.window.task_ops), export)
    gui.wait_until(lambda: gui.window.status.currentMessage()
                   == "Nothing imported: all 2 tasks in the file are already here.")
    assert s.count_tasks() == 2


def test_an_export_that_leaves_out_a_task_it_cannot_read_says_so(gui: Gui,
                                                                 tmp_path: Path) -> None:
    """A task this version cannot read (a hand edit, a newer version's backup) was left out
    of the export with a word in the log only: the status bar said "Exported 1 task"."""
    import sqlite3

    for name in ("alpha", "broken"):
        gui.service.create_task(command_task(name))
    with sqlite3.connect(gui.store.home / "tickwork.db") as con:
        con.execute("UPDATE task SET env = 'null' WHERE name = 'broken'")
    export = tmp_path / "tasks.json"
    file_menu_entry(gui, "Export tasks…")
    choose_path(gui, file_dialog(gui, gui.window.task_ops), export)
    gui.wait_until(lambda: said(gui.window) == f"Exported 1 task to {export}. Left out 1 task "
                   "this version cannot read.")
    assert [t["name"] for t in json.loads(export.read_text())["tasks"]] == ["alpha"]
