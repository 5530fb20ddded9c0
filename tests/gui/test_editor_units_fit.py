"""A unit box shows its longest name whole: with "Stop after 2" it showed "second" with the
"s" cut off (sized while it said "second"; found keyboard-only in the real window)."""

from __future__ import annotations

from typing import Any

from app.gui.qt import QComboBox, Qt
from tests.gui.conftest import SCREENSHOTS, Gui
from tests.gui.editing import choose_schedule, new_editor, stop_after_on


def _whole(box: Any) -> bool:
    """`box` as wide as a box that fits each of its names as they read now."""
    fitting = QComboBox()
    fitting.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    fitting.setFont(box.font())
    for i in range(box.count()):
        fitting.addItem(box.itemText(i))
    return bool(box.width() >= fitting.sizeHint().width())


def test_stop_after_2_seconds_shows_seconds_whole(gui: Gui, qtbot: Any) -> None:
    editor = new_editor(gui)
    timeout = stop_after_on(editor, qtbot)
    qtbot.keyClick(timeout.enabled_box, Qt.Key.Key_Tab)
    assert editor.focusWidget() is timeout.number
    timeout.number.selectAll()
    qtbot.keyClicks(timeout.number, "2")
    gui.wait_until(lambda: timeout.unit.currentText() == "seconds")
    gui.settle()
    timeout.unit.grab().save(str(SCREENSHOTS / "editor-stop-after-2-seconds.png"))
    editor.grab().save(str(SCREENSHOTS / "editor-stop-after-2-seconds-page.png"))
    assert _whole(timeout.unit)
    assert _whole(editor.execution.retry_delay.unit)
    choose_schedule(editor, qtbot, "calendar")
    schedule = editor.schedule
    schedule.cal_count.setFocus()
    schedule.cal_count.selectAll()
    qtbot.keyClicks(schedule.cal_count, "3")
    gui.wait_until(lambda: schedule.cal_unit.currentText() == "days")
    gui.settle()
    assert _whole(schedule.cal_unit)
    editor.discard()


def test_a_duration_first_shown_at_1_shows_2_seconds_whole(qtbot: Any) -> None:
    """The box alone, as the editor shows it the first time (Stop after 1): in the real
    window the editor's box was sized then, with "second"; offscreen the editor's layout
    sizes it again later, so the box is driven alone here too."""
    from app.gui.editor.widgets import DurationEdit

    edit = DurationEdit("Stop after")
    qtbot.addWidget(edit)
    edit.show()
    qtbot.waitExposed(edit)
    assert edit.enabled_box is not None
    edit.enabled_box.setFocus()
    qtbot.keyClick(edit.enabled_box, Qt.Key.Key_Space)
    edit.number.setFocus()
    edit.number.selectAll()
    qtbot.keyClicks(edit.number, "2")
    qtbot.waitUntil(lambda: edit.unit.currentText() == "seconds")
    edit.grab().save(str(SCREENSHOTS / "duration-stop-after-2-seconds.png"))
    assert _whole(edit.unit)
