"""The system tray icon: idle, running or failure at a glance, and a small menu.

Menu: Show, Pause all, Resume all, Quit. The icon shows a failure badge after a failure
notification until the window is shown again, else a running badge while runs are going.
Desktop notifications pop up from it (unless the engine reaches the desktop's
notification server over D-Bus itself, app/engine/notifier.py; in a storm, a few and then a
summary: app/gui/notifications/balloons.py); clicking one opens that run. Where the
desktop has no tray (`available` is False), nothing is created and the window keeps the
notification list instead. While the store cannot be opened (its data home moved or deleted
under the window: `Background.store_away`) the icon shows the failure badge and its tooltip
that one line, whatever else happens, until the store is back; the tray said nothing of it.

Signals:
    show_requested(): Show was chosen or the icon was clicked.
    pause_all_requested(), resume_all_requested(), quit_requested(): the menu's actions.
    message_clicked(int): a notification bubble about this run was clicked.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from app.engine.events import Notification
from app.gui.qt import (
    QAction,
    QGuiApplication,
    QMenu,
    QObject,
    QSystemTrayIcon,
    Signal,
    might_be_rich,
)
from app.gui.session import Session
from app.gui.widgets import display, icons
from app.platform.notifications import as_body, balloons_read_markup

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Balloon:
    title: str
    message: str
    kind: QSystemTrayIcon.MessageIcon
    ms: int
    run_id: int | None = None


class Tray(QObject):
    show_requested = Signal()
    pause_all_requested = Signal()
    resume_all_requested = Signal()
    quit_requested = Signal()
    message_clicked = Signal(int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.available = QSystemTrayIcon.isSystemTrayAvailable()
        self.state = "idle"
        self._failure = False
        self._last_run: int | None = None
        self._away: str | None = None  # the store's one line while it cannot be opened
        self.icon: QSystemTrayIcon | None = None
        self.session: Session | None = None
        self._waiting: list[_Balloon] = []  # balloons waiting for the server's answer
        if not self.available:
            return
        self.menu = QMenu()
        self.actions: dict[str, QAction] = {}
        for key, text, signal in (("show", "&Show Tickwork", self.show_requested),
                                  ("pause", "&Pause all tasks", self.pause_all_requested),
                                  ("resume", "&Resume all tasks", self.resume_all_requested),
                                  ("quit", "&Quit", self.quit_requested)):
            if key == "quit":
                self.menu.addSeparator()
            action = self.menu.addAction(text)
            action.triggered.connect(signal)
            self.actions[key] = action
        self.icon = QSystemTrayIcon(icons.app_icon("idle"), self)
        self.icon.setToolTip("Tickwork")
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._on_icon_activated)
        self.icon.messageClicked.connect(self._on_icon_message_clicked)
        self.icon.show()

    def connect_bridge(self, session: Session) -> None:
        """Follow the runs: the icon's badge says whether this window's engine runs any."""
        self.session = session
        session.bridge.runs_changed.connect(self._on_bridge_runs_changed)
        session.background.store_away.connect(self._on_background_store_away)

    def _on_background_store_away(self, line: str) -> None:
        self._away = line or None
        count = self.session.running_count() if self.session is not None else None
        self.set_running(count or 0)

    def _on_bridge_runs_changed(self, _events: object) -> None:
        count = self.session.running_count() if self.session is not None else None
        if count is not None:
            self.set_running(count)

    @property
    def can_notify(self) -> bool:
        return self.icon is not None and QSystemTrayIcon.supportsMessages()

    def _on_icon_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger,
                      QSystemTrayIcon.ActivationReason.DoubleClick):
            self.show_requested.emit()

    def _on_icon_message_clicked(self) -> None:
        if self._last_run is not None:
            self.message_clicked.emit(self._last_run)
        else:
            self.show_requested.emit()

    def set_running(self, running: int) -> None:
        self._update("failure" if self._failure else "running" if running else "idle",
                     f"Tickwork — {running} running" if running else "Tickwork — idle")

    def acknowledge(self) -> None:
        """The user looked at the window: drop the failure badge."""
        self._failure = False
        self._update("idle", "Tickwork")

    def notify(self, note: Notification) -> None:
        """The failure badge, for a failure or a fault of the store."""
        if note.kind in ("failure", "store"):
            self._failure = True
            self._update("failure", f"Tickwork — {note.title}")

    def balloon(self, note: Notification) -> None:
        """A desktop balloon for `note` (which ones: app/gui/notifications/notices.py)."""
        kind = (QSystemTrayIcon.MessageIcon.Critical if note.kind in ("failure", "store")
                else QSystemTrayIcon.MessageIcon.Warning if note.kind == "rescued"
                else QSystemTrayIcon.MessageIcon.Information)
        self._pop(_Balloon(note.title, note.message, kind, 10_000, note.run_id))

    def say(self, title: str, message: str) -> None:
        self._pop(_Balloon(title, message, QSystemTrayIcon.MessageIcon.Information, 8000))

    def _pop(self, balloon: _Balloon) -> None:
        """Qt hands a balloon's text on as it is: where a notification server that reads
        markup gets it (Qt's D-Bus tray), it goes escaped, as the engine's bubbles do. The
        server is asked off the GUI thread at each balloon (it may have come up since);
        balloons asked for meanwhile wait, in order, for its answer."""
        if not self.can_notify:
            return
        self._waiting.append(balloon)
        if len(self._waiting) > 1:
            return  # (the look under way shows it)
        if self.session is None:
            self._show_waiting(False)
            return
        platform = QGuiApplication.platformName()
        self.session.background.run(lambda: balloons_read_markup(platform),
                                    self._show_waiting, self._on_look_failed, owner=self)

    def _on_look_failed(self, exc: BaseException) -> None:
        log.warning("cannot tell whether tray balloons are read as markup: %s", exc)
        self._show_waiting(False)

    def _show_waiting(self, markup: bool) -> None:
        waiting, self._waiting = self._waiting, []
        for balloon in waiting:
            if self.icon is not None:
                self._last_run = balloon.run_id
                self.icon.showMessage(balloon.title, as_body(balloon.message, markup),
                                      balloon.kind, balloon.ms)

    def _update(self, state: str, tooltip: str) -> None:
        if self._away is not None:  # (the same words as the status bar's)
            state, tooltip = "failure", f"Tickwork — {self._away[:1].upper()}{self._away[1:]}"
        if state != self.state:
            self.state = state
            if self.icon is not None:
                self.icon.setIcon(icons.app_icon(state))
        if self.icon is not None:  # a task's name is plain text (an XEmbed tray's tooltip
            # reads "<i>x</i>" as markup; one that reads as plain text is left as it is)
            self.icon.setToolTip(display.tip(tooltip) if might_be_rich(tooltip) else tooltip)

    def hide(self) -> None:
        if self.icon is not None:
            self.icon.hide()
