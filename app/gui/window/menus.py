"""The main window's menus and toolbar: the same actions in both, with their shortcuts.

File (New, Import, Export, Back up now, Restore…, Settings…, Close window, Quit), Task (Edit,
Duplicate, Run now, Pause/Resume, Delete, Show runs), View (the views on Ctrl+1 … Ctrl+6, the
calendar by month, week or day on Alt+M, Alt+W, Alt+D, Find, Notifications, Appearance),
Engine (Pause all, Resume all, Take over from the background engine), Help (User guide on F1,
Keyboard shortcuts, About: app/gui/window/help_windows.py).

The menu bar meets each Alt press once while a screen reader runs too (`held_alt.py`: Alt+W
had it take the keyboard from the week). The menus know the task and store actions they
show, not the window: what the window itself does (show a view, find, change the
appearance, close, quit) is asked for by signal.

Signals:
    view_requested(int): show the view at this index (its View menu entry or Ctrl+N).
    scheme_requested(str): use this appearance (a key of `appearance.SCHEMES`).
    find_requested(): Find task… (Ctrl+F).
    settings_requested(): Settings… (Ctrl+,).
    close_requested(): Close window (Ctrl+W).
    quit_requested(): Quit (Ctrl+Q).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from app import __version__
from app.gui.qt import (
    QAction,
    QActionGroup,
    QDockWidget,
    QKeySequence,
    QMainWindow,
    QMessageBox,
    QObject,
    Qt,
    QToolBar,
    Signal,
)
from app.gui.settings import appearance
from app.gui.tasks.actions import TaskActions
from app.gui.widgets import icons
from app.gui.window import help_windows
from app.gui.window.held_alt import HeldAlt
from app.gui.window.menu_focus import MenuFocus
from app.gui.window.store_actions import StoreActions


class Menus(QObject):
    view_requested = Signal(int)
    scheme_requested = Signal(str)
    find_requested = Signal()
    settings_requested = Signal()
    close_requested = Signal()
    quit_requested = Signal()

    def __init__(self, window: QMainWindow, views: Sequence[str], tasks: TaskActions,
                 store: StoreActions, dock: QDockWidget, home: Path,
                 calendar_modes: QActionGroup) -> None:
        super().__init__(window)
        bar = window.menuBar()
        self.held_alt = HeldAlt(window)  # each Alt heard once, a screen reader running or not
        self.menu_focus = MenuFocus(window)  # the keyboard back where it was after an entry
        file = bar.addMenu("&File")
        file.addAction(tasks.new)
        file.addSeparator()
        file.addActions([tasks.import_, tasks.import_crontab, tasks.import_systemd,
                         tasks.export])
        file.addSeparator()
        file.addActions([store.back_up, store.restore, store.connect_store])
        file.addSeparator()
        self.settings = file.addAction("Se&ttings…")
        self.settings.setShortcut("Ctrl+,")
        self.settings.triggered.connect(self.settings_requested)
        file.addSeparator()
        close = file.addAction("&Close window")
        close.setShortcut("Ctrl+W")
        close.triggered.connect(self.close_requested)
        self.quit = file.addAction(icons.action_icon("quit"), "&Quit")
        self.quit.setShortcut("Ctrl+Q")
        self.quit.triggered.connect(self.quit_requested)
        task = bar.addMenu("&Task")
        task.addAction(tasks.new)  # where a person looks for it too, not only under File
        task.addSeparator()
        task.addActions(tasks.task_actions())
        view = bar.addMenu("&View")
        self.views = QActionGroup(window)
        for i, name in enumerate(views):
            action = QAction(icons.action_icon(name.lower()), f"&{name}", window)
            action.setShortcut(f"Ctrl+{i + 1}")
            action.setCheckable(True)
            action.triggered.connect(lambda _c=False, i=i: self.view_requested.emit(i))
            self.views.addAction(action)
            view.addAction(action)
        by = view.addMenu("Calendar &by")  # the calendar's own actions: it follows them
        for action in calendar_modes.actions():
            by.addAction(action)
            action.triggered.connect(lambda: self.view_requested.emit(views.index("Calendar")))
        view.addSeparator()
        find = view.addAction("&Find task…")
        find.setShortcut("Ctrl+F")
        find.triggered.connect(self.find_requested)
        toggle = dock.toggleViewAction()
        toggle.setText("&Notifications")
        view.addAction(toggle)
        scheme_menu = view.addMenu("A&ppearance")
        self.schemes = QActionGroup(window)
        for key in appearance.SCHEMES:
            action = scheme_menu.addAction(key.capitalize() if key != "system"
                                           else "Follow the system")
            action.setCheckable(True)
            action.setData(key)
            action.triggered.connect(lambda _c=False, k=key: self.scheme_requested.emit(k))
            self.schemes.addAction(action)
        engine = bar.addMenu("&Engine")
        engine.addActions([tasks.pause_all, tasks.resume_all])
        engine.addSeparator()
        engine.addAction(store.take_over.action)  # shown while another engine holds the store
        help_menu = bar.addMenu("&Help")
        guide = help_menu.addAction("&User guide")
        guide.setShortcut(QKeySequence.StandardKey.HelpContents)  # F1
        guide.triggered.connect(lambda: help_windows.open_guide(window))
        keys = help_menu.addAction("&Keyboard shortcuts")
        keys.triggered.connect(lambda: help_windows.open_shortcuts(bar, window))
        help_menu.addSeparator()
        about = help_menu.addAction("&About Tickwork")
        about.triggered.connect(lambda: QMessageBox.about(
            window, "About Tickwork",
            f"Tickwork {__version__} — a desktop task scheduler you can trust: on time, "
            f"honest about what happened, never losing a task.\n\nData: {home}"))
        self.toolbar = QToolBar("Task actions")
        self.toolbar.setObjectName("TaskToolbar")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toolbar.setMovable(False)
        self.toolbar.addActions([tasks.new, tasks.edit, tasks.run_now, tasks.stop, tasks.pause,
                                 tasks.delete])
        window.addToolBar(self.toolbar)

    def check_view(self, index: int) -> None:
        self.views.actions()[index].setChecked(True)

    def check_scheme(self, scheme: str) -> None:
        for action in self.schemes.actions():
            action.setChecked(action.data() == scheme)

    def refresh_icons(self, views: Sequence[str]) -> None:
        """Repaint the View menu's icons (the palette changed)."""
        for action, name in zip(self.views.actions(), views, strict=True):
            action.setIcon(icons.action_icon(name.lower()))
