"""Typing a bad schedule moves nothing (found keyboard-only in the real window): “61 * * * *”
opened an error line under Cron that pushed the help, “Add another schedule”, “Not on” and
everything below down a line, and back up at the next key; and the page list's rows below a
page that gained or lost its ⚠/✕ mark moved 2 px each."""

from __future__ import annotations

from typing import Any

from app.gui.qt import QPoint, Qt
from tests.gui.conftest import SCREENSHOTS, Gui
from tests.gui.editing import choose_schedule, go, new_editor


def _tops(editor: Any) -> list[int]:
    """Where each row of the page list and the fields below the schedule's kind start."""
    page = editor.schedule
    rows = [editor.sidebar.visualItemRect(editor.sidebar.item(i)).top()
            for i in range(editor.sidebar.count())]
    texts = [editor.sidebar.visualItemRect(editor.sidebar.item(i)).height()
             for i in range(editor.sidebar.count())]
    fields = [w.mapTo(page, QPoint(0, 0)).y() for w in (
        page.schedule_list, page.exclusions, page.timezone, page.catch_up, page.words)]
    return rows + texts + fields


def test_a_bad_cron_line_moves_no_field_and_no_page_row(gui: Gui, qtbot: Any) -> None:
    editor = new_editor(gui)
    qtbot.keyClicks(editor.general.name, "steady")
    go(editor, qtbot, "Action")
    qtbot.keyClicks(editor.action.command, "true")
    choose_schedule(editor, qtbot, "cron")
    page = editor.schedule
    gui.wait_until(lambda: editor.save_button.isEnabled())
    gui.settle()
    before = _tops(editor)
    editor.grab().save(str(SCREENSHOTS / "editor-cron-good.png"))
    page.cron.setFocus()
    page.cron.selectAll()
    qtbot.keyClicks(page.cron, "61 * * * *")
    error = page.errors["cron"][0]
    gui.wait_until(lambda: error.isVisible() and "61 is out of range" in error.text())
    gui.wait_until(lambda: editor.sidebar.item(2).toolTip() == "This page has an error")
    gui.settle()
    editor.grab().save(str(SCREENSHOTS / "editor-cron-bad.png"))
    assert _tops(editor) == before
    qtbot.keyClick(page.cron, Qt.Key.Key_Home)
    qtbot.keyClick(page.cron, Qt.Key.Key_Delete)  # "1 * * * *": good again
    gui.wait_until(lambda: not error.text())
    gui.wait_until(lambda: editor.sidebar.item(2).toolTip() == "")
    gui.settle()
    assert _tops(editor) == before
    editor.discard()


def test_the_other_kinds_keep_their_error_s_room_too(gui: Gui, qtbot: Any) -> None:
    editor = new_editor(gui)
    page = editor.schedule
    for kind, widget in (("date", page.at), ("interval", page.every)):
        choose_schedule(editor, qtbot, kind)
        gui.settle()
        below = page.schedule_list.mapTo(page, QPoint(0, 0)).y()
        error = page.errors["at" if kind == "date" else "interval"][0]
        room = error.parentWidget()
        assert room.height() >= error.fontMetrics().lineSpacing()  # kept while empty
        assert below >= widget.mapTo(page, QPoint(0, 0)).y() + widget.height() + room.height()
    editor.discard()
