"""The main window's menus and toolbar: the same actions in both, with their shortcuts.

File (New, Import, Export, Back up now, Restore…, Close window, Quit), Task (Edit,
Duplicate, Run now, Pause/Resume, Delete, Show runs), View (the six views on Ctrl+1 … Ctrl+6, Find,
Notifications, Appearance), Engine (Pause all, Resume all), Help (About).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from app import __version__
from app.gui.qt import QAction, QActionGroup, QMessageBox, Qt, QToolBar
from app.gui.settings import appearance
from app.gui.widgets import icons

if TYPE_CHECKING:
    from app.gui.main_window import MainWindow


@dataclass
class Menus:
    views: QActionGroup
    schemes: QActionGroup
    toolbar: QToolBar
    quit: QAction


def build_menus(window: MainWindow) -> Menus:
    from app.gui.main_window import VIEWS

    a = window.task_ops
    bar = window.menuBar()
    file = bar.addMenu("&File")
    file.addAction(a.new)
    file.addSeparator()
    file.addActions([a.import_, a.export])
    file.addSeparator()
    file.addActions([window.store_ops.back_up, window.store_ops.restore])
    file.addSeparator()
    close = file.addAction("&Close window")
    close.setShortcut("Ctrl+W")
    close.triggered.connect(window.close)
    quit_action = file.addAction(icons.action_icon("quit"), "&Quit")
    quit_action.setShortcut("Ctrl+Q")
    quit_action.triggered.connect(window.quit)
    task = bar.addMenu("&Task")
    task.addActions(a.task_actions())
    view = bar.addMenu("&View")
    views = QActionGroup(window)
    for i, name in enumerate(VIEWS):
        action = QAction(icons.action_icon(name.lower()), f"&{name}", window)
        action.setShortcut(f"Ctrl+{i + 1}")
        action.setCheckable(True)
        action.triggered.connect(lambda _c=False, i=i: window.show_view(i))
        views.addAction(action)
        view.addAction(action)
    view.addSeparator()
    find = view.addAction("&Find task…")
    find.setShortcut("Ctrl+F")
    find.triggered.connect(window.find_task)
    toggle = window.dock.toggleViewAction()
    toggle.setText("&Notifications")
    view.addAction(toggle)
    scheme_menu = view.addMenu("&Appearance")
    schemes = QActionGroup(window)
    for key in appearance.SCHEMES:
        action = scheme_menu.addAction(key.capitalize() if key != "system"
                                       else "Follow the system")
        action.setCheckable(True)
        action.setData(key)
        action.triggered.connect(lambda _c=False, k=key: window.set_scheme(k))
        schemes.addAction(action)
    engine = bar.addMenu("&Engine")
    engine.addActions([a.pause_all, a.resume_all])
    help_menu = bar.addMenu("&Help")
    about = help_menu.addAction("&About Tickwork")
    about.triggered.connect(lambda: QMessageBox.about(
        window, "About Tickwork",
        f"Tickwork {__version__} — a desktop task scheduler you can trust: on time, honest "
        f"about what happened, never losing a task.\n\nData: {window.session.store.home}"))
    tools = QToolBar("Task actions")
    tools.setObjectName("TaskToolbar")
    tools.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    tools.setMovable(False)
    tools.addActions([a.new, a.edit, a.run_now, a.pause, a.delete])
    window.addToolBar(tools)
    return Menus(views, schemes, tools, quit_action)
