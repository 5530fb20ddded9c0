"""Settings by the keyboard: Ctrl+, opens it with the cursor in its first field, and a box
ticked with Space keeps the keyboard. The dialog is disabled while it reads what is set,
and a disabled widget loses the keyboard: when the read came after the dialog was shown, no
widget had it (the first key typed went nowhere), and Space on "Start Tickwork when I log
in" left it with no widget either while the change was made."""

from __future__ import annotations

from typing import Any

import pytest

from app.gui.qt import QApplication, Qt
from tests.gui.conftest import Gui, open_settings


@pytest.mark.usefixtures("no_user_bus")
def test_ctrl_comma_opens_the_settings_with_the_cursor_in_the_first_field(gui: Gui,
                                                                         qtbot: Any) -> None:
    dialog = open_settings(gui)
    gui.wait_until(lambda: QApplication.activeWindow() is dialog)
    gui.wait_until(lambda: QApplication.focusWidget() is dialog.keep_days)
    dialog.keep_days.selectAll()
    qtbot.keyClicks(QApplication.focusWidget(), "7")
    assert dialog.keep_days.text().startswith("7")
    dialog.done(0)


@pytest.mark.usefixtures("no_user_bus")
def test_space_on_start_at_login_keeps_the_keyboard_on_it(gui: Gui, qtbot: Any) -> None:
    dialog = open_settings(gui)
    gui.wait_until(lambda: QApplication.activeWindow() is dialog)
    box = dialog.start_at_login
    box.setFocus(Qt.FocusReason.TabFocusReason)
    gui.wait_until(box.hasFocus)
    qtbot.keyClick(box, Qt.Key.Key_Space)
    assert box.isChecked()
    gui.wait_until(lambda: box.isEnabled() and dialog.outcome.text() != "…")
    assert QApplication.focusWidget() is box
    qtbot.keyClick(box, Qt.Key.Key_Space)  # and back, on the same box
    gui.wait_until(lambda: box.isEnabled() and not box.isChecked())
    dialog.done(0)
