"""The main window: it assembles the panels and joins them to each other, nothing more.

Views (each owns its logic): Tasks, Calendar, Graph, Runs, Metrics, Audit, reachable with
Ctrl+1 … Ctrl+6 in that order. Task actions live in `TaskActions`, the status bar in
`StatusBar`, notifications in `NotificationList`, `Tray` and `Notices` (where each goes),
the menus in `Menus`. Each view follows the bridge itself (`connect_bridge`). Window
geometry, the current view, the task table's columns and the appearance are kept with
QSettings.

Closing the window with a tray hides it (the engine keeps running; said the first time);
without a tray it quits. Quitting asks first when it would stop scheduling (`window.quitting`):
keep scheduling in a background engine, quit and stop, or cancel.
"""

from __future__ import annotations

from app.engine.events import Notification
from app.gui.audit.model import AuditTableModel
from app.gui.audit.view import AuditView
from app.gui.bridge import RunOpener
from app.gui.calendar.view import CalendarView
from app.gui.graph.view import GraphView
from app.gui.metrics.view import MetricsView
from app.gui.notifications.notices import Notices
from app.gui.notifications.panel import NotificationList
from app.gui.notifications.tray import Tray
from app.gui.qt import (
    QApplication,
    QCloseEvent,
    QDockWidget,
    QEvent,
    QHBoxLayout,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QSize,
    QStackedWidget,
    Qt,
    QTimer,
    QWidget,
    Signal,
)
from app.gui.runs.model import RunTableModel
from app.gui.runs.view import RunsView
from app.gui.session import Session
from app.gui.settings import appearance
from app.gui.settings.dialog import SettingsDialog
from app.gui.tasks.actions import Selection, TaskActions
from app.gui.tasks.model import TaskTableModel
from app.gui.tasks.view import TasksView
from app.gui.widgets import accessible, display, focus_ring, icons
from app.gui.window import nav_keys, quitting
from app.gui.window.menus import Menus
from app.gui.window.status_bar import StatusBar
from app.gui.window.store_actions import StoreActions

VIEWS = ("Tasks", "Calendar", "Graph", "Runs", "Metrics", "Audit")
TASKS, CALENDAR, GRAPH, RUNS, METRICS, AUDIT = range(6)


class MainWindow(QMainWindow):
    """Signals: quit_requested(): the user chose Quit (or closed the window with no tray)."""

    quit_requested = Signal()

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName("MainWindow")
        store = session.store  # the home, or the shared store (never its password)
        self.setProperty(appearance.HOME, str(store.home))  # its dialogs keep folders for it
        # the store; Qt adds the application's name ("… — Tickwork") where the desktop shows it
        self.setWindowTitle(str(store.home if store.url is None else store.name))
        # what every view is tested at (README), or the screen, if a small or scaled one
        screen = self.screen().availableGeometry()
        self.setMinimumSize(min(800, screen.width()), min(500, screen.height()))
        self.setWindowIcon(icons.app_icon())
        self.quitting = False
        bg = session.background
        self.tasks_model = TaskTableModel(session.service, bg, parent=self)
        self.runs_model = RunTableModel(session.service, bg, parent=self)
        self.audit_model = AuditTableModel(session.service, bg, parent=self)
        self.task_ops = TaskActions(session, self)
        self.store_ops = StoreActions(session, self, self.close_for_good)
        self.tasks_view = TasksView(self.tasks_model, self.task_ops.new)
        self.task_ops.attach(self.tasks_view)
        self.runs_view = RunsView(self.runs_model, session.service, bg)
        self.audit_view = AuditView(self.audit_model, session.service, bg)
        self.calendar_view = CalendarView(session.service, bg)
        self.graph_view = GraphView(session.service, bg)
        self.metrics_view = MetricsView(session.service, bg)
        self.views: list[QWidget] = [self.tasks_view, self.calendar_view, self.graph_view,
                                     self.runs_view, self.metrics_view, self.audit_view]
        # the views whose selection the task actions follow (Metrics and Audit: none)
        self.selections: dict[int, Selection] = {
            TASKS: self.tasks_view, CALENDAR: self.calendar_view, GRAPH: self.graph_view,
            RUNS: self.runs_view}
        self.stack = QStackedWidget()
        self.nav = QListWidget()
        self.nav.setObjectName("Navigation")
        for i, (name, view) in enumerate(zip(VIEWS, self.views, strict=True)):
            self.stack.addWidget(view)
            self.nav.addItem(name)
            self.nav.item(i).setIcon(icons.action_icon(name.lower()))
            self.nav.item(i).setToolTip(f"{name} (Ctrl+{i + 1})")
        self.nav.setIconSize(QSize(20, 20))
        self.nav.setFixedWidth(max(self.nav.sizeHintForColumn(0), 110) + 16)
        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.nav)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.focus_ring = focus_ring.FocusRing(self)  # where the keys go, as in the editor
        nav_keys.TabIntoView(self.nav, self.stack)  # Tab goes into the view shown

        self.notifications = NotificationList()
        self.dock = QDockWidget("Notifications", self)
        self.dock.setObjectName("NotificationsDock")
        self.dock.setWidget(self.notifications)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.dock.hide()
        self.status = StatusBar(session, self)
        self.setStatusBar(self.status)
        self.tray = Tray(self)
        self.notices = Notices(session, self.notifications, self.tray, self.say, self)
        self.quit_flow = quitting.QuitFlow(
            session, self, lambda *asked: self.ask_quit(*asked), self.say, self.close_for_good)
        self.menus = Menus(self, VIEWS, self.task_ops, self.store_ops, self.dock,
                           session.store.home, self.calendar_view.bar.mode_actions)
        self.view_actions = self.menus.views
        self.toolbar = self.menus.toolbar
        self._wire()
        self.nav.setCurrentRow(TASKS)
        self.restore_settings()
        self.tasks_model.reload()
        if not self.tray.available:
            self._announce_no_tray()
        accessible.name_tree(self)  # names for a screen reader: widgets/accessible.py

    def _announce_no_tray(self) -> None:
        text = ("This desktop has no system tray, so closing the window quits Tickwork (it "
                "asks first whether to keep scheduling in the background), and notifications "
                "appear here and in the status bar's bell instead of on the desktop.")
        self.notifications.add(Notification("info", "No system tray", text), unread=False)
        self.say("No system tray: notifications go to the bell, bottom right.")  # (cut to fit)

    # -- assembly --------------------------------------------------------------------------

    def _wire(self) -> None:
        """Each view follows the bridge itself; here the parts are joined to each other."""
        s = self.session
        for part in (self.tasks_view, self.runs_view, self.audit_view, self.calendar_view,
                     self.graph_view, self.metrics_view, self.tray):
            part.connect_bridge(s)
        self.task_ops.connect_bridge()
        s.background.error.connect(self._on_background_error)
        s.mode_changed.connect(self._on_session_mode_changed)
        self.nav.currentRowChanged.connect(self._on_nav_current_row_changed)
        m = self.menus
        m.view_requested.connect(self.go_to_view)
        m.scheme_requested.connect(self.set_scheme)
        m.find_requested.connect(self.find_task)
        m.settings_requested.connect(self.open_settings)
        m.close_requested.connect(self.close)
        m.quit_requested.connect(self.quit)
        for view in (self.calendar_view, self.graph_view, self.runs_view):
            view.open_task_requested.connect(self.task_ops.edit_task_id)
            view.message.connect(self.status.said_in(view))
        for source in (self.tasks_view, self.runs_view, self.graph_view, self.calendar_view):
            source.selection_changed.connect(self.task_ops.update)
        for grid in (self.graph_view.canvas, *self.calendar_view.grids):  # Del: the task (a
            grid.addAction(self.task_ops.delete)  # graph's arrow selected: the arrow)
        self.task_ops.message.connect(self.say)
        self.store_ops.message.connect(self.say)
        self.task_ops.show_runs_requested.connect(self.show_runs_of)
        self.task_ops.task_saved.connect(self._on_task_saved)
        self.tasks_view.context_menu_requested.connect(self._on_tasks_context_menu_requested)
        ops = self.task_ops.operations
        ops.message.connect(self.say)
        ops.said_instead.connect(self.status.say_instead)
        self.tasks_model.enable_requested.connect(
            lambda task_id, on: ops.set_enabled([task_id], on))
        self.runs_view.rerun_requested.connect(lambda task_id: ops.run_tasks([task_id]))
        ops.runs_started.connect(self.runs_view.on_runs_started)
        ops.runs_started.connect(lambda runs: self.status.say_queued(runs, s.mode))
        self.calendar_view.open_run_requested.connect(self.show_run)
        self.notifications.open_run_requested.connect(self.open_run)
        if s.engine is not None:  # Open log on the engine's desktop notifications: here
            s.engine.notifier.open_run = RunOpener.connected(self.open_run, self)
        self.notifications.retry_requested.connect(lambda t: ops.run_tasks([t]))
        self.notifications.unread_changed.connect(self.status.set_unread)
        self.status.bell_clicked.connect(self._on_status_bell_clicked)
        self.status.failures_clicked.connect(self._on_status_failures_clicked)
        self.tray.show_requested.connect(self.show_and_raise)
        self.tray.pause_all_requested.connect(lambda: ops.set_all(False))
        self.tray.resume_all_requested.connect(lambda: ops.set_all(True))
        self.tray.quit_requested.connect(self.quit)
        self.tray.message_clicked.connect(self.open_run)

    # -- navigation ------------------------------------------------------------------------

    def show_view(self, index: int) -> None:
        self.nav.setCurrentRow(index)

    def go_to_view(self, index: int) -> None:
        """A view chosen from the View menu or its shortcut (Ctrl+1 …): shown, and the
        keyboard in it where it has a place for it (a table)."""
        self.show_view(index)
        view = self.stack.currentWidget()
        if view is not None and view.focusProxy() is not None:
            view.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def current_view(self) -> int:
        return self.stack.currentIndex()

    def _on_nav_current_row_changed(self, index: int) -> None:
        if index < 0:
            return
        self.stack.setCurrentIndex(index)
        self.task_ops.follow(self.selections.get(index))
        self.menus.check_view(index)
        for i, table in ((TASKS, self.tasks_view), (RUNS, self.runs_view),
                         (AUDIT, self.audit_view)):
            table.set_current(i == index)

    def show_runs_of(self, task_id: int, name: str) -> None:
        self.show_view(RUNS)
        self.runs_view.show_task(task_id, name)

    def open_run(self, run_id: int) -> None:
        """Show a run in the Runs view (from a notification)."""
        self.show_and_raise()
        self.show_view(RUNS)
        self.runs_view.show_run(run_id, among_all=True)

    def show_run(self, run_id: int) -> None:
        """Any run, even weeks old (the calendar's): its task's runs, its detail at once."""
        self.show_view(RUNS)
        self.runs_view.show_run(run_id)

    def open_settings(self) -> None:
        """File → Settings…: history kept by default, start at login, background engine, and
        the appearance (the View menu's entries)."""
        self.settings_dialog = SettingsDialog(self.session.store, self.session.background, self,
                                              tray=self.tray.available,
                                              schemes=self.menus.schemes.actions())
        self.settings_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.settings_dialog.saved.connect(self.say)
        self.settings_dialog.open()

    def find_task(self) -> None:
        self.show_view(TASKS)
        self.tasks_view.focus_search()

    def _on_task_saved(self, task_id: int) -> None:
        """The task made or edited is selected in Tasks, whichever view the edit began in
        (which stays, with the keyboard): going to Tasks finds it ready to run."""
        here = self.current_view() == TASKS
        QTimer.singleShot(0, lambda: self.tasks_view.select_task(task_id, True, here))

    def _on_tasks_context_menu_requested(self, pos: object) -> None:
        from app.gui.qt import QMenu

        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # (each kept for good before)
        menu.addAction(self.task_ops.new)
        menu.addSeparator()
        menu.addActions(self.task_ops.task_actions())
        menu.popup(pos)  # type: ignore[arg-type]

    # -- events ----------------------------------------------------------------------------

    def _on_session_mode_changed(self, mode: str, detail: str) -> None:
        if mode == "running" and self._was_standby:
            self.say("The other engine stopped: this window's engine took over and now fires "
                     "the tasks.")
            self.notifications.add(Notification("info", "This window's engine took over",
                                                "The engine that held the store stopped."))
        # standby is said by the status bar's engine label (and its tooltip): a message here
        # too was cut short beside it ("… this wind")
        self._was_standby = mode == "standby"

    _was_standby = False

    def _on_background_error(self, title: str, message: str) -> None:
        self.say(f"{title}: {message}")
        box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok,
                          self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def _on_status_bell_clicked(self) -> None:
        self.dock.setVisible(not self.dock.isVisible())
        if self.dock.isVisible():
            self.notifications.mark_read()
            self.tray.acknowledge()

    def _on_status_failures_clicked(self) -> None:
        self.show_view(RUNS)
        self.runs_view.show_failures_today()

    def say(self, text: str) -> None:
        self.status.say(text)

    # -- window life -----------------------------------------------------------------------

    def show_and_raise(self) -> None:
        self.show()
        self.raise_()
        self.activateWindow()
        self.tray.acknowledge()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "menus"):
            self._refresh_icons()  # the desktop went light or dark
        super().changeEvent(event)

    def _refresh_icons(self) -> None:
        """Repaint the icons drawn in palette colours."""
        display.clear_icon_cache()
        for i, name in enumerate(VIEWS):
            self.nav.item(i).setIcon(icons.action_icon(name.lower()))
        self.menus.refresh_icons(VIEWS)
        self.task_ops.refresh_icons()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_settings()
        if not self.quitting and self.tray.available:
            event.ignore()
            self.hide()
            store = appearance.settings()
            if not store.value("tray_hint_shown", False, type=bool):
                store.setValue("tray_hint_shown", True)
                self.tray.say("Tickwork is still running",
                              "Tasks keep running on schedule. Use Quit in the tray menu to "
                              "stop Tickwork.")
            return
        if not self.quitting:  # no tray: closing the window quits, after asking
            event.ignore()
            self.quit()
            return
        self.tray.hide()
        event.accept()
        self.quit_requested.emit()

    def ask_quit(self, running: int, scheduled: quitting.Scheduled, retried: int) -> str:
        """BACKGROUND, STOP or CANCEL, as the person answers (tests answer it by clicks)."""
        return quitting.ask(self, running, scheduled, retried, self.session)

    def quit(self) -> None:
        """Quit (menu, tray, or closing with no tray): ask first if scheduling would stop."""
        if not self.quitting:
            self.quit_flow.start()

    @property
    def handover(self) -> quitting.Handover | None:
        return self.quit_flow.handover

    def close_for_good(self) -> None:
        self.quitting = True
        self.close()

    def set_scheme(self, scheme: str) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            appearance.apply(app, scheme)
        self._refresh_icons()
        appearance.settings().setValue("appearance", scheme)
        self.menus.check_scheme(scheme)

    def save_settings(self) -> None:
        store = appearance.layout(self.session.store.home)  # this home's
        store.setValue("window/geometry", self.saveGeometry())
        store.setValue("window/state", self.saveState())
        store.setValue("window/view", self.current_view())
        self.tasks_view.save_state(store)
        self.runs_view.save_state(store)
        store.sync()

    def restore_settings(self) -> None:
        store = appearance.layout(self.session.store.home)
        geometry = store.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1180, 720)
        state = store.value("window/state")
        if state is not None:
            self.restoreState(state)
        self.tasks_view.restore_state(store)
        self.runs_view.restore_state(store)
        view = int(str(store.value("window/view", TASKS) or 0))
        self.show_view(view if 0 <= view < len(VIEWS) else TASKS)
        self.menus.check_scheme(str(appearance.settings().value("appearance", "system")))
