"""The menu bar meets each Alt press once, as it happens, while a screen reader runs: the late
copy Qt's screen-reader bridge makes of it is not given to the window.

Qt's AT-SPI bridge (on while a screen reader runs) takes each key press and release the
window is given, asks the accessibility registry whether a screen reader wants it, and posts
a copy once answered — all it holds at once when an answer takes over 100 ms (a busy
machine, or a screen reader that listens to keys: each answer waits on it). The menu bar
has heard the Alt press before that (Qt asks the window about a key as it comes, and that
is not held), and a shortcut is matched before that too: Alt+W showed the week and gave its
grid the keyboard while the copy of Alt waited. The copies then came as an Alt press and
release with nothing between, which the menu bar takes for Alt pressed alone: it took the
keyboard (File highlighted), and the arrows walked the menus, not the week (found in the
real window over AT-SPI, tests/platform/test_screen_reader.py: 5 Alt+W in 30 under load; 6
in 40 with a reader answering keys in 150 ms, pressed as a person does). So a late Alt
closed the menu Alt+F had opened, and Alt pressed alone opened the menu bar and closed it.

`HeldAlt` drops the copy of an Alt press at the window's QWindow, where every key comes
first (the platform's, which are spontaneous, and the bridge's copies, posted): the menu
bar then meets each Alt as it does without a screen reader. Nothing else is dropped, and an
Alt press has nothing to do in the widgets. An event filter on that one object: a Python
call per event of the QWindow (its keys, clicks, paints), never per event of its widgets.
"""

from __future__ import annotations

from app.gui.qt import QEvent, QKeyEvent, QObject, Qt, QWidget


class HeldAlt(QObject):
    """Drops the screen-reader bridge's copies of Alt presses (see the module)."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        window.installEventFilter(self)  # until it has its QWindow (made as it first shows)
        self._watch_handle()

    def _watch_handle(self) -> None:
        handle = self._window.windowHandle()
        if handle is not None:
            self._window.removeEventFilter(self)
            handle.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window:
            if event.type() == QEvent.Type.WinIdChange:
                self._watch_handle()
            return False
        return (event.type() == QEvent.Type.KeyPress and not event.spontaneous()
                and isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_Alt)
