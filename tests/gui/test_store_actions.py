"""File → Back up now and Restore… (point 8): the menu carries them; Back up now writes a
backup off the GUI thread; Restore… verifies the file chosen in its file dialog and hands it
to the restore that runs once the window has quit."""

from __future__ import annotations

import stat
from pathlib import Path

from app.gui.qt import QApplication
from app.store import backup
from tests.gui.conftest import Gui, answer_question, command_task, said
from tests.gui.file_dialogs import cancel, choose_path, file_dialog, file_menu_entry
from tests.support.store_faults import fill_disk, free_disk, writer_connection


def file_menu_texts(gui: Gui) -> list[str]:
    (file,) = [a.menu() for a in gui.window.menuBar().actions() if a.text() == "&File"]
    return [a.text().replace("&", "") for a in file.actions() if a.text()]


def test_file_menu_back_up_now_writes_a_private_backup(gui: Gui) -> None:
    assert {"Back up now", "Restore…"} <= set(file_menu_texts(gui))
    gui.service.create_task(command_task("keep"))
    home = gui.store.home
    gui.window.store_ops.back_up.trigger()
    gui.wait_until(lambda: [b for b in backup.list_backups(home) if b.kind == "manual"])
    (made,) = [b for b in backup.list_backups(home) if b.kind == "manual"]
    assert stat.S_IMODE(made.path.stat().st_mode) == 0o600
    assert backup.verify(made.path) >= 1
    gui.wait_until(lambda: "Backed up to" in said(gui.window))


def test_restore_verifies_the_file_chosen_before_asking(gui: Gui, tmp_path: Path) -> None:
    """File → Restore… opens the file dialog in the home's backups; a file that is not a
    store is refused, a backup is asked about, Cancel in the dialog does nothing."""
    ops = gui.window.store_ops
    errors: list[tuple[str, str]] = []
    gui.session.background.error.connect(lambda title, text: errors.append((title, text)))
    made = backup.make(gui.store.home, kind="manual")
    file_menu_entry(gui, "Restore…")
    dialog = file_dialog(gui, ops)
    assert dialog.windowTitle() == "Restore a backup"
    assert dialog.directory().absolutePath() == str(made.parent)  # the home's backups/
    cancel(gui, dialog)
    gui.settle()
    assert not errors and ops.restore_file is None and QApplication.activeModalWidget() is None

    bad = tmp_path / "notes.db"
    bad.write_text("not a store\n" * 50)
    file_menu_entry(gui, "Restore…")
    choose_path(gui, file_dialog(gui, ops), bad)
    gui.wait_until(lambda: errors)
    assert errors[0][0] == "Cannot restore this file" and "not an SQLite" in errors[0][1]
    good = backup.make(gui.store.home, tmp_path / "good.db")
    answer = answer_question(gui.qtbot, "Cancel")  # the question is modal: answered by click
    file_menu_entry(gui, "Restore…")
    choose_path(gui, file_dialog(gui, ops), good)
    gui.wait_until(lambda: answer.done)
    assert answer.title == "Restore this backup?" and str(good) in answer.text
    assert ops.restore_file is None  # nothing happens until the user says yes


def test_restore_asks_with_verbs_then_quits_without_the_quit_question(gui: Gui,
                                                                       tmp_path: Path) -> None:
    """The person chose to restore: the window quits for it at once (handing over to a
    background engine would hold the store the restore needs)."""
    ops = gui.window.store_ops
    good = backup.make(gui.store.home, tmp_path / "good.db")
    answer = answer_question(gui.qtbot, "Cancel")
    file_menu_entry(gui, "Restore…")
    choose_path(gui, file_dialog(gui, ops), good)
    gui.wait_until(lambda: answer.done)
    assert answer.buttons is not None and "Restore" in answer.buttons
    assert "Yes" not in answer.buttons and ops.restore_file is None
    assert not gui.window.quitting
    answer = answer_question(gui.qtbot, "Restore")
    file_menu_entry(gui, "Restore…")
    choose_path(gui, file_dialog(gui, ops), good)
    gui.wait_until(lambda: answer.done)
    gui.wait_until(lambda: gui.window.quitting)
    assert ops.restore_file == good and not gui.window.isVisible()


def test_status_bar_says_when_the_store_cannot_be_written(gui: Gui) -> None:
    argv = ["sh", "-c", "head -c 30000 /dev/zero | tr '\\0' x"]
    gui.service.create_task(command_task("chatty", argv,
                                         schedule={"kind": "interval", "seconds": 1}))
    gui.wait_until(lambda: gui.service.list_runs(task="chatty", status="succeeded"))
    con = writer_connection(gui.engine)
    fill_disk(con)
    status = gui.window.status
    try:
        gui.wait_until(lambda: "cannot write its store" in status.engine.text(), 20)
    finally:
        free_disk(con)
    gui.wait_until(lambda: "Engine running" in status.engine.text(), 40)
