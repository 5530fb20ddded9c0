"""The Audit view's filter looks in each event's action and target, not in the sentence shown
under “What happened”: typing words from a sentence (“by hand”) emptied the table and said
nothing. A filter that matches no event now says so and what it looks in; one that matches
hides the note again."""

from __future__ import annotations

from typing import Any

from app.gui.qt import QLabel, Qt
from tests.gui.conftest import SCREENSHOTS, Gui, command_task


def test_a_filter_matching_nothing_says_what_it_looks_in(gui: Gui, qtbot: Any) -> None:
    gui.service.create_task(command_task("Burn"))
    qtbot.keyClick(gui.window, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)
    view = gui.window.audit_view
    gui.wait_until(lambda: view.model.ever_loaded and view.model.total > 0)
    qtbot.mouseClick(view.search, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(view.search, "by hand")
    gui.wait_until(lambda: view.model.query().search == "by hand")
    gui.quiet()
    assert view.model.total == 0
    empty = view.findChild(QLabel, "AuditEmpty")
    assert empty is not None and empty.isVisible(), "an empty table and not a word"
    assert empty.text().startswith("No event has “by hand” in its action or target."), \
        empty.text()
    assert "task.run_now" in empty.text()
    assert gui.window.grab().save(str(SCREENSHOTS / "audit-filter-empty.png"))

    view.search.selectAll()
    qtbot.keyClicks(view.search, "Burn")
    gui.wait_until(lambda: view.model.total > 0)
    gui.quiet()
    assert not empty.isVisible()

    view.search.selectAll()
    qtbot.keyClick(view.search, Qt.Key.Key_Backspace)
    qtbot.keyClicks(view.search, "Burn")
    view.actor.setFocus()
    qtbot.keyClick(view.actor, Qt.Key.Key_End)  # the engine: it made no change to Burn
    gui.wait_until(lambda: empty.isVisible())
    assert empty.text().startswith("No event by the engine has “Burn”"), empty.text()
