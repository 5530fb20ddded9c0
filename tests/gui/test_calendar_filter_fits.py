"""The Calendar's name filter in a wide window showed its hint cut off, “Only tasks name…”:
the field kept its least width with room to spare beside the title. It now takes room up to
its most, its hint whole; in a narrow window the title still goes below before it shrinks."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QStyleOptionFrame

from app.gui.qt import QLineEdit, QStyle, Qt
from tests.gui.conftest import SCREENSHOTS, Gui


def _hint_room(field: QLineEdit) -> int:
    """The px the field has for its text (inside its frame and margins)."""
    option = QStyleOptionFrame()
    field.initStyleOption(option)
    inner = field.style().subElementRect(QStyle.SubElement.SE_LineEditContents, option, field)
    margins = field.textMargins()
    return inner.width() - margins.left() - margins.right() - 4  # Qt's own 2 px each side


def test_the_filter_hint_is_whole_in_a_wide_window(gui: Gui, qtbot: Any) -> None:
    gui.window.resize(1580, 960)
    gui.wait_until(lambda: gui.window.width() == 1580)
    qtbot.keyClick(gui.window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    view = gui.window.calendar_view
    gui.settle()
    field = view.bar.filter
    gui.wait_until(lambda: field.isVisible())
    needed = field.fontMetrics().horizontalAdvance(field.placeholderText())
    assert gui.window.grab().save(str(SCREENSHOTS / "calendar-filter-wide.png"))
    assert _hint_room(field) >= needed, (field.width(), _hint_room(field), needed)
    qtbot.mouseClick(field, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(field, "backup")
    assert field.hasFocus() and field.text() == "backup"
    assert not view.bar.title_below()
