"""The keyboard goes back to a dialog's window when the dialog closes.

A window manager activates the window a closed dialog belonged to; without one (a bare X
server, Xvfb without a window manager, the offscreen platform) no window was active once the
task editor closed, so F5 or an arrow key pressed next went nowhere. The window is activated
here when the dialog closes and no other window has taken the keyboard meanwhile (a question
box opened after it, another application), so a window manager's own choice stands."""

from __future__ import annotations

from app.gui.qt import QApplication, QDialog, QWidget, alive


def give_back_focus(dialog: QDialog, window: QWidget) -> None:
    """When `dialog` closes, `window` has the keyboard again (its own focus widget)."""

    def back(_result: int) -> None:
        if not alive(window) or not window.isVisible() or window.isMinimized():
            return
        active = QApplication.activeWindow()
        if active is None or active is dialog or (alive(dialog) and active is dialog.window()):
            window.activateWindow()

    dialog.finished.connect(back)
