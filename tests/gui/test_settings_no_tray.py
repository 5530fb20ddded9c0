"""Settings on a desktop with no system tray (offscreen has none): "Start Tickwork when I
log in (minimised to the tray)" promised a tray that is not there (with none, the window
opens at login: a hidden one could never be reached). The switch leaves the tray out, its
tooltip says why, and what it did is said in the same words."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from app.gui.qt import QSystemTrayIcon, Qt
from tests.gui.conftest import SCREENSHOTS, Gui, open_settings

pytestmark = pytest.mark.usefixtures("no_user_bus")


def test_start_at_login_promises_no_tray_where_there_is_none(gui: Gui, qtbot: Any) -> None:
    assert not QSystemTrayIcon.isSystemTrayAvailable()
    entry = Path(os.environ["XDG_CONFIG_HOME"]) / "autostart" / "tickwork.desktop"
    dialog = open_settings(gui)
    login = dialog.start_at_login
    assert login.text().replace("&", "") == "Start Tickwork when I log in"
    assert login.toolTip() == ("This desktop has no system tray, so Tickwork starts with its "
                               "window open.")
    login.setFocus()
    qtbot.keyClick(login, Qt.Key.Key_Space)
    gui.wait_until(lambda: entry.exists() and str(entry) in dialog.outcome.text())
    assert dialog.outcome.text().startswith("Tickwork starts at login with its window open "
                                            "(this desktop has no system tray): wrote ")
    assert "tray" not in login.text()
    assert dialog.grab().save(str(SCREENSHOTS / "settings-no-tray.png"))
