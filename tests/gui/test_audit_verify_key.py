"""The Audit view's “Verify trail” button was underlined on V, the View menu's letter: Alt+V
only moved the focus to it (two owners, so neither acted) and the trail was not verified.
Its letter is now R (“Ve_rify trail”): Alt+R verifies, and Alt+V is the View menu's."""

from __future__ import annotations

from typing import Any

from app.gui.qt import Qt
from tests.gui.conftest import SCREENSHOTS, Gui, command_task


def test_alt_r_verifies_the_trail(gui: Gui, qtbot: Any) -> None:
    gui.service.create_task(command_task("Burn"))
    qtbot.keyClick(gui.window, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)
    view = gui.window.audit_view
    gui.wait_until(lambda: view.model.ever_loaded and view.table.hasFocus())
    qtbot.keyClick(view.table, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)
    gui.wait_until(lambda: view.result.isVisible() and "intact" in view.result.text())
    assert view.result.text().startswith("✓ The audit trail is intact")
    assert gui.window.grab().save(str(SCREENSHOTS / "audit-verify-key.png"))
