"""The status bar's message that the desktop has no tray was said while the window was being
built, before the figures on the right were laid out: it was never cut to the room they
leave, so at the window's first size (with a desktop's larger font) it ran under them, cut
mid-word with no way to read the rest. It is cut with "…" to the room there is, again as
that room changes, the whole of it in the tooltip."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from app.gui.qt import QApplication
from tests.gui.conftest import SCREENSHOTS, Gui, command_task, said

NO_TRAY = "No system tray: notifications go to the bell, bottom right."


@pytest.fixture
def large_font(qapp: Any) -> Iterator[None]:
    """A desktop whose font is larger than the offscreen platform's (as a person's was)."""
    before = QApplication.font()
    font = QApplication.font()
    font.setPointSizeF(font.pointSizeF() * 1.6)
    QApplication.setFont(font)
    yield
    QApplication.setFont(before)


def test_the_no_tray_message_is_cut_to_its_room_with_the_whole_in_the_tooltip(
        large_font: None, gui_factory: Callable[..., Gui], home: Any) -> None:
    gui = gui_factory()
    window, status = gui.window, gui.window.status
    assert not window.tray.available
    gui.service.create_task(command_task("nightly", schedule={"kind": "cron",
                                                              "expr": "0 2 * * *"}))
    status.refresh()
    gui.wait_until(lambda: status.next_fire.text().startswith("Next: "))
    gui.quiet()
    assert (window.width(), window.height()) == (1180, 720)  # its first size
    shown = status.currentMessage()
    room = status._message_room()
    assert status.fontMetrics().horizontalAdvance(shown) <= room, (shown, room)
    assert shown != NO_TRAY and shown.endswith("…")  # cut, and said to be
    assert NO_TRAY.startswith(shown.removesuffix("…"))
    assert said(window) == NO_TRAY  # the whole, in the tooltip
    assert window.grab().save(str(SCREENSHOTS / "status-no-tray-large-font.png"))
    window.resize(1600, 720)  # room enough: whole again, no tooltip
    gui.wait_until(lambda: status.currentMessage() == NO_TRAY)
    assert not status.toolTip()
