"""The keyboard goes back to a dialog's window when the dialog closes.

A window manager activates the window a closed dialog belonged to; without one (a bare X
server, Xvfb without a window manager, the offscreen platform) no window was active once the
task editor, a question such as "Delete task" or the Settings closed, so F5 or an arrow key
pressed next went nowhere. The window is activated here when the dialog closes and no other
window has taken the keyboard meanwhile (a question box opened after it, another
application), so a window manager's own choice stands."""

from __future__ import annotations

from app.gui.qt import QApplication, QDialog, alive


def give_back_focus(dialog: QDialog) -> None:
    """When `dialog` closes, its parent's window has the keyboard again (its own focus
    widget). A dialog without a parent is left as it is."""
    parent = dialog.parentWidget()
    if parent is None:
        return
    window = parent.window()

    def back(_result: int) -> None:
        if not alive(window) or not window.isVisible() or window.isMinimized():
            return
        active = QApplication.activeWindow()
        if active is None or active is dialog:
            window.activateWindow()

    dialog.finished.connect(back)
