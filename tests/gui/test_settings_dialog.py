"""Settings… from the File menu: the history default shown and saved (as the CLI sees it),
the start switches writing and removing their files in a temp XDG config folder with what
was done said under them; and the editor's History group keeping a task's own values or
the default."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from app.gui.qt import QApplication, Qt, alive
from app.gui.settings.dialog import SettingsDialog
from app.settings import keep_default
from tests.gui.conftest import SCREENSHOTS, Gui, command_task, open_settings
from tests.gui.editing import click, fill_manual_command, go, new_editor

pytestmark = pytest.mark.usefixtures("no_user_bus")


def _open_settings(gui: Gui, by_key: bool = True) -> SettingsDialog:
    dialog: SettingsDialog = open_settings(gui, by_key)
    return dialog


def _tick(qtbot: Any, box: Any) -> None:
    """Toggle a check box from the keyboard (focus, Space)."""
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Space)


def _set_spin(qtbot: Any, spin: Any, value: int) -> None:
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, str(value))
    assert spin.value() == value


def test_the_history_default_is_shown_and_saved(gui: Gui, qtbot: Any) -> None:
    gui.window.activateWindow()  # the Audit view in front, as the change is saved
    gui.wait_until(lambda: QApplication.activeWindow() is gui.window)
    qtbot.keyClick(gui.window, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)
    dialog = _open_settings(gui)
    assert (dialog.keep_days.value(), dialog.keep_runs.value()) == (90, 100)
    SCREENSHOTS.mkdir(exist_ok=True)
    assert dialog.grab().save(str(SCREENSHOTS / "settings.png"))  # for the README
    _set_spin(qtbot, dialog.keep_days, 14)
    _set_spin(qtbot, dialog.keep_runs, 30)
    with qtbot.waitSignal(dialog.saved):
        click(qtbot, dialog.buttons.button(dialog.buttons.StandardButton.Save))
    policy = keep_default(gui.store)
    assert (policy.days, policy.runs) == (14, 30)
    assert any(e["action"] == "settings.keep" for e in gui.service.audit_events(limit=20))
    # the Audit view shows it at once, in words, with the values before and after (it said
    # "Settings: keep", and only once it was read again)
    model = gui.window.audit_model
    said = ("Changed the history kept by default from “90 days, at least the newest 100 "
            "runs” to “14 days, at least the newest 30 runs”")
    gui.wait_until(lambda: any(model.index(row, 2).data() == said
                               for row in range(model.rowCount())))


def test_the_start_switches_write_and_remove_their_files(gui: Gui, qtbot: Any) -> None:
    config = Path(os.environ["XDG_CONFIG_HOME"])
    entry = config / "autostart" / "tickwork.desktop"
    unit = config / "systemd" / "user" / "tickwork-engine.service"
    dialog = _open_settings(gui)
    assert not dialog.start_at_login.isChecked() and not dialog.background_engine.isChecked()
    _tick(qtbot, dialog.start_at_login)
    gui.wait_until(lambda: entry.exists() and str(entry) in dialog.outcome.text())
    assert "--minimized" in entry.read_text()
    _tick(qtbot, dialog.background_engine)
    gui.wait_until(lambda: "not started now" in dialog.outcome.text())
    assert unit.exists() and f"--home {gui.store.home} engine" in unit.read_text()
    click(qtbot, dialog.buttons.button(dialog.buttons.StandardButton.Close))
    again = _open_settings(gui, by_key=False)  # read back from the files
    assert again.start_at_login.isChecked() and again.background_engine.isChecked()
    _tick(qtbot, again.start_at_login)
    gui.wait_until(lambda: not entry.exists() and again.start_at_login.isEnabled())
    _tick(qtbot, again.background_engine)
    gui.wait_until(lambda: not unit.exists() and again.background_engine.isEnabled())
    click(qtbot, again.buttons.button(again.buttons.StandardButton.Close))


def test_the_editor_keeps_a_task_s_own_history_values_or_the_default(gui: Gui,
                                                                     qtbot: Any) -> None:
    gui.service.create_task(command_task("other"))
    editor = new_editor(gui)
    fill_manual_command(editor, qtbot, "kept")
    go(editor, qtbot, "Execution")
    keep = editor.execution.keep
    gui.wait_until(lambda: "90 days, 100 runs" in keep.use_default.text())
    assert keep.use_default.isChecked() and not keep.keep_days.isEnabled()
    _tick(qtbot, keep.use_default)
    assert keep.keep_days.isEnabled() and keep.keep_days.value() == 90
    _set_spin(qtbot, keep.keep_runs, 7)
    gui.wait_until(editor.save_button.isEnabled)
    SCREENSHOTS.mkdir(exist_ok=True)
    assert editor.grab().save(str(SCREENSHOTS / "editor-history.png"))  # for the README
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: not alive(editor) or not editor.isVisible())
    task = gui.service.get_task("kept")
    assert (task.spec.keep_runs, task.spec.keep_days) == (7, 90)
    assert gui.service.get_task("other").spec.keep_runs is None


def test_closing_with_a_changed_history_default_asks(gui: Gui, qtbot: Any) -> None:
    """Close dropped a changed history default without a word (found by a window
    run-through): it asks — Discard keeps the old one, Save saves it."""
    from tests.gui.conftest import answer_question

    dialog = _open_settings(gui)
    _set_spin(qtbot, dialog.keep_days, 7)
    asked = answer_question(qtbot, "Discard")
    click(qtbot, dialog.buttons.button(dialog.buttons.StandardButton.Close))
    gui.wait_until(lambda: asked.done and not dialog.isVisible())
    assert asked.title == "Save the history default?" and "last 7 days" in asked.text
    assert keep_default(gui.store).days == 90

    dialog = _open_settings(gui, by_key=False)
    _set_spin(qtbot, dialog.keep_days, 7)
    asked = answer_question(qtbot, "Save")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    gui.wait_until(lambda: asked.done and keep_default(gui.store).days == 7)
    gui.wait_until(lambda: not alive(dialog) or not dialog.isVisible())

    dialog = _open_settings(gui, by_key=False)  # nothing changed: closes, no question
    click(qtbot, dialog.buttons.button(dialog.buttons.StandardButton.Close))
    gui.wait_until(lambda: not alive(dialog) or not dialog.isVisible())


def test_a_number_out_of_range_is_named_and_nothing_is_saved(gui: Gui, qtbot: Any) -> None:
    """0 typed for the newest runs (the box's minimum is 1): Enter does not close the dialog
    and save the old value in its place; the field is named and nothing changes."""
    dialog = _open_settings(gui)
    _set_spin(qtbot, dialog.keep_days, 30)
    dialog.keep_runs.setFocus()
    dialog.keep_runs.selectAll()
    qtbot.keyClicks(dialog.keep_runs, "0")
    assert dialog.keep_runs.text() == "0 runs"
    qtbot.keyClick(dialog.keep_runs, Qt.Key.Key_Return)
    gui.settle()
    assert dialog.isVisible()
    said = dialog.under[dialog.keep_runs]
    assert said.text() == "⚠ must be between 1 and 1000000" and said.isVisible()
    assert not dialog.under[dialog.keep_days].isVisible()
    assert dialog.keep_runs.hasFocus()
    policy = keep_default(gui.store)
    assert (policy.days, policy.runs) == (90, 100)  # nothing saved, not even the 30 days
    assert dialog.grab().save(str(SCREENSHOTS / "settings-bad-number.png"))
    dialog.keep_days.setFocus()
    dialog.keep_days.selectAll()
    qtbot.keyClick(dialog.keep_days, Qt.Key.Key_Backspace)  # an empty box: not its old value
    qtbot.keyClick(dialog.keep_days, Qt.Key.Key_Return)
    assert dialog.isVisible()
    assert dialog.under[dialog.keep_days].text() == "⚠ must be a whole number"
    assert (keep_default(gui.store).days, keep_default(gui.store).runs) == (90, 100)
    qtbot.keyClicks(dialog.keep_days, "30")
    dialog.keep_runs.setFocus()
    dialog.keep_runs.selectAll()
    qtbot.keyClicks(dialog.keep_runs, "5")
    with qtbot.waitSignal(dialog.saved):
        qtbot.keyClick(dialog.keep_runs, Qt.Key.Key_Return)
    policy = keep_default(gui.store)
    assert (policy.days, policy.runs) == (30, 5)


def test_a_minus_sign_typed_is_refused_in_words_not_dropped(gui: Gui, qtbot: Any) -> None:
    """-30 typed for the days was saved as 30 days (the box dropped the sign without a
    word: a newcomer's run-through); now it is named and nothing is saved."""
    dialog = _open_settings(gui)
    for spin, typed, said in ((dialog.keep_days, "-30", "must be between 0 and 36500"),
                              (dialog.keep_runs, "-5", "must be between 1 and 1000000")):
        spin.setFocus()
        spin.selectAll()
        qtbot.keyClicks(spin, typed)
        assert spin.cleanText() == typed
        qtbot.keyClick(spin, Qt.Key.Key_Return)
        gui.settle()
        under = dialog.under[spin]
        assert dialog.isVisible() and under.text() == f"⚠ {said}", under.text()
        assert spin.hasFocus()
        policy = keep_default(gui.store)
        assert (policy.days, policy.runs) == (90, 100)
        spin.selectAll()
        qtbot.keyClicks(spin, typed[1:])  # the sign taken away: 30 days, then 5 runs
    with qtbot.waitSignal(dialog.saved):
        qtbot.keyClick(dialog.keep_runs, Qt.Key.Key_Return)
    policy = keep_default(gui.store)
    assert (policy.days, policy.runs) == (30, 5)


def test_a_history_value_is_judged_as_it_is_typed_under_its_box(gui: Gui, qtbot: Any) -> None:
    """-30 days was said only once Save was pressed, at the foot of the dialog below the Start
    group, and stayed said once put right (a second run-through): now it is said under the
    history boxes as it is typed, Save waits, and putting it right clears it."""
    from app.gui.qt import QDialogButtonBox, QGroupBox

    dialog = _open_settings(gui)
    save_button = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    history = dialog.keep_days.parentWidget()
    days, runs = dialog.under[dialog.keep_days], dialog.under[dialog.keep_runs]
    assert isinstance(history, QGroupBox) and days.parentWidget() is history
    dialog.keep_days.setFocus()
    dialog.keep_days.selectAll()
    qtbot.keyClicks(dialog.keep_days, "-30")
    gui.wait_until(lambda: days.isVisible() and days.text() == "⚠ must be between 0 and 36500")
    assert not save_button.isEnabled()
    # under its own box (a run-through: it showed under the runs' box), the runs' too at once
    assert dialog.keep_days.geometry().bottom() < days.geometry().top() \
        < dialog.keep_runs.geometry().top()
    dialog.keep_runs.setFocus()
    dialog.keep_runs.selectAll()
    qtbot.keyClicks(dialog.keep_runs, "-5")
    gui.wait_until(lambda: runs.isVisible() and runs.text() == "⚠ must be between 1 and 1000000")
    assert days.isVisible() and dialog.keep_runs.geometry().bottom() < runs.geometry().top()
    assert dialog.grab().save(str(SCREENSHOTS / "settings-both-wrong.png"))
    for spin, right in ((dialog.keep_days, "30"), (dialog.keep_runs, "100")):
        spin.setFocus()
        spin.selectAll()
        qtbot.keyClicks(spin, right)
    gui.wait_until(lambda: not days.isVisible() and not runs.isVisible())
    assert save_button.isEnabled() and days.text() == runs.text() == ""
    assert dialog.grab().save(str(SCREENSHOTS / "settings-typed-right.png"))
    with qtbot.waitSignal(dialog.saved):
        qtbot.mouseClick(save_button, Qt.MouseButton.LeftButton)
    assert keep_default(gui.store).days == 30
