"""The "Quit Tickwork?" question is laid out tightly: its buttons follow its words after one
line's gap or so. It kept room for the longest words it might come to say — a dozen runs
going, some with retries — so with no run going a person saw a blank as tall as a paragraph
above its buttons. It keeps room now for what it says as it opened (the next task due at its
longest); a run that starts while it is open grows it upwards, its buttons where they were
(tests/gui/test_quit_question_steady.py, tests/gui/test_quit.py)."""

from __future__ import annotations

import pytest

from app.gui.qt import QApplication, QLabel, QMessageBox, QPoint
from tests.gui.conftest import Gui, command_task
from tests.gui.test_quit import _ctrl_q, watch_question


def _last_inked_row(label: QLabel) -> int:
    image = label.grab().toImage()
    ground = image.pixelColor(0, 0)
    rows = [y for y in range(image.height())
            if any(image.pixelColor(x, y) != ground for x in range(image.width()))]
    return rows[-1] if rows else -1


def _gap_above_buttons() -> tuple[int, int]:
    """The blank between the open question's last line of words and its buttons' top, and
    a line's height."""
    box = QApplication.activeModalWidget()
    assert isinstance(box, QMessageBox)
    details = box.findChild(QLabel, "qt_msgbox_informativelabel")
    assert details is not None
    words_end = details.mapTo(box, QPoint(0, _last_inked_row(details))).y()
    buttons_top = min(b.mapTo(box, QPoint(0, 0)).y() for b in box.buttons())
    return buttons_top - words_end, details.fontMetrics().height()


@pytest.mark.usefixtures("real_quit_question")
def test_the_question_has_no_blank_above_its_buttons(gui: Gui) -> None:
    gui.service.create_task(command_task("Backup",
                                         schedule={"kind": "interval", "seconds": 3600}))
    gaps: list[tuple[int, int]] = []
    watch = watch_question(gui.qtbot, [("If you quit and stop scheduling", "quit-question-tight",
                                        lambda: gaps.append(_gap_above_buttons()))], "Cancel")
    _ctrl_q(gui)
    gui.wait_until(lambda: watch.done, 30)
    [(gap, line)] = gaps
    assert gap <= 2 * line, (gap, line)  # (it was a paragraph's blank: 5 lines and more)
