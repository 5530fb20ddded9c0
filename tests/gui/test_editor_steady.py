"""What a person met in the real window: an error that showed once typing paused pushed the
fields below it down under the mouse (a click aimed at Working folder landed in Arguments);
with room kept for an error under every field, the Execution page scrolled;
the Schedule page scolded a new task in red before anything was chosen, "Add another
schedule" added a second empty one, "Stop after 1 seconds", and the page list took the keys
unseen."""

from __future__ import annotations

from typing import Any

from app.gui.qt import QPoint, QScrollArea, Qt
from tests.gui.conftest import SCREENSHOTS, Gui
from tests.gui.editing import choose, fill_command, fill_python, go, new_editor, stop_after_on


def _top(widget: Any, page: Any) -> int:
    return widget.mapTo(page, QPoint(0, 0)).y()


def test_an_error_shown_after_a_pause_moves_no_field(gui: Gui, qtbot: Any) -> None:
    editor = new_editor(gui)
    go(editor, qtbot, "Action")
    action = editor.action
    qtbot.mouseClick(action.is_python, Qt.MouseButton.LeftButton)
    gui.settle()
    kwargs_top, cwd_top = _top(action.kwargs, action), _top(action.cwd, action)
    qtbot.mouseClick(action.target, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(action.target, "tw_no_such_module_here:work")
    error = action.errors["python"][0]
    gui.wait_until(lambda: error.isVisible() and "No module named" in error.text())
    gui.settle()
    SCREENSHOTS.mkdir(exist_ok=True)
    editor.grab().save(str(SCREENSHOTS / "editor-error-moves-nothing.png"))
    assert (_top(action.kwargs, action), _top(action.cwd, action)) == (kwargs_top, cwd_top)
    # the click aimed at Working folder lands there
    qtbot.mouseClick(action.cwd, Qt.MouseButton.LeftButton)
    assert editor.focusWidget() is action.cwd
    editor.discard()


def test_the_execution_page_fits_the_editor_and_its_errors_show_as_typed(
        gui: Gui, qtbot: Any) -> None:
    """An empty error line kept under every field made the Execution page scroll in the
    editor as it opens; a field checked only as it is typed in opens its line then."""
    editor = new_editor(gui)
    assert (editor.width(), editor.height()) == (780, 580)  # as it opens
    go(editor, qtbot, "Execution")
    gui.settle()
    SCREENSHOTS.mkdir(exist_ok=True)
    editor.grab().save(str(SCREENSHOTS / "editor-execution-fits.png"))
    scroll = editor.stack.currentWidget()
    assert isinstance(scroll, QScrollArea)
    bar = scroll.verticalScrollBar()
    assert (bar.isVisible(), bar.maximum()) == (False, 0)
    execution = editor.execution
    below = _top(execution.retries, execution)
    qtbot.mouseClick(execution.timeout.enabled_box, Qt.MouseButton.LeftButton,
                     pos=QPoint(6, execution.timeout.enabled_box.height() // 2))
    execution.timeout.number.setFocus()
    execution.timeout.number.selectAll()
    qtbot.keyClicks(execution.timeout.number, "-5")
    timeout_error = execution.errors["timeout"][0]
    gui.wait_until(lambda: timeout_error.isVisible() and bool(timeout_error.text()))
    gui.settle()
    assert _top(execution.retries, execution) >= below + timeout_error.height()
    editor.discard()


def test_the_schedule_not_chosen_waits_until_the_person_has_been_there(
        gui: Gui, qtbot: Any) -> None:
    editor = new_editor(gui)
    fill_command(editor, qtbot, "photos", "true")  # and on to the Schedule page
    gui.wait_until(lambda: editor.hint.text() == "Choose when it runs")  # orange, not red
    error = editor.schedule.errors["schedule"][0]
    SCREENSHOTS.mkdir(exist_ok=True)
    editor.grab().save(str(SCREENSHOTS / "editor-schedule-first-look.png"))
    assert not error.isVisible()  # not a mistake: nothing to choose from was touched yet
    editor.schedule.kind.setFocus()
    qtbot.keyClick(editor.schedule.kind, Qt.Key.Key_Tab)  # been there, left it unchosen
    gui.wait_until(lambda: error.isVisible() and "choose when it runs" in error.text())
    editor.discard()


def test_another_schedule_waits_for_the_first(gui: Gui, qtbot: Any) -> None:
    editor = new_editor(gui)
    go(editor, qtbot, "Schedule")
    add = editor.schedule.schedule_list.add_button
    assert not add.isEnabled() and add.toolTip() == "Choose when this one runs first"
    editor.schedule.kind.setFocus()
    choose(qtbot, editor.schedule.kind, "cron")
    gui.wait_until(add.isEnabled)
    editor.grab().save(str(SCREENSHOTS / "editor-add-another-schedule.png"))
    editor.discard()


def test_one_of_a_unit_is_said_in_the_singular(gui: Gui, qtbot: Any) -> None:
    editor = new_editor(gui)
    timeout = stop_after_on(editor, qtbot)
    timeout.number.setFocus()
    timeout.number.selectAll()
    qtbot.keyClicks(timeout.number, "1")
    gui.wait_until(lambda: timeout.number.value() == 1)
    assert timeout.unit.currentText() == "second"
    editor.grab().save(str(SCREENSHOTS / "editor-stop-after-1-second.png"))
    qtbot.keyClicks(timeout.number, "0")
    gui.wait_until(lambda: timeout.unit.currentText() == "seconds")
    go(editor, qtbot, "Schedule")
    editor.schedule.kind.setFocus()
    choose(qtbot, editor.schedule.kind, "calendar")
    assert editor.schedule.cal_count.value() == 1
    assert editor.schedule.cal_unit.currentText() == "day"
    editor.discard()


def test_each_field_says_its_own_error_and_a_module_not_found_suggests_the_folder(
        gui: Gui, qtbot: Any, tmp_path: Any) -> None:
    editor = new_editor(gui)
    action = fill_python(editor, qtbot, "tw_jobs_nowhere:work")
    function = action.errors["python"][0]
    said = ("⚠ No module named 'tw_jobs_nowhere': no working folder is set; set it to the "
            "folder that holds tw_jobs_nowhere.py")
    gui.wait_until(lambda: function.text() == said)
    kwargs_top, cwd_top = _top(action.kwargs, action), _top(action.cwd, action)
    qtbot.mouseClick(action.kwargs, Qt.MouseButton.LeftButton)
    qtbot.keyClick(action.kwargs, Qt.Key.Key_End)
    qtbot.keyClicks(action.kwargs, "x")
    arguments = action.errors["kwargs"][0]
    gui.wait_until(lambda: "not valid JSON" in arguments.text())
    gui.settle()
    assert function.isVisible() and function.text() == said  # still: the module is not there
    assert _top(action.kwargs, action) == kwargs_top  # two lines' room: nothing moved
    assert _top(action.cwd, action) == cwd_top
    qtbot.mouseClick(action.cwd, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(action.cwd, str(tmp_path))
    gui.wait_until(lambda: function.text() == (
        f"⚠ No module named 'tw_jobs_nowhere': the working folder, {tmp_path}, holds no "
        "tw_jobs_nowhere.py or tw_jobs_nowhere/ package, nor does the engine's module path"))
    gui.settle()
    assert function.geometry().bottom() < function.parentWidget().height()  # all of it shown
    assert _top(action.kwargs, action) >= _top(function, action) + function.height()
    editor.grab().save(str(SCREENSHOTS / "editor-each-field-its-error.png"))
    editor.discard()


def test_the_page_list_with_the_keys_wears_the_focus_ring(gui: Gui, qtbot: Any) -> None:
    """Its selected page looked the same focused or not: Tab brought the keys there unseen."""
    from app.gui.qt import QApplication
    from tests.gui.test_editor_keyboard import _ring_pixels

    editor = new_editor(gui)
    gui.wait_until(lambda: QApplication.activeWindow() is editor)
    highlight = editor.palette().color(editor.palette().ColorRole.Highlight)
    gui.wait_until(lambda: editor.focusWidget() is editor.general.name)
    assert not any(p.rgb() == highlight.rgb() for p in _ring_pixels(editor, editor.sidebar))
    for _ in range(12):  # Shift+Tab back from the name, as far as the page list
        if editor.focusWidget() is editor.sidebar:
            break
        qtbot.keyClick(editor.focusWidget(), Qt.Key.Key_Backtab)
    assert editor.focusWidget() is editor.sidebar
    gui.wait_until(lambda: all(p.rgb() == highlight.rgb()
                               for p in _ring_pixels(editor, editor.sidebar)))
    editor.grab().save(str(SCREENSHOTS / "editor-page-list-focused.png"))
    editor.discard()
