"""A task only run by hand fires at no time: the Schedule page hides its time zone, start,
end and missed-runs rows (nothing closes up around a hole), and choosing a timed schedule
again shows them as they were. A field with an error stays in sight."""

from __future__ import annotations

from typing import Any

from app.gui.qt import QWidget
from tests.gui.conftest import SCREENSHOTS, Gui, closed
from tests.gui.editing import choose, click, fill_command, fill_manual_command, new_editor


def _rows(page: Any) -> list[QWidget]:
    """The time fields and their labels."""
    fields = [page.timezone, page.start, page.end, page.catch_up]
    return fields + [page.form.labelForField(f) for f in fields]


def _type_zone(qtbot: Any, page: Any, zone: str) -> None:
    page.timezone.lineEdit().selectAll()
    qtbot.keyClicks(page.timezone.lineEdit(), zone)


def test_by_hand_hides_the_timing_fields_and_a_timed_schedule_shows_them_as_they_were(
        gui: Gui, qtbot: Any) -> None:
    editor = new_editor(gui)
    fill_command(editor, qtbot, "by hand")
    page = editor.schedule
    choose(qtbot, page.kind, "interval")
    _type_zone(qtbot, page, "Europe/Paris")
    click(qtbot, page.start.enabled_box)
    click(qtbot, page.end.enabled_box)
    page.end.edit.setDateTime(page.end.edit.dateTime().addDays(30))
    choose(qtbot, page.catch_up, "skip")
    gui.wait_until(editor.save_button.isEnabled)
    assert all(w.isVisible() for w in _rows(page))
    before = (page.timezone.currentText(), page.start.edit.text(), page.end.edit.text(),
              page.catch_up.currentData())
    left = page.kind.geometry().left()
    assert editor.grab().save(str(SCREENSHOTS / "editor-schedule-interval.png"))

    choose(qtbot, page.kind, "manual")
    gui.wait_until(editor.save_button.isEnabled)
    assert not any(w.isVisible() for w in _rows(page))
    # tidy: "In words" follows the schedule list with one row's spacing, no hole between
    gap = page.words.geometry().top() - page.schedule_list.geometry().bottom()
    assert 0 < gap <= 2 * page.form.verticalSpacing() + 2, gap
    assert page.words.text() == "Manually"
    assert page.kind.geometry().left() == left  # the label column kept its width
    assert editor.grab().save(str(SCREENSHOTS / "editor-schedule-by-hand.png"))

    choose(qtbot, page.kind, "cron")
    gui.wait_until(editor.save_button.isEnabled)
    assert all(w.isVisible() for w in _rows(page))
    assert (page.timezone.currentText(), page.start.edit.text(), page.end.edit.text(),
            page.catch_up.currentData()) == before
    assert editor.grab().save(str(SCREENSHOTS / "editor-schedule-back-to-cron.png"))

    choose(qtbot, page.kind, "manual")  # saved by hand: its kept values go with it
    gui.wait_until(editor.save_button.isEnabled)
    click(qtbot, editor.save_button)
    gui.wait_until(lambda: closed(editor))
    spec = gui.service.get_task("by hand").spec
    assert spec.schedule.kind == "manual" and spec.timezone == "Europe/Paris"


def test_a_wrong_zone_stays_in_sight_on_a_task_run_by_hand(gui: Gui, qtbot: Any) -> None:
    """Save is refused for the zone: the field that says why is not hidden."""
    editor = new_editor(gui)
    fill_manual_command(editor, qtbot, "by hand with a wrong zone")
    page = editor.schedule
    gui.wait_until(lambda: not page.timezone.isVisible())
    choose(qtbot, page.kind, "interval")
    _type_zone(qtbot, page, "Nowhere/Atall")
    error = page.errors["timezone"][0]
    gui.wait_until(lambda: error.isVisible() and bool(error.text()))
    choose(qtbot, page.kind, "manual")
    gui.wait_until(lambda: not editor._validate_timer.isActive())
    gui.settle()
    assert page.timezone.isVisible() and error.isVisible(), error.text()
    assert not editor.save_button.isEnabled()
    assert editor.grab().save(str(SCREENSHOTS / "editor-schedule-by-hand-wrong-zone.png"))
    _type_zone(qtbot, page, "UTC")  # put right: the rows go, Save comes back
    gui.wait_until(editor.save_button.isEnabled)
    assert not page.timezone.isVisible()
    editor.discard()
