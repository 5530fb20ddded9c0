"""The main window: navigation, shortcuts, empty state, status bar, no-tray behaviour."""

from __future__ import annotations

from typing import Any

import pytest

from app.gui.main_window import AUDIT, RUNS, TASKS, VIEWS
from app.gui.qt import QKeySequence, Qt
from tests.gui.conftest import Gui, command_task


def test_empty_store_shows_create_your_first_task(gui: Gui, qtbot: Any) -> None:
    view = gui.window.tasks_view
    assert view.stack.currentWidget() is view.empty
    assert view.empty.button.text() == "Create your first task"
    qtbot.mouseClick(view.empty.button, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: gui.window.task_ops.editor is not None
                   and gui.window.task_ops.editor.isVisible())
    gui.window.task_ops.editor.discard()


def test_ctrl_1_to_6_switch_views_in_order(gui: Gui, qtbot: Any) -> None:
    window = gui.window
    window.activateWindow()
    for i, name in enumerate(VIEWS):
        action = window.view_actions.actions()[i]
        assert action.shortcut() == QKeySequence(f"Ctrl+{i + 1}")
        action.trigger()
        assert window.current_view() == i
        assert window.nav.currentItem().text() == name
    gui.settle()
    assert window.audit_model.ever_loaded and window.runs_model.ever_loaded
    window.show_view(TASKS)


def test_toolbar_and_menus_carry_the_task_actions(gui: Gui) -> None:
    ops = gui.window.task_ops
    shortcuts = {a.text().replace("&", ""): a.shortcut().toString()
                 for a in (ops.new, ops.edit, ops.run_now, ops.pause, ops.delete)}
    assert shortcuts == {"New task…": "Ctrl+N", "Edit…": "Return", "Run now": "F5",
                         "Pause": "Ctrl+P", "Delete…": "Del"}
    assert ops.new in gui.window.toolbar.actions()
    menus = [a.text().replace("&", "") for a in gui.window.menuBar().actions()]
    assert menus == ["File", "Task", "View", "Engine", "Help"]
    task_menu = gui.window.menuBar().actions()[1].menu()  # New task there too, not only
    assert task_menu.actions()[0] is ops.new  # under File (a run-through under X)


def test_status_bar_says_engine_running_and_counts(gui: Gui) -> None:
    gui.service.create_task(command_task("soon", schedule={"kind": "interval",
                                                           "seconds": 3600}))
    status = gui.window.status
    gui.wait_until(lambda: "Engine running" in status.engine.text())
    status.refresh()
    gui.wait_until(lambda: status.next_fire.text().startswith("Next: today")
                   or status.next_fire.text().startswith("Next: tomorrow"))
    assert status.failures.text() == "No failures today"
    assert status.running.text() == "Idle"


def test_without_a_tray_it_says_so_once_and_keeps_a_list(gui: Gui) -> None:
    window = gui.window
    assert not window.tray.available
    infos = [e for e in window.notifications.entries() if e.note.title == "No system tray"]
    assert len(infos) == 1
    from app.engine.events import Notification

    gui.session.bridge.on_engine_event(Notification("failure", "backup failed", "exit 1",
                                                    run_id=None, task_id=None))
    gui.wait_until(lambda: window.notifications.unread == 1)
    assert window.status.bell.text().strip() == "1"
    window.status.bell.click()
    assert window.dock.isVisible() and window.notifications.unread == 0


def test_geometry_and_view_are_kept(gui_factory: Any) -> None:
    first = gui_factory(engine=False)
    first.window.resize(800, 530)  # (the offscreen screen is 800×600)
    first.wait_until(lambda: first.window.height() == 530)
    first.window.show_view(RUNS)
    first.window.save_settings()
    second = gui_factory(engine=False)
    assert second.window.current_view() == RUNS
    assert second.window.size().height() == 530
    first.window.resize(640, 440)  # no smaller than README's 800×500: below it, things clip
    assert (first.window.width(), first.window.height()) == (800, 500)
    second.window.show_view(AUDIT)


@pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise",
                           "does not support grabbing the keyboard")  # offscreen menus
def test_about_shows_the_version(gui: Gui) -> None:
    """Alt+H, A opens About, which names the installed version."""
    from importlib.metadata import version

    from app.gui.qt import QApplication
    from tests.gui.conftest import answer_question

    window = gui.window
    window.activateWindow()
    gui.wait_until(lambda: QApplication.activeWindow() is window)
    answer = answer_question(gui.qtbot, "OK")
    gui.qtbot.keyClick(window, Qt.Key.Key_H, Qt.KeyboardModifier.AltModifier)
    gui.wait_until(lambda: QApplication.activePopupWidget() is not None)
    gui.qtbot.keyClick(QApplication.activePopupWidget(), Qt.Key.Key_A)
    gui.wait_until(lambda: answer.done)
    assert answer.title == "About Tickwork"
    assert answer.text.startswith(f"Tickwork {version('tickwork')} — ")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_view_with_the_keys_wears_the_editors_focus_ring(gui: Gui, qtbot: Any,
                                                             scheme: str) -> None:
    """Ctrl+1 … put the keys in a view's table, grid or field: a 2-pixel ring in the
    highlight colour shows where, as in the editor; the navigation list, not focused, has
    none until Tab… brings the keys to it."""
    from app.gui.qt import QApplication
    from app.gui.settings import appearance
    from app.gui.widgets import display
    from tests.gui.conftest import SCREENSHOTS
    from tests.gui.test_editor_keyboard import _ring_pixels

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    appearance.apply(app, scheme)
    display.clear_icon_cache()
    try:
        window = gui.window
        gui.service.create_task(command_task("Backup"))
        window.resize(1000, 650)
        window.activateWindow()
        highlight = app.palette().color(app.palette().ColorRole.Highlight)  # the scheme's

        def ringed(widget: Any) -> bool:
            return all(p.rgb() == highlight.rgb() for p in _ring_pixels(window, widget))

        for key, widget in ((Qt.Key.Key_1, window.tasks_view.table),
                            (Qt.Key.Key_4, window.runs_view.table),
                            (Qt.Key.Key_2, window.calendar_view.month),
                            (Qt.Key.Key_6, window.audit_view.table)):
            qtbot.keyClick(window, key, Qt.KeyboardModifier.ControlModifier)
            gui.wait_until(lambda w=widget: window.focusWidget() is w)
            gui.wait_until(lambda w=widget: ringed(w))
            assert not ringed(window.nav)
        window.nav.setFocus(Qt.FocusReason.TabFocusReason)  # as Shift+Tab from the view
        gui.wait_until(lambda: ringed(window.nav))
        assert not ringed(window.audit_view.table)
        assert window.grab().save(str(SCREENSHOTS / f"main-window-focus-{scheme}.png"))
    finally:
        appearance.apply(app, "system")
        display.clear_icon_cache()
