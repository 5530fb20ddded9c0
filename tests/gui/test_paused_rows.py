"""A paused task's row in Tasks is quieter than an enabled one's (grey, its name in italics)
yet reads as text: it was drawn in the palette's disabled text colour, #bebebe on white in
Fusion, 1.9:1 — a paused task's name and schedule hard to read. Now at least 4.5:1 (body
text), light and dark, and still below an enabled row's."""

from __future__ import annotations

import pytest

from app.gui.qt import QPalette, Qt
from tests.gui.conftest import SCREENSHOTS, Gui, click_row, command_task
from tests.gui.test_dark_switch import choose_scheme, sharpest


@pytest.mark.usefixtures("restore_palette")
@pytest.mark.parametrize("scheme", ["system", "light", "dark"])
def test_a_paused_tasks_row_reads_as_text(gui: Gui, scheme: str) -> None:
    for name in ("Paused", "Enabled"):
        gui.service.create_task(command_task(name, schedule={"kind": "interval",
                                                              "seconds": 3600}))
    if scheme != "system":
        choose_scheme(gui, scheme)
    window = gui.window
    window.resize(1100, 700)
    view = window.tasks_view
    gui.wait_until(lambda: view.model.rowCount() == 2)
    row = next(r for r in range(2) if view.model.index(r, 0).data() == "Paused")
    click_row(gui.qtbot, view.table, row)
    gui.wait_until(lambda: window.task_ops.pause.isEnabled())
    window.task_ops.pause.trigger()  # Task › Pause
    gui.wait_until(lambda: not gui.service.get_task("Paused").spec.enabled)
    gui.wait_until(lambda: view.model.index(row, 0).data(Qt.ItemDataRole.FontRole) is not None)
    view.table.clearSelection()  # (its colours as a row not selected shows them)
    gui.qtbot.wait(50)
    image = view.table.viewport().grab().toImage()
    image.save(str(SCREENSHOTS / f"paused-row-{scheme}.png"))
    base = view.table.palette().color(QPalette.ColorRole.Base)
    shown = {r: sharpest(image, view.table.visualRect(view.model.index(r, 0)), base)
             for r in range(2)}
    assert shown[row] >= 4.5, shown  # (1.9 before)
    assert shown[row] < shown[1 - row], shown  # quieter than an enabled task's
