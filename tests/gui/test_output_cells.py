"""A run's output in the Runs view drawn over by cells, as a terminal draws it: a progress
line of CJK text (two cells a character) rewritten with "\\r", a table aligned with tabs (to
the next multiple of 8) whose column is rewritten after "\\r", an erase (ESC[K) after an
emoji; the colon form of a truecolour (`ESC[38:2::255:0:0m`), reverse video and strike-through.
They went by characters: the overwrite left the old state's end, the tab's rewrite was
written over the row's start, the erase cut one UTF-16 unit short of an emoji's line and a
copy after an emoji began a character late; the colon form was shown escaped, reverse and
strike were dropped. The same lines as `run show --log` on a terminal
(tests/gui/test_output_as_a_terminal.py, random chunks)."""

from __future__ import annotations

from app.core.task import FINISHED_STATUSES
from app.core.term_colours import contrast
from app.gui.qt import QApplication, QFontMetricsF, Qt, QTextCharFormat, QTextCursor
from app.gui.runs.output import RunLog
from app.gui.widgets import display
from tests.gui.conftest import SCREENSHOTS, Gui, command_task
from tests.gui.test_dark_switch import choose_scheme
from tests.gui.test_output_as_a_terminal import rgb

SCRIPT = (
    r"printf '读取中... 50%%'; sleep 0.3; printf '\r读取中... 完成\n'; "
    r"printf 'file\tdone\n'; printf 'fetch a.tar\t 10%%'; sleep 0.3; "
    r"printf '\rfetch a.tar\t 55%%'; sleep 0.3; printf '\r\t\t100%%\n'; "
    r"printf '🚀 step 1 of 9\r🚀 step 9'; sleep 0.3; printf '\033[K\n'; "
    r"printf '\033[38:2::255:0:0mtruecolour\033[0m \033[7mreversed\033[27m "
    r"\033[7;33mwarn-rev\033[0m \033[9mstruck\033[29m\n'; "
    r"printf '\033[7mstderr-rev\033[0m\n' >&2")
SHOWN = ["读取中... 完成", "file\tdone", "fetch a.tar\t100%", "🚀 step 9",
         "truecolour reversed warn-rev struck", "stderr: stderr-rev"]


def shown_run(gui: Gui, script: str) -> RunLog:
    """The output pane of a run of `script`, finished, shown in the Runs view (Ctrl+4)."""
    s = gui.service
    s.create_task(command_task("cells", ["sh", "-c", script]))
    window = gui.window
    window.resize(1000, 800)
    window.activateWindow()
    run = s.run_now("cells")
    gui.qtbot.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    view = window.runs_view
    gui.wait_until(lambda: view.model.row_of(run.id) >= 0)
    view.select_run(run.id)
    gui.wait_until(lambda: s.get_run(run.id).status in FINISHED_STATUSES, 30)
    log = view.detail.log
    gui.wait_until(lambda: "stderr: stderr-rev" in log.toPlainText())
    gui.quiet()
    return log


def position(log: RunLog, word: str) -> int:
    """Where `word` starts in the output, in the document's positions (UTF-16 units)."""
    text = log.toPlainText()
    return len(text[:text.index(word)].encode("utf-16-le")) // 2


def format_at(log: RunLog, word: str) -> QTextCharFormat:
    """The char format of `word`'s first character in the output."""
    cursor = QTextCursor(log.document())
    cursor.setPosition(position(log, word) + 1)
    return cursor.charFormat()


def reads_on_its_ground(log: RunLog, word: str) -> float:
    """The contrast of `word`'s colour on its own background."""
    fmt = format_at(log, word)
    return contrast(rgb(fmt.foreground().color()), rgb(fmt.background().color()))


def test_cells_colon_colours_reverse_and_strike(gui: Gui, restore_palette: None) -> None:
    choose_scheme(gui, "light")
    log = shown_run(gui, SCRIPT)
    assert log.toPlainText().splitlines() == SHOWN

    # a tab reaches the next multiple of 8 characters, as on a terminal
    space = QFontMetricsF(log.font()).horizontalAdvance(" ")

    def x_of(word: str) -> float:
        cursor = QTextCursor(log.document())
        cursor.setPosition(position(log, word))
        return float(log.cursorRect(cursor).x())

    assert abs(x_of("100%") - x_of("fetch a.tar") - 16 * space) < 1

    red = format_at(log, "truecolour").foreground().color()
    assert red.red() > 2 * max(red.green(), red.blue()), red.name()
    assert format_at(log, "struck").fontStrikeOut()
    assert not format_at(log, "reversed").fontStrikeOut()
    base = log.palette().color(log.palette().ColorRole.Base)
    for word in ("reversed", "warn-rev", "stderr-rev"):  # drawn on their own ground
        assert rgb(format_at(log, word).background().color()) != rgb(base), word
        assert reads_on_its_ground(log, word) >= 4.5, word
    light = format_at(log, "reversed").background().color().lightness()
    assert light < 100  # the text's dark colour behind light text
    assert window_grab(gui, "output-cells-light.png")

    choose_scheme(gui, "dark")
    gui.qtbot.wait(100)
    assert display.dark_mode()
    for word in ("reversed", "warn-rev", "stderr-rev"):
        assert reads_on_its_ground(log, word) >= 4.5, word
    assert format_at(log, "reversed").background().color().lightness() > 150
    assert format_at(log, "struck").fontStrikeOut()
    assert log.toPlainText().splitlines() == SHOWN
    assert window_grab(gui, "output-cells-dark.png")

    log.setFocus()  # Copy: the text shown, an emoji's line whole
    gui.qtbot.keyClick(log, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    gui.qtbot.keyClick(log, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.clipboard().text() == "\n".join([*SHOWN[:-1], "stderr-rev"]) + "\n"
    cursor = QTextCursor(log.document())  # a selection after an emoji: "step 9", not "tep 9"
    cursor.setPosition(position(log, "step 9"))
    cursor.setPosition(position(log, "step 9") + 6, QTextCursor.MoveMode.KeepAnchor)
    log.setTextCursor(cursor)
    gui.qtbot.keyClick(log, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.clipboard().text() == "step 9"


def window_grab(gui: Gui, name: str) -> bool:
    gui.window.runs_view.detail.log.verticalScrollBar().setValue(0)
    return gui.window.grab().save(str(SCREENSHOTS / name))
