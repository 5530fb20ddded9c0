"""Where a note goes in the window: its list (with the bell's count), the tray's failure
badge, and, unless the engine's notifier shows it on the desktop itself, a balloon — folded
in a storm (`Balloons`) — from the tray, or the status bar's line where the tray cannot show
one. Notes come from this window's engine (the bridge).

One bubble a note: the engine's D-Bus bubble when its notifier reaches the desktop's
notification server (app/engine/notifier.py), else the window's balloon.
"""

from __future__ import annotations

from collections.abc import Callable

from app.engine.events import Notification
from app.gui.notifications.balloons import Balloons
from app.gui.notifications.panel import NotificationList
from app.gui.notifications.tray import Tray
from app.gui.qt import QObject
from app.gui.session import Session


class Notices(QObject):
    def __init__(self, session: Session, notifications: NotificationList, tray: Tray,
                 say: Callable[[str], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.notifications = notifications
        self.tray = tray
        self.say = say
        self.balloons = Balloons(self)
        session.bridge.notified.connect(self.tell)
        self.balloons.shown.connect(self._on_balloons_shown)

    def tell(self, note: Notification) -> None:
        self.notifications.add(note)
        self.tray.notify(note)
        if not self.session.engine_notifies_desktop():
            self.balloons.offer(note)

    def _on_balloons_shown(self, note: Notification) -> None:
        if self.tray.can_notify:
            self.tray.balloon(note)
        else:
            self.say(f"{note.title}: {note.message}")
