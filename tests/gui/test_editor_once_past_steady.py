"""A one-shot's year typed into the past: “is in the past: … (now …)” wraps to two lines
under At, in room kept for them, so nothing below moves. (The second line pushed “Add
another schedule”, Time zone and everything under them down as the year was typed.)"""

from __future__ import annotations

from app.gui.qt import QPoint
from tests.gui.conftest import SCREENSHOTS, Gui
from tests.gui.editing import choose_schedule, new_editor


def test_a_past_one_shot_moves_nothing_below_it(gui: Gui) -> None:
    editor = new_editor(gui)
    qtbot = gui.qtbot
    choose_schedule(editor, qtbot, "date")
    page = editor.schedule
    gui.settle()

    def tops() -> list[int]:
        return [w.mapTo(page, QPoint(0, 0)).y() for w in (
            page.schedule_list, page.timezone, page.start, page.catch_up, page.words)]

    before = tops()
    page.at.edit.setFocus()
    page.at.edit.setSelectedSection(page.at.edit.Section.YearSection)
    qtbot.keyClicks(page.at.edit, "2020")
    error = page.errors["at"][0]
    gui.wait_until(lambda: "is in the past" in error.text())
    gui.settle()
    assert error.heightForWidth(error.width()) > error.fontMetrics().lineSpacing()  # 2 lines
    assert editor.grab().save(str(SCREENSHOTS / "editor-once-past.png"))
    assert tops() == before
    editor.discard()
