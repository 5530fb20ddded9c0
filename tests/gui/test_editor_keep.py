"""The editor's History boxes (how much of a task's run history is kept) keep what is typed:
a box whose lowest step was "the default" turned -30 days into 0 days (every run older than
today deleted) and -30 runs into 30, unsaid. A number past the bounds is named under its box
as it is typed and Save waits; the arrows still go from "the default" to the greatest value."""

from __future__ import annotations

from typing import Any

from app.gui.qt import QAbstractSpinBox, Qt
from tests.gui.conftest import SCREENSHOTS, Gui, command_task
from tests.gui.editing import fill_manual_command, go, new_editor, open_selected, save
from tests.gui.test_editor_live_checks import _retype, _tick


def _history(gui: Gui, qtbot: Any) -> Any:
    """A new task, named, run by hand, on its Execution page with its own history values."""
    editor = new_editor(gui)
    fill_manual_command(editor, qtbot, "Photos backup")
    go(editor, qtbot, "Execution")
    _tick(qtbot, editor.execution.keep.use_default)  # its own values: the default's to start
    return editor


def test_a_minus_sign_typed_is_named_under_the_box_and_save_waits(gui: Gui,
                                                                   qtbot: Any) -> None:
    editor = _history(gui, qtbot)
    keep = editor.execution.keep
    assert keep.keep_days.text() == "90 days" and keep.keep_runs.text() == "100 runs"
    said = {}
    for box, field, typed in ((keep.keep_days, "keep_days", "-30"),
                              (keep.keep_runs, "keep_runs", "-30")):
        _retype(qtbot, box, typed)
        assert box.text() == f"{typed} {field[5:]}"  # as typed, not 0 days or 30 runs
        label = editor.execution.errors[field][0]
        gui.wait_until(label.isVisible)
        said[field] = label.text()
        assert not editor.save_button.isEnabled()
        _retype(qtbot, box, "30")
        gui.wait_until(lambda label=label: not label.isVisible())
    assert said == {"keep_days": "⚠ must be between 0 and 36500",
                    "keep_runs": "⚠ must be between 1 and 1000000"}
    _retype(qtbot, keep.keep_runs, "0")  # where the least is 1
    gui.wait_until(editor.execution.errors["keep_runs"][0].isVisible)
    assert editor.grab().save(str(SCREENSHOTS / "editor-history-refused.png"))
    _retype(qtbot, keep.keep_runs, "5")
    save(gui, qtbot, editor)
    spec = gui.service.get_task("Photos backup").spec
    assert (spec.keep_days, spec.keep_runs) == (30, 5)


def test_the_arrows_go_from_the_default_to_the_bounds(gui: Gui, qtbot: Any) -> None:
    editor = _history(gui, qtbot)
    keep = editor.execution.keep
    down = QAbstractSpinBox.StepEnabledFlag.StepDownEnabled
    for box, least, word in ((keep.keep_days, 0, "days"), (keep.keep_runs, 1, "run")):  # (one run)
        _retype(qtbot, box, str(least + 1))
        qtbot.keyClick(box, Qt.Key.Key_Down)
        assert box.text() == f"{least} {word}"
        qtbot.keyClick(box, Qt.Key.Key_Down)
        assert box.text() == "the default" and box.number() is None
        assert not box.stepEnabled() & down
        qtbot.keyClick(box, Qt.Key.Key_Down)  # no step below it
        assert box.text() == "the default"
        qtbot.keyClick(box, Qt.Key.Key_Up)
        assert box.text() == f"{least} {word}"
        qtbot.keyClick(box, Qt.Key.Key_End)  # (the line's end: the arrows' top is PageUp's)
        for _ in range(3):
            qtbot.keyClick(box, Qt.Key.Key_Down)
        qtbot.keyClick(box, Qt.Key.Key_Down)
        assert box.text() == "the default"
    _retype(qtbot, keep.keep_days, "-30")  # below the bounds: up goes to the least value,
    qtbot.keyClick(keep.keep_days, Qt.Key.Key_Up)  # not to "the default" (a review)
    assert keep.keep_days.text() == "0 days"
    _retype(qtbot, keep.keep_days, "36500")
    qtbot.keyClick(keep.keep_days, Qt.Key.Key_Up)
    assert keep.keep_days.text() == "36500 days"  # no step past the greatest
    qtbot.keyClick(keep.keep_runs, Qt.Key.Key_Up)
    save(gui, qtbot, editor)
    spec = gui.service.get_task("Photos backup").spec
    assert (spec.keep_days, spec.keep_runs) == (36500, 1)


def test_one_value_of_its_own_comes_back_with_the_other_left_to_the_default(
        gui: Gui, qtbot: Any) -> None:
    """As `tickwork task update --keep-runs 5` leaves it: the days say "the default", and an
    edit elsewhere saves it so."""
    task = gui.service.create_task(command_task("Photos backup", keep_runs=5))
    editor = open_selected(gui, qtbot, task.id, Qt.Key.Key_Return)
    go(editor, qtbot, "Execution")
    keep = editor.execution.keep
    assert not keep.use_default.isChecked()
    assert (keep.keep_days.text(), keep.keep_runs.text()) == ("the default", "5 runs")
    editor.execution.priority.setFocus()
    qtbot.keyClick(editor.execution.priority, Qt.Key.Key_Up)
    save(gui, qtbot, editor)
    spec = gui.service.get_task("Photos backup").spec
    assert (spec.keep_days, spec.keep_runs, spec.priority) == (None, 5, 1)
