"""The guide said closing the window keeps Tickwork in the tray, and of a desktop without a
tray only that the status bar says so: a person there pressed Ctrl+W and met “Quit
Tickwork?”, which the guide never mentioned. Without a tray, closing the window quits after
the File › Quit question, and the guide says so."""

from __future__ import annotations

import pytest

from app.gui.qt import QApplication, Qt
from tests.gui.conftest import Gui, answer_question, command_task
from tests.test_user_guide import TEXT


@pytest.mark.usefixtures("real_quit_question")
def test_closing_without_a_tray_asks_as_quit_does_as_the_guide_says(gui: Gui) -> None:
    gui.service.create_task(command_task("Backup",
                                         schedule={"kind": "interval", "seconds": 3600}))
    window = gui.window
    assert not window.tray.available  # (offscreen: no tray, like many desktops)
    window.activateWindow()
    gui.wait_until(lambda: QApplication.activeWindow() is window)
    answer = answer_question(gui.qtbot, "Cancel")
    gui.qtbot.keyClick(window, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    gui.wait_until(lambda: answer.done)
    assert answer.title == "Quit Tickwork?"
    assert window.isVisible()
    assert ("On a desktop without a tray, the status bar says so, the panel in the window "
            "lists the notifications, and closing the window quits Tickwork, asking first as "
            "**File › Quit** does.") in " ".join(TEXT.split())
