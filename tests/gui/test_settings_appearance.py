"""Settings… had no light/dark choice, where a person looks for one; only View ▸ Appearance
had it. Settings shows the View menu's own entries as buttons: a click or Space there acts at
once, is ticked in the menu, kept for the next start, and a choice made in the menu shows in
Settings."""

from __future__ import annotations

from typing import Any

import pytest

from app.gui.qt import QApplication, QLabel, Qt, is_dark
from app.gui.settings import appearance
from app.gui.settings.dialog import SettingsDialog
from tests.gui.conftest import SCREENSHOTS, Gui, closed, open_settings
from tests.gui.test_dark_switch import choose_scheme


def _ticked(gui: Gui) -> str:
    return str(gui.window.menus.schemes.checkedAction().data())


@pytest.mark.usefixtures("no_user_bus", "restore_palette")
def test_settings_offers_the_view_menu_s_appearance(gui: Gui, qtbot: Any) -> None:
    dialog: SettingsDialog = open_settings(gui)
    buttons = {b.text(): b for b in dialog.schemes}
    assert list(buttons) == ["Follow the system", "Light", "Dark"]
    assert buttons["Follow the system"].isChecked() and _ticked(gui) == "system"

    qtbot.mouseClick(buttons["Dark"], Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: is_dark(QApplication.palette()))
    assert _ticked(gui) == "dark" and buttons["Dark"].isChecked()
    assert not buttons["Follow the system"].isChecked()
    assert appearance.settings().value("appearance") == "dark"  # kept for the next start
    qtbot.wait(50)
    assert dialog.grab().save(str(SCREENSHOTS / "settings-appearance-dark.png"))

    buttons["Light"].setFocus()  # by keyboard
    qtbot.keyClick(buttons["Light"], Qt.Key.Key_Space)
    gui.wait_until(lambda: not is_dark(QApplication.palette()))
    assert _ticked(gui) == "light" and buttons["Light"].isChecked()
    assert dialog.isVisible()  # a look, not a save: the dialog stays
    said = [label.text() for label in dialog.findChildren(QLabel)]
    assert "Takes effect at once, in the window of every home." in said
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # Close: as said, the choice is not undone
    gui.wait_until(lambda: closed(dialog))
    assert not is_dark(QApplication.palette()) and _ticked(gui) == "light"

    choose_scheme(gui, "dark")  # View ▸ Appearance ▸ Dark: Settings says so
    again: SettingsDialog = open_settings(gui, by_key=False)  # File ▸ Settings…
    assert [b.text() for b in again.schemes if b.isChecked()] == ["Dark"]
