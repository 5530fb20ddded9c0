"""File → Import a crontab… when a job's program is not on this machine: the preview shows
every job, marks the one the import would refuse and says why in its row (the field named,
in the words of `import --dry-run`); Cancel makes nothing, Create makes the others and the
status line names them (as `tickwork import --crontab` does) and the one left out. The window
has no --no-verify: the first missing program refused the whole preview."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.gui.qt import Qt
from app.gui.tasks.import_preview import ImportPreview
from tests.gui.conftest import SCREENSHOTS, Gui, said

MISSING = "/nonexistent/sync-tw"


def units(folder: Path) -> Path:
    """Three timers, the one named sync running a program this machine lacks."""
    folder.mkdir()
    for name, program in [("backup", "/bin/true"), ("sync", MISSING), ("poll", "/bin/echo")]:
        (folder / f"{name}.timer").write_text("[Timer]\nOnCalendar=daily\n")
        (folder / f"{name}.service").write_text(f"[Service]\nExecStart={program} --all\n")
    return folder


def _preview(gui: Gui, action: Any, source: Path) -> ImportPreview:
    action.trigger()  # as the File menu does
    dialog = gui.window.task_ops.import_preview
    assert isinstance(dialog, ImportPreview)
    gui.wait_until(dialog.isVisible)
    dialog.path.selectAll()
    gui.qtbot.keyClicks(dialog.path, str(source))
    gui.qtbot.keyClick(dialog.path, Qt.Key.Key_Return)
    gui.wait_until(lambda: dialog.table.model().rowCount() == 3 or dialog.error.isVisible())
    return dialog


def _cells(dialog: ImportPreview, row: int) -> list[str]:
    model = dialog.table.model()
    return [model.index(row, c).data() for c in range(model.columnCount())]


def test_a_missing_program_is_marked_in_the_preview_and_the_others_are_created(
        gui: Gui, qtbot: Any, qtmodeltester: Any, tmp_path: Path) -> None:
    folder = units(tmp_path / "units")
    timers = gui.window.task_ops.import_systemd
    dialog = _preview(gui, timers, folder)
    assert not dialog.error.isVisible(), dialog.error.text()
    assert [_cells(dialog, r)[1] for r in range(3)] == ["backup", "poll", "sync"]
    refusal = f"Would be refused: sync.timer: command: no such program: {MISSING}"
    assert _cells(dialog, 2)[-1] == refusal
    marks = [[dialog.table.model().index(r, 0).data(role) is not None for r in range(3)]
             for role in (Qt.ItemDataRole.DecorationRole, Qt.ItemDataRole.BackgroundRole)]
    assert marks == [[False, False, True]] * 2  # the failure icon and tint; the others plain
    assert _cells(dialog, 0)[-1] == "-"
    qtmodeltester.check(dialog.table.model())
    assert dialog.summary.text() == (
        f"Would create 2 tasks from systemd units in {folder}. 1 task would be refused "
        "(marked): what it runs is not on this machine.")
    assert dialog.notes.text() == (
        f"Would be refused (not created):\n• sync.timer: command: no such program: {MISSING}")
    assert dialog.create_button.isEnabled()
    assert dialog.create_button.text() == "&Create 2 tasks, leave out 1"
    assert dialog.grab().save(str(SCREENSHOTS / "import-systemd-refused.png"))

    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # back: nothing made
    gui.wait_until(lambda: not dialog.isVisible())
    assert gui.service.count_tasks() == 0

    again = _preview(gui, timers, folder)
    qtbot.mouseClick(again.create_button, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: not again.isVisible())
    assert sorted(t.name for t in gui.service.list_tasks()) == ["backup", "poll"]
    gui.wait_until(lambda: said(gui.window).startswith("Imported 2 tasks"))
    assert said(gui.window) == (f"Imported 2 tasks from systemd units in {folder}: “backup”, "
                                "“poll”. 1 task was left out (would be refused): “sync”.")
    assert gui.service.audit_events()[0]["action"] == "tasks.import"


def test_a_crontab_whose_shell_is_missing_shows_every_job_refused(
        gui: Gui, tmp_path: Path) -> None:
    """SHELL names a program that is not here: each job after it is marked, with its line
    and the field as the crontab names it; nothing can be created."""
    file = tmp_path / "crontab"
    file.write_text("SHELL=/nonexistent/zsh-tw\n15 * * * * echo a\n5 * * * * echo b\n"
                    "7 * * * * echo c\n")
    dialog = _preview(gui, gui.window.task_ops.import_crontab, file)
    assert not dialog.error.isVisible(), dialog.error.text()
    assert [_cells(dialog, r)[-1].split(": ", 3)[:3] for r in range(3)] == [
        ["Would be refused", f"line {n}", "SHELL"] for n in (2, 3, 4)]
    assert dialog.summary.text() == (f"Nothing to create from crontab {file}: 3 tasks would "
                                     "be refused (marked).")
    assert not dialog.create_button.isEnabled()
    assert dialog.grab().save(str(SCREENSHOTS / "import-crontab-all-refused.png"))
