"""View › Appearance › Light: the window's explanations (the calendar's and graph's legends,
the editor's notes under a field) are drawn in the palette's placeholder grey, which
Fusion's light palette makes #000 at half strength, about 3.9:1 on the window: below the
4.5:1 body text needs. Light sets a grey that reads (about 5.3:1 on the window, 5.9:1 on a
field), still lighter than the text it explains."""

from __future__ import annotations

import pytest

from app.gui.main_window import CALENDAR, GRAPH
from app.gui.qt import QColor, QPalette, QRect
from tests.gui.conftest import SCREENSHOTS, Gui
from tests.gui.test_dark_switch import choose_scheme, sharpest
from tests.gui.test_runs_tint import contrast


def over(colour: QColor, ground: QColor) -> QColor:
    """`colour` as drawn on `ground` (its alpha blended)."""
    a = colour.alphaF()
    return QColor.fromRgbF(*(c * a + g * (1 - a) for c, g in (
        (colour.redF(), ground.redF()), (colour.greenF(), ground.greenF()),
        (colour.blueF(), ground.blueF()))))


@pytest.mark.usefixtures("restore_palette")
def test_light_notes_read_as_body_text(gui: Gui) -> None:
    choose_scheme(gui, "light")
    window = gui.window
    window.resize(1100, 700)
    palette = window.palette()
    grey = palette.color(QPalette.ColorRole.PlaceholderText)
    for role in (QPalette.ColorRole.Window, QPalette.ColorRole.Base):  # (a field's hint)
        ground = palette.color(role)
        assert contrast(over(grey, ground), ground) >= 4.5, role
    ground = palette.color(QPalette.ColorRole.Window)
    text = palette.color(QPalette.ColorRole.WindowText)
    assert contrast(over(grey, ground), ground) < contrast(text, ground)  # the quieter one
    for view, note in ((CALENDAR, window.calendar_view.legend), (GRAPH, window.graph_view.hint)):
        window.show_view(view)
        gui.quiet()
        gui.qtbot.wait(50)
        assert note.isVisible() and note.text()
        image = note.grab().toImage()
        ground = note.palette().color(QPalette.ColorRole.Window)
        assert sharpest(image, QRect(0, 0, note.width(), note.height()), ground) >= 4.5, \
            note.text()
    assert window.grab().save(str(SCREENSHOTS / "light-notes-graph.png"))
