"""Down from the Audit view's filter puts the keyboard in the list with an event selected,
as Down from the Tasks search does: it took three Tabs, and the list had nothing selected.
Typed within the filter's pause, what was typed is read first: the event selected is one
the filter lets through."""

from __future__ import annotations

from typing import Any

from app.gui.audit.reads import AuditItem
from app.gui.qt import Qt
from app.gui.widgets.paging import ITEM_ROLE
from tests.gui.conftest import Gui, command_task


def _selected(view: Any) -> AuditItem | None:
    rows = view.table.selectionModel().selectedRows()
    if not rows:
        return None
    item = view.model.data(rows[0], ITEM_ROLE)
    return item if isinstance(item, AuditItem) else None


def _in_the_filter(gui: Gui, qtbot: Any) -> Any:
    """Ctrl+6 (Audit), the trail read, the keyboard in its filter: the view."""
    qtbot.keyClick(gui.window, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)
    view = gui.window.audit_view
    gui.wait_until(lambda: view.model.ever_loaded and view.table.hasFocus())
    view.search.setFocus()
    gui.wait_until(view.search.hasFocus)
    return view


def test_down_from_the_filter_selects_an_event_it_lets_through(gui: Gui, qtbot: Any) -> None:
    gui.service.create_task(command_task("Burn"))
    gui.service.create_task(command_task("Zephyr"))
    view = _in_the_filter(gui, qtbot)
    qtbot.keyClicks(view.search, "Burn")
    qtbot.keyClick(view.search, Qt.Key.Key_Down)  # at once: within the filter's pause
    gui.wait_until(lambda: view.table.hasFocus() and _selected(view) is not None)
    item = _selected(view)
    assert item is not None and "Burn" in (item.target or ""), item
    assert "Target: Burn" in view.detail.toPlainText()  # its data shows below
    qtbot.keyClick(view.table, Qt.Key.Key_Down)  # and the arrows go on from there
    assert view.table.hasFocus()


def test_down_from_an_empty_filter_selects_the_newest_event(gui: Gui, qtbot: Any) -> None:
    gui.service.create_task(command_task("Burn"))
    view = _in_the_filter(gui, qtbot)
    qtbot.keyClick(view.search, Qt.Key.Key_Down)
    gui.wait_until(lambda: view.table.hasFocus() and _selected(view) is not None)
    assert view.table.selectionModel().selectedRows()[0].row() == 0
