"""The keyboard goes back from the menu bar to where it was once a menu entry has run.

Qt gives it back itself, except after a menu was closed with Escape and another opened by
its Alt letter: the menu bar then kept the widget it had to give back as itself, so after
the entry it kept the keyboard under X with no menu highlighted (Up, Down and Escape did
nothing; only Tab or a click got out), and offscreen nothing had it. Found by hand under X:
Alt+E, Escape, Alt+E, M. So the window's last widget outside the menu bar is noted as the
keyboard moves, and given the keyboard again once an entry has run, if the menu bar still
has it (or nothing does) and no menu is open; an entry that opened a dialog is left alone.
"""

from __future__ import annotations

from app.gui.qt import QAction, QApplication, QMainWindow, QObject, Qt, QTimer, QWidget, Slot, alive


class MenuFocus(QObject):
    """Gives the keyboard back from `window`'s menu bar after a menu entry (see the module)."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self._window = window
        self._bar = window.menuBar()
        self._last: QWidget | None = None  # the window's last widget with the keyboard
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        app.focusChanged.connect(self._on_app_focus_changed)
        self._bar.triggered.connect(self._on_bar_triggered)

    @Slot(QWidget, QWidget)
    def _on_app_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if (new is not None and alive(self._window) and new is not self._bar
                and new.window() is self._window):
            self._last = new

    @Slot(QAction)
    def _on_bar_triggered(self, _action: QAction) -> None:
        QTimer.singleShot(0, self, self._give_back)  # once the menu has closed

    def _give_back(self) -> None:
        if QApplication.activePopupWidget() is not None or QApplication.activeModalWidget():
            return
        if QApplication.focusWidget() not in (None, self._bar):
            return  # where Qt gave it back, or an entry put it
        last = self._last
        if last is not None and alive(last) and last.isVisible() and last.isEnabled():
            last.setFocus(Qt.FocusReason.OtherFocusReason)
