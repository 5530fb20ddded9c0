"""Each label's Alt+letter on the Schedule page puts the cursor in its own field, whatever
the schedule kind shows: what is typed next lands there, never in the field before."""

from __future__ import annotations

import re
from typing import Any

from app.gui.qt import QApplication, QLabel, Qt
from tests.gui.conftest import SCREENSHOTS, Gui
from tests.gui.editing import choose, choose_schedule, click, go, new_editor

KEYS = {letter: getattr(Qt.Key, f"Key_{letter.upper()}") for letter in "abcdefghijklmnopqrstuvwxyz"}


def _focused_within(widget: Any) -> bool:
    focused = QApplication.focusWidget()
    return focused is not None and (focused is widget or widget.isAncestorOf(focused))


def test_alt_n_reaches_the_date_to_leave_out_not_every(gui: Gui, qtbot: Any) -> None:
    editor = new_editor(gui)
    qtbot.keyClicks(editor.general.name, "not on a holiday")
    choose_schedule(editor, qtbot, "interval")
    every = editor.schedule.every.number
    click(qtbot, every)
    before = every.value()
    exclusions = editor.schedule.exclusions
    assert not exclusions.view.isVisible()  # none yet: the list is hidden
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    gui.wait_until(lambda: _focused_within(exclusions.date))
    date = exclusions.date
    date.setSelectedSection(date.Section.YearSection)  # as a click on the year does
    qtbot.keyClicks(QApplication.focusWidget(), "2031")
    assert every.value() == before  # nothing typed went into Every
    assert date.date().year() == 2031
    click(qtbot, exclusions.add_button)
    assert exclusions.entries() and exclusions.entries()[0].startswith("2031-")
    assert editor.grab().save(str(SCREENSHOTS / "editor-alt-n-not-on.png"))

    checked: set[str] = set()
    for kind in ("interval", "cron", "date", "calendar", "after"):  # each letter, each kind
        choose(qtbot, editor.schedule.kind, kind)
        gui.settle()
        for label in editor.schedule.findChildren(QLabel):
            match = re.search(r"&([a-z])", label.text(), re.IGNORECASE)
            if not match or not label.isVisibleTo(editor) or label.buddy() is None:
                continue
            go(editor, qtbot, "Schedule")  # the cursor in the page list, away from fields
            key = KEYS[match.group(1).lower()]
            qtbot.keyClick(QApplication.focusWidget(), key, Qt.KeyboardModifier.AltModifier)
            buddy = label.buddy()
            target = buddy.focusProxy() or buddy
            assert _focused_within(target), (kind, label.text(), QApplication.focusWidget())
            checked.add(label.text())
    assert {"&Runs", "&Every", "&Cron", "&At", "&After", "&Not on", "Time &zone"} <= checked
    editor.discard()
