"""Failures show at a glance in the run table: failed and timed-out rows are tinted red,
interrupted ones amber, in shades that keep text readable in the light and dark palettes."""

from __future__ import annotations

from typing import Any

import pytest

from app.gui.qt import QApplication, QColor, QPalette, Qt
from app.gui.runs.model import STATUS
from app.gui.widgets import display
from tests.gui.conftest import SCREENSHOTS, Gui, command_task


def _luminance(colour: QColor) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return (0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF())
            + 0.0722 * channel(colour.blueF()))


def contrast(a: QColor, b: QColor) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_failed_and_timed_out_rows_are_tinted(gui: Gui, scheme: str,
                                              restore_palette: None) -> None:
    s = gui.service
    s.create_task(command_task("Fine", ["true"]))
    s.create_task(command_task("Broken", ["sh", "-c", "exit 3"]))
    s.create_task(command_task("Stuck", ["sleep", "30"], timeout=0.5))
    runs = {name: s.run_now(name).id for name in ("Fine", "Broken", "Stuck")}
    gui.wait_until(lambda: {s.get_run(i).status for i in runs.values()}
                   == {"succeeded", "failed", "timed_out"}, 30)
    window = gui.window
    window.set_scheme(scheme)
    window.resize(1280, 760)
    window.activateWindow()
    gui.wait_until(lambda: QApplication.activeWindow() is window)
    gui.qtbot.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    model = window.runs_model
    gui.wait_until(lambda: all(model.row_of(i) >= 0 for i in runs.values()))
    gui.wait_until(lambda: model.data(model.index(model.row_of(runs["Stuck"]), STATUS))
                   == "timed out")
    dark = scheme == "dark"
    palette = window.runs_view.table.palette()
    text = palette.color(QPalette.ColorRole.Text)
    assert (text.lightness() > 128) == dark

    def tints(name: str) -> set[str | None]:
        row = model.row_of(runs[name])
        cells = [model.data(model.index(row, c), Qt.ItemDataRole.BackgroundRole)
                 for c in range(model.columnCount())]
        return {cell.name() if isinstance(cell, QColor) else cell for cell in cells}

    assert tints("Fine") == {None}
    for name, status in (("Broken", "failed"), ("Stuck", "timed_out")):
        (name_of_tint,) = tints(name)  # the whole row, one colour
        assert name_of_tint is not None
        tint = QColor(name_of_tint)
        assert (tint.lightness() < 100) if dark else (tint.lightness() > 200)
        assert contrast(text, tint) >= 4.5
        assert contrast(display.status_colour(status, dark), tint) >= 4.5
    interrupted = display.row_tint("interrupted", dark)
    assert interrupted is not None and interrupted.name() not in tints("Broken")
    assert contrast(text, interrupted) >= 4.5
    assert contrast(display.status_colour("interrupted", dark), interrupted) >= 4.5

    view = window.runs_view
    view.select_run(runs["Fine"])
    gui.wait_until(lambda: "“Fine”" in window.task_ops.delete.toolTip())
    gui.settle()
    gui.qtbot.wait(200)
    SCREENSHOTS.mkdir(exist_ok=True)
    assert window.grab().save(str(SCREENSHOTS / f"runs-tinted-{scheme}.png"))
    for width, height in ((800, 500), (1600, 1000)):
        window.resize(width, height)
        gui.qtbot.wait(100)
        assert window.grab().save(str(SCREENSHOTS / f"runs-tinted-{scheme}-{width}x{height}.png"))


def test_every_status_glyph_is_in_the_windows_font(qapp: Any) -> None:
    """"timed out" was drawn as an empty box: its ⏱ is in few fonts (found by a window
    run-through); each status's glyph is one the window's own font has."""
    from app.gui.qt import QApplication, QFontMetrics
    from app.gui.widgets.display import GLYPHS

    metrics = QFontMetrics(QApplication.font())
    assert [s for s, glyph in GLYPHS.items() if not metrics.inFontUcs4(ord(glyph))] == []
