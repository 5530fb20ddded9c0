"""The calendar's mode (month, week, day) and the folders the file dialogs last chose from
were kept once for every home, while the window's layout is kept per home: a person with a
work home (`--home`) and the default one found the work window's calendar by day and its
exports folder in their own home's window. Each home's window now comes back as it was
left; the default home keeps the keys it always had, and another home that has none of its
own yet starts from the last kept in any home, else from them (so nothing is lost on the
upgrade). The light/dark appearance stays the person's, the same in every home."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.gui.main_window import CALENDAR, TASKS
from app.gui.qt import QApplication, Qt, is_dark
from tests.gui.conftest import Gui, _open_gui, close_gui, command_task, said
from tests.gui.file_dialogs import cancel, choose_path, file_dialog, file_menu_entry


def _by(gui: Gui, key: Qt.Key, mode: str) -> None:
    """Alt+M, Alt+W or Alt+D from the task table: the calendar by month, week or day."""
    window = gui.window
    window.show_view(TASKS)
    window.tasks_view.table.setFocus()
    gui.qtbot.keyClick(window.tasks_view.table, key, Qt.KeyboardModifier.AltModifier)
    gui.wait_until(lambda: window.current_view() == CALENDAR
                   and window.calendar_view.period.mode == mode)


def _export_to(gui: Gui, folder: Path) -> None:
    folder.mkdir(exist_ok=True)
    gui.service.create_task(command_task("nightly"))
    file_menu_entry(gui, "Export tasks…")
    choose_path(gui, file_dialog(gui, gui.window.task_ops), folder / "tasks.json")
    gui.wait_until(lambda: said(gui.window).startswith("Exported 1 task to"))


def _export_starts_in(gui: Gui) -> str:
    file_menu_entry(gui, "Export tasks…")
    dialog = file_dialog(gui, gui.window.task_ops)
    where: str = dialog.directory().absolutePath()
    cancel(gui, dialog)
    return where


def _reopened(home: Path, qtbot: Any) -> tuple[str, str, str]:
    """The calendar's mode, where Export starts, and the appearance View ▸ Appearance ticks,
    as the window of `home` opens again."""
    gui = _open_gui(home, qtbot, engine=False)
    try:
        return (gui.window.calendar_view.period.mode, _export_starts_in(gui),
                gui.window.menus.schemes.checkedAction().data())
    finally:
        close_gui(gui)


def test_each_home_s_window_comes_back_as_it_was_left(tmp_path: Path, qtbot: Any) -> None:
    work, default = tmp_path / "work", tmp_path / "default-home"  # ($TICKWORK_HOME: default)
    gui = _open_gui(work, qtbot, engine=False)
    try:
        _by(gui, Qt.Key.Key_D, "day")
        _export_to(gui, tmp_path / "work-exports")
        dark = next(a for a in gui.window.menus.schemes.actions() if a.data() == "dark")
        dark.trigger()  # View ▸ Appearance ▸ Dark
        assert is_dark(QApplication.palette())
    finally:
        close_gui(gui)

    gui = _open_gui(default, qtbot, engine=False)
    try:
        _by(gui, Qt.Key.Key_W, "week")
        _export_to(gui, tmp_path / "own-exports")
    finally:
        close_gui(gui)

    assert _reopened(work, qtbot) == ("day", str(tmp_path / "work-exports"), "dark")
    assert _reopened(default, qtbot) == ("week", str(tmp_path / "own-exports"), "dark")


def test_kept_before_for_every_home_it_stays_the_default_home_s(tmp_path: Path,
                                                                 qtbot: Any) -> None:
    """An earlier version kept the mode and folders at the top, for every home: the default
    home's still, and another home's until it keeps its own."""
    from app.gui.settings import appearance

    before = tmp_path / "kept-before"
    before.mkdir()
    kept = appearance.settings()
    kept.setValue("calendar/mode", "week")
    kept.setValue("folders/exports", str(before))
    kept.sync()
    work, default = tmp_path / "work", tmp_path / "default-home"
    assert _reopened(default, qtbot)[:2] == ("week", str(before))
    gui = _open_gui(work, qtbot, engine=False)
    try:
        assert gui.window.calendar_view.period.mode == "week"  # nothing of its own yet
        _by(gui, Qt.Key.Key_M, "month")
        _export_to(gui, tmp_path / "work-exports")
    finally:
        close_gui(gui)
    assert _reopened(work, qtbot)[:2] == ("month", str(tmp_path / "work-exports"))
    assert _reopened(default, qtbot)[:2] == ("week", str(before))
