"""Keyboard only, each Alt+letter in the window and in Settings names one thing: Qt sends
a letter two controls share to each in turn, focusing without pressing, so neither works
at the first press. In Runs, Alt+T was both the Task menu and the details' "Edit task"; in
Settings, Alt+L both "Keep every run of the last" and "Start Tickwork when I log in"."""

from __future__ import annotations

import re
from typing import Any

import pytest

from app.core.task import FINISHED_STATUSES
from app.gui.main_window import RUNS, VIEWS
from app.gui.qt import (
    QAbstractButton,
    QApplication,
    QGroupBox,
    QLabel,
    QMenuBar,
    Qt,
    QWidget,
)
from tests.gui.conftest import Gui, closed, command_task, open_settings

CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier


def _letters(root: QWidget) -> dict[str, list[str]]:
    """Each Alt letter shown in `root` now, with the controls that have it."""
    found: dict[str, list[str]] = {}

    def add(text: str) -> None:
        match = re.search(r"&([^&])", text.replace("&&", ""))
        if match:
            found.setdefault(match.group(1).lower(), []).append(text)

    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisibleTo(root):
            continue
        if isinstance(widget, QAbstractButton) or (isinstance(widget, QLabel)
                                                   and widget.buddy() is not None):
            add(widget.text())
        elif isinstance(widget, QGroupBox) and widget.isCheckable():
            add(widget.title())
        elif isinstance(widget, QMenuBar):
            for action in widget.actions():
                add(action.text())
    return found


def _shared(root: QWidget) -> dict[str, list[str]]:
    return {letter: texts for letter, texts in _letters(root).items() if len(texts) > 1}


def _press(qtbot: Any, key: Any, modifier: Any = Qt.KeyboardModifier.NoModifier) -> None:
    focused = QApplication.focusWidget()
    assert focused is not None, "no widget has the keyboard"
    qtbot.keyClick(focused, key, modifier)


def test_every_alt_letter_of_every_view_is_its_own(gui: Gui, qtbot: Any) -> None:
    run = gui.service.run_now(gui.service.create_task(command_task("nightly")).name)
    gui.wait_until(lambda: gui.service.get_run(run.id).status in FINISHED_STATUSES, 30)
    gui.window.activateWindow()
    gui.wait_until(lambda: QApplication.activeWindow() is gui.window)
    shared = {}
    for i, name in enumerate(VIEWS):
        _press(qtbot, Qt.Key(Qt.Key.Key_1 + i), CTRL)
        gui.settle()
        if i == RUNS:  # its details' buttons show for the run selected
            table = gui.window.runs_view.table
            gui.wait_until(lambda t=table: t.model().rowCount() == 1)
            table.setFocus()
            _press(qtbot, Qt.Key.Key_Home)
            detail = gui.window.runs_view.detail
            gui.wait_until(lambda d=detail: d.open_button.isEnabled())
        found = _shared(gui.window)
        if found:
            shared[name] = found
    assert not shared


def test_alt_k_in_runs_edits_the_runs_task(gui: Gui, qtbot: Any) -> None:
    run = gui.service.run_now(gui.service.create_task(command_task("nightly")).name)
    gui.wait_until(lambda: gui.service.get_run(run.id).status in FINISHED_STATUSES, 30)
    gui.window.activateWindow()
    gui.wait_until(lambda: QApplication.activeWindow() is gui.window)
    _press(qtbot, Qt.Key.Key_4, CTRL)
    table = gui.window.runs_view.table
    gui.wait_until(lambda: table.model().rowCount() == 1)
    table.setFocus()
    _press(qtbot, Qt.Key.Key_Home)
    gui.wait_until(gui.window.runs_view.detail.open_button.isEnabled)
    _press(qtbot, Qt.Key.Key_K, ALT)
    ops = gui.window.task_ops
    gui.wait_until(lambda: ops.editor is not None and ops.editor.isVisible())
    assert ops.editor is not None and ops.editor.windowTitle() == "Edit task — nightly"
    ops.editor.discard()


@pytest.mark.usefixtures("no_user_bus")
def test_every_alt_letter_of_the_settings_is_its_own(gui: Gui, qtbot: Any) -> None:
    dialog = open_settings(gui)
    assert not _shared(dialog)
    gui.wait_until(lambda: QApplication.activeWindow() is dialog)
    _press(qtbot, Qt.Key.Key_L, ALT)  # Keep every run of the last: typed there
    gui.wait_until(lambda: QApplication.focusWidget() is dialog.keep_days)
    _press(qtbot, Qt.Key.Key_W, ALT)  # Start Tickwork when I log in
    gui.wait_until(lambda: QApplication.focusWidget() is dialog.start_at_login)
    gui.wait_until(lambda: dialog.start_at_login.isChecked()  # (its click comes a moment
                   and dialog.outcome.text() not in ("", "…"))  # after the letter), done
    assert QApplication.focusWidget() is dialog.start_at_login
    _press(qtbot, Qt.Key.Key_Escape)
    gui.wait_until(lambda: closed(dialog))
