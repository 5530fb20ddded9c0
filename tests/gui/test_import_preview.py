"""File → Import a crontab… / Import systemd timers…: the preview shows what would be created
and what does not map, a bad line is named inline and creates nothing, Create makes the tasks
(audited), and the same crontab again creates only what is not here yet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.gui.qt import QApplication, Qt
from app.gui.tasks.import_preview import ImportPreview
from tests.gui.conftest import SCREENSHOTS, Gui, said
from tests.gui.file_dialogs import cancel, choose_path, file_dialog

CRONTAB = """# backups
MAILTO=me@example.com
CRON_TZ=Europe/Berlin
30 9 * * 1-5  /bin/echo morning
@hourly       /bin/true
"""


def _open(gui: Gui, action: Any) -> ImportPreview:
    action.trigger()  # as the File menu does
    dialog = gui.window.task_ops.import_preview
    assert isinstance(dialog, ImportPreview)
    gui.wait_until(dialog.isVisible)
    return dialog


def _type_path(gui: Gui, dialog: ImportPreview, path: Path) -> None:
    dialog.path.selectAll()
    gui.qtbot.keyClicks(dialog.path, str(path))
    gui.qtbot.keyClick(dialog.path, Qt.Key.Key_Return)


def test_a_crontab_is_previewed_refused_inline_when_bad_then_created(
        gui: Gui, qtbot: Any, tmp_path: Path) -> None:
    file = tmp_path / "crontab"
    file.write_text(CRONTAB + "61 * * * * /bin/true\n")
    dialog = _open(gui, gui.window.task_ops.import_crontab)
    _type_path(gui, dialog, file)
    gui.wait_until(dialog.error.isVisible)
    assert "line 6" in dialog.error.text() and "minute" in dialog.error.text()
    assert not dialog.create_button.isEnabled() and dialog.table.model().rowCount() == 0
    assert gui.service.count_tasks() == 0

    file.write_text(CRONTAB)
    qtbot.mouseClick(dialog.read_button, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: dialog.table.model().rowCount() == 2)
    assert not dialog.error.isVisible()
    model = dialog.table.model()
    cells = [[model.index(r, c).data() for c in range(model.columnCount())]
             for r in range(2)]
    assert cells[0][0] == "line 4" and cells[0][3] == "Europe/Berlin"
    assert "MAILTO" in dialog.notes.text() and dialog.notes.isVisible()
    assert dialog.create_button.text() == "&Create 2 tasks"
    assert dialog.grab().save(str(SCREENSHOTS / "import-crontab.png"))
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: not dialog.isVisible())
    names = sorted(t.name for t in gui.service.list_tasks())
    assert len(names) == 2 and all(t.spec.timezone == "Europe/Berlin"
                                   for t in gui.service.list_tasks())
    assert gui.service.audit_events()[0]["action"] == "tasks.import"
    gui.wait_until(lambda: gui.window.tasks_model.rowCount() == 2)

    # the same crontab again: nothing to create, what is here named (it refused the whole
    # file naming `--skip-existing`, an option of the command line the window does not have)
    again = _open(gui, gui.window.task_ops.import_crontab)
    _type_path(gui, again, file)
    gui.wait_until(lambda: "here already" in again.summary.text())
    assert again.summary.text() == f"Nothing to create from crontab {file}: all its tasks are " \
        "here already."
    assert not again.error.isVisible() and again.table.model().rowCount() == 0
    shown = ", ".join(sorted(f"“{n}”" for n in names))  # (sorted: the file's order differs)
    assert "Already here, left as they are: " in again.notes.text()
    assert sorted(again.notes.text().splitlines()[0].split(": ", 1)[1].split(", ")) == \
        shown.split(", ")
    assert not again.create_button.isEnabled()
    qtbot.keyClick(again, Qt.Key.Key_Escape)
    gui.wait_until(lambda: not again.isVisible())
    assert gui.service.count_tasks() == 2

    # a line added to it: only that one is shown and created, the others left as they are
    file.write_text(CRONTAB + "15 3 * * *  /bin/echo night\n")
    more = _open(gui, gui.window.task_ops.import_crontab)
    _type_path(gui, more, file)
    gui.wait_until(lambda: more.table.model().rowCount() == 1)
    assert more.table.model().index(0, 0).data() == "line 6"
    assert more.create_button.text() == "&Create 1 task"
    assert more.notes.text().startswith("Already here, left as they are: ")
    assert more.grab().save(str(SCREENSHOTS / "import-crontab-again.png"))
    qtbot.mouseClick(more.create_button, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: not more.isVisible())
    assert gui.service.count_tasks() == 3
    gui.wait_until(lambda: "Imported 1 task from" in said(gui.window))
    assert said(gui.window).endswith("2 tasks already here were left as they are.")


def test_systemd_timers_are_previewed_from_a_folder_and_created(
        gui: Gui, qtbot: Any, tmp_path: Path) -> None:
    folder = tmp_path / "units"
    folder.mkdir()
    (folder / "backup.timer").write_text("[Timer]\nOnCalendar=Mon..Fri 09:30\n"
                                         "Persistent=true\n")
    (folder / "backup.service").write_text("[Service]\nExecStart=/bin/true\nNice=10\n")
    dialog = _open(gui, gui.window.task_ops.import_systemd)
    qtbot.mouseClick(dialog.browse, Qt.MouseButton.LeftButton)  # the folder, from a dialog
    chooser = file_dialog(gui, dialog)
    assert chooser.windowTitle() == "Choose a folder of timer units"
    choose_path(gui, chooser, folder)
    assert dialog.path.text() == str(folder)
    gui.wait_until(lambda: dialog.table.model().rowCount() == 1)
    assert dialog.table.model().index(0, 1).data() == "backup"
    assert "Nice=10" in dialog.notes.text()
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: not dialog.isVisible())  # closed once the tasks exist
    assert gui.service.count_tasks() == 1
    assert gui.service.get_task("backup").spec.catch_up == "once"
    assert QApplication.activeModalWidget() is None


def test_browse_chooses_the_crontab_and_fills_the_preview(gui: Gui, qtbot: Any,
                                                         tmp_path: Path) -> None:
    """Browse… opens a file dialog over the preview; the file chosen is read at once, the
    next Browse… starts in its folder, and Escape there leaves the preview as it was."""
    saved = tmp_path / "saved"
    saved.mkdir()
    file = saved / "crontab"
    file.write_text(CRONTAB)
    dialog = _open(gui, gui.window.task_ops.import_crontab)
    qtbot.mouseClick(dialog.browse, Qt.MouseButton.LeftButton)
    chooser = file_dialog(gui, dialog)
    assert chooser.windowTitle() == "Choose a crontab"
    choose_path(gui, chooser, file)
    assert dialog.path.text() == str(file)
    gui.wait_until(lambda: dialog.table.model().rowCount() == 2)
    assert dialog.create_button.isEnabled()

    qtbot.mouseClick(dialog.browse, Qt.MouseButton.LeftButton)
    chooser = file_dialog(gui, dialog)
    assert chooser.directory().absolutePath() == str(saved)
    cancel(gui, chooser)
    assert dialog.path.text() == str(file) and dialog.table.model().rowCount() == 2
    assert QApplication.activeModalWidget() is dialog


def test_many_tasks_already_here_are_named_by_the_first_five_and_how_many_more(
        gui: Gui, cli: Any, tmp_path: Path) -> None:
    """A crontab of 30 lines imported before, and one line more: the note under the table
    named all 30 on one line; now the first five and how many more."""
    file = tmp_path / "crontab"
    file.write_text("".join(f"{i} 3 * * *  /bin/echo job{i:02d}\n" for i in range(30)))
    assert cli("import", "--crontab", str(file)).code == 0
    file.write_text(file.read_text() + "15 4 * * *  /bin/echo night\n")
    dialog = _open(gui, gui.window.task_ops.import_crontab)
    _type_path(gui, dialog, file)
    gui.wait_until(lambda: dialog.table.model().rowCount() == 1)
    first = dialog.notes.text().splitlines()[0]
    assert first.startswith("Already here, left as they are: “") and \
        first.endswith("” and 25 more"), first
    assert first.count("“") == 5, first
    gui.qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    gui.wait_until(lambda: not dialog.isVisible())
