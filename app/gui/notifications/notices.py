"""Where a note goes in the window: its list (with the bell's count), the tray's failure
badge, and, unless the engine's notifier shows it on the desktop itself, a balloon — folded
in a storm (`Balloons`) — from the tray, or the status bar's line where the tray cannot show
one. Notes come from this window's engine (the bridge) or, for a viewer, from the other
engine's runs as the store shows them (`RunWatch`).

One bubble a note: the engine's D-Bus bubble when its notifier reaches the desktop's
notification server (app/engine/notifier.py), else the window's balloon. A viewer's window
judges by its own engine's notifier, standing by on the same session bus the leading engine
of this desktop uses: where it reaches a server, the leading engine's did too and showed the
bubble; where it reaches none, the window's balloon is the only one.
"""

from __future__ import annotations

from collections.abc import Callable

from app.engine.events import Notification
from app.gui.notifications import today
from app.gui.notifications.balloons import Balloons
from app.gui.notifications.panel import MAX_ITEMS, NotificationList
from app.gui.notifications.tray import Tray
from app.gui.notifications.watch import RunWatch
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
        self.watch = RunWatch(session, self)
        session.bridge.notified.connect(self.tell)
        self.watch.heard.connect(self.tell)
        self.balloons.shown.connect(self._on_balloons_shown)
        service = session.service
        session.background.run(lambda: today.failures_today(service, MAX_ITEMS),
                               self._on_failures_today, owner=self,
                               title="Cannot read today's failures")

    def _on_failures_today(self, earlier: list[today.Told]) -> None:
        """The failures the status bar counts, listed too (today.py)."""
        for told in reversed(earlier):  # oldest first, each in its place by time
            self.notifications.add_earlier(told.note, told.at)

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
