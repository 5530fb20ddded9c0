"""A run's output as a person reads it in the Runs view: what a program coloured (a test
report's green PASSED and red FAILED, `--color=always`) is in colour, readable on the light
and the dark palette alike (yellow on white is moved until it reads); a progress line
rewritten with "\\r" is one line, its last state, live as it goes (ESC[K, which grep writes
after each colour, erases the line's rest as a terminal does); any other escape (a window
title, a screen clear) is shown, never obeyed. It showed each ESC as a box and
`[31m` after it, and every "\\r" began a line of its own. Copy gives the text shown."""

from __future__ import annotations

import random
import re
from typing import Any

from app.cli.run_log import terminal_text
from app.core.task import FINISHED_STATUSES
from app.core.term_colours import contrast
from app.gui.qt import QApplication, QColor, QFont, QPalette, Qt, QTextCharFormat, QTextCursor
from app.gui.runs.output import RunLog
from app.gui.widgets import display
from tests.gui.conftest import SCREENSHOTS, Gui, command_task
from tests.gui.test_dark_switch import choose_scheme

SCRIPT = (
    r"printf '\033[1;32mPASSED\033[0m test_a\n\033[31mFAILED\033[0m test_b\n'; "
    r"printf 'get  10%%'; sleep 0.6; printf '\rget  55%%'; sleep 1.2; "
    r"printf '\r\033[Kget 1%%\n'; "
    r"echo 'a foo b' | grep --color=always foo; "
    r"printf '\033]0;owned\007\033[2Jdone \033[4;38;5;208munder\033[24;39m\n'; "
    r"printf '\033[33mwarn\033[0m\n' >&2")
SHOWN = ["PASSED test_a", "FAILED test_b", "get 1%", "a foo b",
         "\\x1b]0;owned\\x07\\x1b[2Jdone under", "stderr: warn"]


def format_at(log: RunLog, word: str) -> QTextCharFormat:
    """The char format of `word`'s first character in the output."""
    cursor = QTextCursor(log.document())
    cursor.setPosition(log.toPlainText().index(word) + 1)
    return cursor.charFormat()


def rgb(colour: QColor) -> tuple[int, int, int]:
    return colour.red(), colour.green(), colour.blue()


def reads(log: RunLog, word: str) -> float:
    """The contrast of `word`'s colour on the output's background."""
    fmt = format_at(log, word)
    base = log.palette().color(QPalette.ColorRole.Base)
    return contrast(rgb(fmt.foreground().color()), rgb(base))


def test_colours_and_progress_as_a_terminal_shows_them(gui: Gui,
                                                       restore_palette: None) -> None:
    s = gui.service
    s.create_task(command_task("report", ["sh", "-c", SCRIPT]))
    window = gui.window
    choose_scheme(gui, "light")
    window.resize(1000, 800)
    window.activateWindow()
    run = s.run_now("report")
    gui.qtbot.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    view = window.runs_view
    gui.wait_until(lambda: view.model.row_of(run.id) >= 0)
    view.select_run(run.id)
    log = view.detail.log

    # live: the progress line rewritten in place, one line
    gui.wait_until(lambda: "get  55%" in log.toPlainText(), 15)
    assert log.toPlainText().splitlines() == ["PASSED test_a", "FAILED test_b", "get  55%"]

    gui.wait_until(lambda: s.get_run(run.id).status in FINISHED_STATUSES, 30)
    gui.wait_until(lambda: "stderr: warn" in log.toPlainText())
    gui.quiet()
    assert log.toPlainText().splitlines() == SHOWN
    assert "\x1b" not in log.toPlainText() and "\r" not in log.toPlainText()

    passed, failed = format_at(log, "PASSED"), format_at(log, "FAILED")
    assert passed.fontWeight() == QFont.Weight.Bold and failed.fontWeight() != QFont.Weight.Bold
    g = passed.foreground().color()
    assert g.green() > 2 * max(g.red(), g.blue()), g.name()  # green, however shaded
    r = failed.foreground().color()
    assert r.red() > 2 * max(r.green(), r.blue()), r.name()
    assert format_at(log, "under").fontUnderline()
    f = format_at(log, "foo").foreground().color()  # grep's match: bold red
    assert f.red() > 2 * max(f.green(), f.blue()) and format_at(log, "foo").fontWeight() == 700
    assert not format_at(log, " test_a").fontUnderline()
    assert format_at(log, " test_a").fontWeight() != QFont.Weight.Bold
    for word in ("PASSED", "FAILED", "under", "warn"):  # yellow on white too
        assert reads(log, word) >= 4.5, word
    log.verticalScrollBar().setValue(0)  # every line in sight
    assert window.grab().save(str(SCREENSHOTS / "output-colours-light.png"))

    choose_scheme(gui, "dark")
    gui.qtbot.wait(100)
    assert display.dark_mode()
    for word in ("PASSED", "FAILED", "under", "warn"):  # blue-ish and red on the dark base
        assert reads(log, word) >= 4.5, word
    assert log.toPlainText().splitlines() == SHOWN
    assert window.grab().save(str(SCREENSHOTS / "output-colours-dark.png"))

    log.setFocus()  # Copy: the text shown, no marks, no escapes
    gui.qtbot.keyClick(log, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    gui.qtbot.keyClick(log, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.clipboard().text() == "\n".join(
        [*SHOWN[:-1], "warn"]) + "\n"
    stored = "".join(text for _seq, _stream, text in s.run_output(run.id))
    assert "\x1b[1;32mPASSED" in stored and "get  10%\rget  55%" in stored  # kept as printed


ATOMS = ["a", "bc", "defg", "\n", "\r", "\r\n", "\x1b[31m", "\x1b[0m", "\x1b[1;4m",
         "\x1b]0;t\x07", "\x1b", "[", "m", "\x07", "  ", "xyz\n", "\x1b[K", "\x1b[2K", "K",
         "日本", "🚀", "e\u0301", "\t", "\x1b[7;9m", "\x1b[38:2::1:2:3m", ":"]


def test_the_window_shows_the_text_a_terminal_is_sent(qapp: Any) -> None:
    """The window and `run show --log` on a terminal (app/cli/run_log.py) show the same
    lines, marks and all, whatever the chunks: 300 random runs of streams and pieces."""
    for trial in range(300):
        rnd = random.Random(trial)
        chunks = [(rnd.choice(["stdout", "stdout", "stderr", "tickwork"]),
                   "".join(rnd.choice(ATOMS) for _ in range(rnd.randint(1, 8))))
                  for _ in range(rnd.randint(1, 8))]
        log = RunLog()
        for stream, text in chunks:
            log.add(stream, text)
        log.end()
        assert log.toPlainText() == re.sub(r"\x1b\[[0-9;]*m", "", terminal_text(chunks)), chunks
