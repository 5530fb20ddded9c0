"""The chosen one of a few (Month/Week/Day, 5 min/1 h/24 h) stands out in either palette: in
the dark one Fusion drew it barely darker than the others (a second run-through)."""

from __future__ import annotations

from typing import Any

import pytest

from app.gui.main_window import CALENDAR, METRICS
from app.gui.qt import QPalette, Qt
from tests.gui.conftest import Gui


def _fill(button: Any) -> Any:
    """The colour the button is filled with, a little inside its edge."""
    image = button.grab().toImage()
    return image.pixelColor(4, image.height() // 2)


@pytest.mark.parametrize("scheme", ["dark", "light"])
def test_the_chosen_mode_and_span_are_drawn_in_the_highlight(gui: Gui, qtbot: Any,
                                                             scheme: str) -> None:
    gui.window.set_scheme(scheme)
    gui.window.show_view(CALENDAR)
    modes = {b.text(): b for b in gui.window.calendar_view.bar.modes.buttons()}
    qtbot.mouseClick(modes["Week"], Qt.MouseButton.LeftButton)
    gui.wait_until(modes["Week"].isChecked)
    highlight = modes["Week"].palette().color(QPalette.ColorRole.Highlight)
    assert _fill(modes["Week"]) == highlight
    assert _fill(modes["Month"]) != highlight
    gui.window.show_view(METRICS)
    spans = gui.window.metrics_view.spans
    qtbot.mouseClick(spans.button(3600), Qt.MouseButton.LeftButton)
    assert _fill(spans.button(3600)) == highlight and _fill(spans.button(300)) != highlight
    gui.window.set_scheme("system")
