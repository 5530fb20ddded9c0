"""The menu bar meets each Alt once while a screen reader holds the keys back: Alt+W leaves
the keyboard in the week it showed, Alt+F the File menu open, Alt alone the menu bar's.

Qt's AT-SPI bridge (QSpiApplicationAdaptor) takes each key press and release the window is
given, asks the accessibility registry whether a screen reader wants it, and posts a copy
once answered — all it holds at once when an answer takes over 100 ms. The menu bar and the
shortcuts meet a key as it comes; the copy of Alt came after W had shown the week, and the
menu bar took the copies for Alt pressed alone: it took the keyboard (File highlighted) and
the arrows walked the menus, not the week. Found in the real window over AT-SPI
(tests/platform/test_screen_reader.py). Here a filter does what the bridge does, and lets
the keys go as its answers come (app/gui/window/held_alt.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.gui.main_window import TASKS
from app.gui.qt import (
    QApplication,
    QCoreApplication,
    QEvent,
    QGuiApplication,
    QKeyEvent,
    QMenuBar,
    QObject,
    Qt,
    QWidget,
    QWindow,
)
from tests.gui.conftest import Gui

ALT = Qt.KeyboardModifier.AltModifier
NONE = Qt.KeyboardModifier.NoModifier


class Bridge(QObject):
    """Holds every key press and release the platform gives, as the bridge does, and posts
    its copy (made as the bridge makes it) when `answer`ed."""

    def __init__(self) -> None:
        super().__init__()
        self.held: list[tuple[int, QKeyEvent]] = []  # the window it went to, by its id

    def eventFilter(self, target: QObject, event: QEvent) -> bool:
        if event.spontaneous() and isinstance(event, QKeyEvent) and event.type() in (
                QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            assert isinstance(target, QWindow)  # (a key comes to its window first)
            self.held.append((target.winId(), QKeyEvent(
                event.type(), event.key(), event.modifiers(), event.nativeScanCode(),
                event.nativeVirtualKey(), event.nativeModifiers(), event.text(),
                event.isAutoRepeat(), event.count())))
            return True
        return False

    def answer(self, keys: int | None = None) -> None:
        """The registry answers for the oldest `keys` held (every one: an answer that took
        over 100 ms, when the bridge lets them all go)."""
        count = len(self.held) if keys is None else keys
        answered, self.held = self.held[:count], self.held[count:]
        for window, event in answered:  # (by id: PySide lets go of the main window's
            # QWindow wrapper as a menu opens, the window kept)
            target = next(w for w in QGuiApplication.allWindows() if w.winId() == window)
            QCoreApplication.postEvent(target, event)
        QCoreApplication.sendPostedEvents()


def _key(window: QWidget, press: bool, key: Qt.Key, held: Qt.KeyboardModifier = NONE) -> None:
    """A key as the X server gives it to the window, through Qt's platform input (so the
    menu bar and the shortcuts meet it as a person's), with the modifiers `held` as it
    came: none for an Alt press, Alt for its release."""
    from PySide6.QtTest import QTest

    QTest.simulateEvent(window.windowHandle(), press, int(key), held, "", False)


@pytest.fixture
def bridge() -> Iterator[Bridge]:
    made = Bridge()
    QApplication.instance().installEventFilter(made)
    yield made
    QApplication.instance().removeEventFilter(made)


@pytest.mark.parametrize("order", ["Alt let go first, answered at once",
                                   "W let go first, Alt answered between"])
def test_alt_w_held_back_leaves_the_keys_in_the_week(gui: Gui, bridge: Bridge,
                                                     order: str) -> None:
    window = gui.window
    view = window.calendar_view
    window.show_view(TASKS)
    window.tasks_view.table.setFocus()
    _key(window, True, Qt.Key.Key_Alt)
    _key(window, True, Qt.Key.Key_W, ALT)  # a shortcut: the week shown at once
    assert view.period.mode == "week"
    if order.startswith("Alt"):
        _key(window, False, Qt.Key.Key_Alt, ALT)
        _key(window, False, Qt.Key.Key_W)
    else:
        _key(window, False, Qt.Key.Key_W, ALT)
        bridge.answer(1)  # Alt's
        _key(window, False, Qt.Key.Key_Alt, ALT)
    bridge.answer()
    grid = view.week.grid
    assert QApplication.focusWidget() is grid, QApplication.focusWidget()
    QApplication.instance().removeEventFilter(bridge)  # (the arrow as it comes)
    gui.wait_until(lambda: grid.dates())  # the week read: its cells there for the arrow
    assert QApplication.focusWidget() is grid
    before = grid.cursor_cell
    _key(window, True, Qt.Key.Key_Right)
    _key(window, False, Qt.Key.Key_Right)
    assert grid.cursor_cell is not None and grid.cursor_cell != before


def test_alt_f_held_back_leaves_the_file_menu_open(gui: Gui, bridge: Bridge) -> None:
    window = gui.window
    window.tasks_view.table.setFocus()
    _key(window, True, Qt.Key.Key_Alt)
    _key(window, True, Qt.Key.Key_F, ALT)  # the File menu opens
    _key(window, False, Qt.Key.Key_Alt, ALT)
    _key(window, False, Qt.Key.Key_F)
    bridge.answer()
    menu = QApplication.activePopupWidget()
    assert menu is not None and menu.title() == "&File"
    menu.close()


def test_alt_alone_held_back_leaves_the_keys_with_the_menu_bar(gui: Gui,
                                                               bridge: Bridge) -> None:
    window = gui.window
    window.tasks_view.table.setFocus()
    _key(window, True, Qt.Key.Key_Alt)
    _key(window, False, Qt.Key.Key_Alt, ALT)
    bridge.answer()  # (the menu bar opened; the copies closed it again)
    assert isinstance(QApplication.focusWidget(), QMenuBar)
    assert window.menuBar().activeAction().text() == "&File"
