"""A run's output as a screen reader reads it: stderr and Tickwork's own lines were told from
stdout by colour only, so a reader (and a person who cannot tell red from black) heard one
stream. Each of their lines now starts with a mark in words, “stderr: ” or “tickwork: ”;
Copy (Ctrl+A, Ctrl+C in the output, as a person copies it) gives the output as printed,
without the marks, and a stream that starts in the middle of another's line (a prompt, then
an error) is a line of its own in the window, but not in the copy."""

from __future__ import annotations

from app.core.task import FINISHED_STATUSES
from app.gui.qt import QAccessible, QApplication, Qt
from tests.gui.conftest import Gui, command_task

SCRIPT = ("printf 'said out\\nprompt: '; sleep 0.3; echo 'said err' >&2; sleep 0.3; "
          "echo after; echo 'stderr: its own words' >&2")


def test_stderr_is_marked_in_words_and_copied_as_printed(gui: Gui) -> None:
    s = gui.service
    s.create_task(command_task("talks", ["sh", "-c", SCRIPT]))
    run = s.run_now("talks")
    gui.wait_until(lambda: s.get_run(run.id).status in FINISHED_STATUSES, 30)
    window = gui.window
    window.activateWindow()
    gui.qtbot.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    view = window.runs_view
    gui.wait_until(lambda: view.model.row_of(run.id) >= 0)
    view.select_run(run.id)
    log = view.detail.log
    gui.wait_until(lambda: "its own words" in log.toPlainText())

    face = QAccessible.queryAccessibleInterface(log)
    text = face.textInterface()
    read = text.text(0, text.characterCount()).replace("\u2029", "\n").splitlines()
    assert read[:4] == ["said out", "prompt: ", "stderr: said err", "after"], read
    assert read[4] == "stderr: stderr: its own words"  # its own words kept whole
    assert "“stderr:”" in face.text(QAccessible.Text.Description)

    log.setFocus()
    gui.qtbot.keyClick(log, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    gui.qtbot.keyClick(log, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    printed = "said out\nprompt: said err\nafter\nstderr: its own words\n"
    assert QApplication.clipboard().text() == printed
    assert view.detail.output_text() == printed
