"""Settings…, a new history default typed and Enter: the dialog closes and the status bar
says what is now kept. (It closed with no word: a person could not tell Save from Close.)"""

from __future__ import annotations

import pytest

from app.gui.qt import Qt
from app.gui.settings.dialog import SettingsDialog
from tests.gui.conftest import Gui, closed, open_settings, said


@pytest.mark.usefixtures("no_user_bus")
def test_saving_the_history_default_says_what_is_kept(gui: Gui) -> None:
    qtbot, window = gui.qtbot, gui.window
    dialog: SettingsDialog = open_settings(gui)
    days = dialog.keep_days
    days.setFocus()
    days.selectAll()
    qtbot.keyClicks(days, "1")
    qtbot.keyClick(days, Qt.Key.Key_Return)
    gui.wait_until(lambda: closed(dialog))
    gui.wait_until(lambda: said(window) ==
                   "Saved the history kept by default: 1 day, at least the newest 100 runs.")
