"""Every window the main window opens fits the screen it opens on. Help › User guide was
980×680 and File › Import a crontab… 900 wide whatever the screen: on a 1920×1080 laptop
at 150 % (1280×720 for Qt) less its panel and the window's title bar, the guide's Close
button was below the screen's edge; on an 800-wide screen (here, offscreen) both ran off
its right side. They open at their usual size where it fits, at the screen's size where
not."""

from __future__ import annotations

from typing import Any

from app.gui.editor.dialog import TaskEditor
from app.gui.qt import QDialog, Qt, QWidget
from app.gui.tasks.import_preview import ImportPreview
from app.gui.window.help_windows import GuideDialog, ShortcutsDialog
from tests.gui.conftest import Gui, closed, open_settings
from tests.gui.editing import new_editor


def _fits(window: QWidget) -> None:
    """Its frame no larger than the screen's free area (where it goes is the window
    manager's to decide)."""
    area = window.screen().availableGeometry()
    frame = window.frameGeometry()
    assert frame.width() <= area.width() and frame.height() <= area.height(), \
        (type(window).__name__, frame, area)


def _close(gui: Gui, dialog: QDialog) -> None:
    dialog.reject()
    gui.wait_until(lambda: closed(dialog))


def test_the_windows_dialogs_fit_the_screen(gui: Gui, qtbot: Any) -> None:
    window = gui.window
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_F1)  # Help › User guide
    guide = window.findChild(GuideDialog)
    assert guide is not None
    qtbot.waitUntil(guide.isVisible)
    _fits(guide)
    _close(gui, guide)

    (keys,) = [a for a in window.menuBar().actions()[-1].menu().actions()
               if a.text() == "&Keyboard shortcuts"]
    keys.trigger()
    shortcuts = window.findChild(ShortcutsDialog)
    assert shortcuts is not None
    qtbot.waitUntil(shortcuts.isVisible)
    _fits(shortcuts)
    _close(gui, shortcuts)

    window.task_ops.import_crontab.trigger()  # File › Import a crontab…
    preview = window.task_ops.import_preview
    assert isinstance(preview, ImportPreview)
    gui.wait_until(preview.isVisible)
    _fits(preview)
    _close(gui, preview)

    editor: TaskEditor = new_editor(gui)  # File › New task
    _fits(editor)
    _close(gui, editor)

    settings = open_settings(gui, by_key=False)  # File › Settings…
    _fits(settings)
    _close(gui, settings)
