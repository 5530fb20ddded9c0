"""Typing a bad schedule moves nothing (found keyboard-only in the real window): “61 * * * *”
opened an error line under Cron that pushed the help, “Add another schedule”, “Not on” and
everything below down a line, and back up at the next key; and the page list's rows below a
page that gained or lost its ⚠/✕ mark moved 2 px each."""

from __future__ import annotations

from datetime import date
from typing import Any

from app.gui.editor.schedule_choices import KINDS
from app.gui.qt import QPoint, QScrollArea, Qt
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


def _below_kind(page: Any) -> list[int]:
    """Where the fields under Time zone, Start and End start on the Schedule page."""
    return [w.mapTo(page, QPoint(0, 0)).y() for w in (
        page.start, page.end, page.catch_up, page.words, page.next_times)]


def test_an_unknown_zone_or_a_bad_start_or_end_moves_no_field(
        gui: Gui, qtbot: Any) -> None:
    """Time zone, Start and End opened their error line as the check after a pause found
    one, pushing Start, End, Missed runs and the preview down under the mouse."""
    editor = new_editor(gui)
    choose_schedule(editor, qtbot, "cron")
    page = editor.schedule
    gui.settle()
    before = _below_kind(page)
    page.timezone.setFocus()
    page.timezone.lineEdit().selectAll()
    qtbot.keyClicks(page.timezone.lineEdit(), "Nowhere/Atlantis")
    error = page.errors["timezone"][0]
    gui.wait_until(lambda: error.isVisible() and bool(error.text()))
    gui.settle()
    editor.grab().save(str(SCREENSHOTS / "editor-zone-unknown.png"))
    assert _below_kind(page) == before
    page.timezone.lineEdit().selectAll()
    qtbot.keyClicks(page.timezone.lineEdit(), "UTC")
    gui.wait_until(lambda: not error.text())
    gui.settle()
    assert _below_kind(page) == before
    for edit in (page.start, page.end):  # both on: the same first full hour ahead
        assert edit.enabled_box is not None
        edit.enabled_box.setFocus()
        qtbot.keyClick(edit.enabled_box, Qt.Key.Key_Space)
    end_error = page.errors["end_at"][0]
    gui.wait_until(lambda: end_error.isVisible() and "after start" in end_error.text())
    gui.settle()
    editor.grab().save(str(SCREENSHOTS / "editor-end-not-after-start.png"))
    assert _below_kind(page) == before
    page.timezone.setFocus()
    page.timezone.lineEdit().selectAll()
    qtbot.keyClicks(page.timezone.lineEdit(), "Europe/London")
    wall = page.start.wall()
    assert wall is not None
    year = wall.year  # the field's year stays as typing over it shows
    skipped = max(date(year, 3, d) for d in range(25, 32) if date(year, 3, d).weekday() == 6)
    page.start.edit.setFocus()
    page.start.edit.selectAll()
    qtbot.keyClicks(page.start.edit, f"{skipped} 01:30:00")  # an hour the clocks skip
    start_error = page.errors["start_at"][0]
    gui.wait_until(lambda: start_error.isVisible() and "does not exist" in start_error.text())
    gui.settle()
    editor.grab().save(str(SCREENSHOTS / "editor-start-skipped.png"))
    assert _below_kind(page) == before
    editor.discard()


def test_the_schedule_page_fits_the_editor_for_every_kind(gui: Gui, qtbot: Any) -> None:
    """With room kept under Time zone, Start and End, each kind's page still shows whole in
    the editor as it opens, with no scroll bar."""
    editor = new_editor(gui)
    assert (editor.width(), editor.height()) == (780, 580)
    said = [editor.schedule.words.text()]
    for kind, _label in KINDS:
        choose_schedule(editor, qtbot, kind)
        gui.wait_until(lambda: editor.schedule.words.text() != said[-1])  # checked, shown
        said.append(editor.schedule.words.text())
        gui.settle()
        editor.grab().save(str(SCREENSHOTS / f"editor-schedule-{kind}-fits.png"))
        scroll = editor.stack.currentWidget()
        assert isinstance(scroll, QScrollArea)
        bar = scroll.verticalScrollBar()
        assert (kind, bar.isVisible(), bar.maximum()) == (kind, False, 0)
    editor.discard()
