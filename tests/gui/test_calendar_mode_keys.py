"""The calendar's Month / Week / Day switch is reachable from the keyboard: each button is a
Tab stop (Tab went Today → ◀ → ▶ → filter → grid: Qt keeps only a button group's checked
button in the Tab order, and the focus ring was lost on its highlight fill), and Alt+M,
Alt+W, Alt+D — the View menu's “Calendar by” entries — show the calendar by month, week or
day from any view (Alt+W did nothing; found keyboard-only in the real window)."""

from __future__ import annotations

from typing import Any

from app.gui.main_window import CALENDAR, TASKS
from app.gui.qt import QApplication, QPalette, Qt
from tests.gui.conftest import SCREENSHOTS, Gui


def _tab(qtbot: Any) -> Any:
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    return QApplication.focusWidget()


def test_tab_stops_at_each_mode_button_and_space_chooses(gui: Gui, qtbot: Any) -> None:
    window = gui.window
    window.resize(1000, 650)
    window.show_view(CALENDAR)
    view = window.calendar_view
    bar = view.bar
    modes = {b.text(): b for b in bar.modes.buttons()}
    bar.filter.setFocus(Qt.FocusReason.TabFocusReason)
    assert [_tab(qtbot) for _ in range(4)] == [modes["Month"], modes["Week"], modes["Day"],
                                              view.month]
    qtbot.keyClick(view.month, Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)
    assert QApplication.focusWidget() is modes["Day"]
    qtbot.keyClick(modes["Day"], Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)
    assert QApplication.focusWidget() is modes["Week"]
    qtbot.keyClick(modes["Week"], Qt.Key.Key_Space)
    gui.wait_until(lambda: view.period.mode == "week")
    assert modes["Week"].isChecked() and QApplication.focusWidget() is modes["Week"]
    # the chosen button with the focus shows it: a line inside its highlight fill
    palette = modes["Week"].palette()
    image = modes["Week"].grab().toImage()
    line = image.pixelColor(3, image.height() // 2)
    assert line.rgb() != palette.color(QPalette.ColorRole.Highlight).rgb()
    assert window.grab().save(str(SCREENSHOTS / "calendar-week-button-focused.png"))
    # and still every one a Tab stop once one of them had the focus
    assert _tab(qtbot) is modes["Day"]
    qtbot.keyClick(modes["Day"], Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(modes["Week"], Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)
    assert QApplication.focusWidget() is modes["Month"]


def test_alt_keys_and_the_view_menu_show_the_calendar_by_month_week_or_day(
        gui: Gui, qtbot: Any) -> None:
    window = gui.window
    window.resize(1000, 650)
    view = window.calendar_view
    window.show_view(TASKS)
    window.tasks_view.table.setFocus()
    qtbot.keyClick(window.tasks_view.table, Qt.Key.Key_W, Qt.KeyboardModifier.AltModifier)
    gui.wait_until(lambda: window.current_view() == CALENDAR and view.period.mode == "week")
    assert QApplication.focusWidget() is view.week.grid or view.week.isAncestorOf(
        QApplication.focusWidget())
    assert window.grab().save(str(SCREENSHOTS / "calendar-alt-w.png"))
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)
    gui.wait_until(lambda: view.period.mode == "day")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)
    gui.wait_until(lambda: view.period.mode == "month")
    assert QApplication.focusWidget() is view.month
    # the View menu names them, with their keys, and checks the one shown
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    by = next(a.menu() for a in menu.actions() if a.text() == "Calendar &by")
    entries = {a.text(): a for a in by.actions()}
    assert {t: a.shortcut().toString() for t, a in entries.items()} == {
        "&Month": "Alt+M", "&Week": "Alt+W", "&Day": "Alt+D"}
    assert entries["&Month"].isChecked()
    window.show_view(TASKS)
    entries["&Day"].trigger()
    gui.wait_until(lambda: window.current_view() == CALENDAR and view.period.mode == "day")
    assert entries["&Day"].isChecked() and not entries["&Month"].isChecked()
    # a click on a button checks its menu entry too
    qtbot.mouseClick(next(b for b in view.bar.modes.buttons() if b.text() == "Week"),
                     Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: view.period.mode == "week")
    assert entries["&Week"].isChecked()
