"""The status bar: engine state, runs in flight, the next fire, failures today.

The figures come from one small read off the GUI thread (`read_overview`), repeated every
few seconds while the window is visible and soon after run events; "failed today" counts
fires whose last attempt so far failed (`runs.failed_since`); the engine's state
comes from its events through the session. The bell button counts unread notifications.

While the store cannot be opened (its data home moved or deleted: `Background.away`) the
engine's place says so, in the one line naming the home and what to do, said once as a
message too; the figures are not read (the session tries the store every few seconds), and
once it is back they are, and the engine's state is shown again.

Signals:
    failures_clicked(): the user clicked "failures today".
    bell_clicked(): the user clicked the notification bell.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from app.core.run import Run
from app.gui.qt import (
    QEvent,
    QLabel,
    QObject,
    QPalette,
    QResizeEvent,
    QStatusBar,
    Qt,
    QTimer,
    QToolButton,
    QWidget,
    Signal,
)
from app.gui.session import HANDING_OVER, Session
from app.gui.widgets import display, icons
from app.gui.widgets.paging import Throttle
from app.gui.widgets.status_text import paint_status
from app.gui.window.queued import QueuedRuns
from app.service import Service
from app.store import runs as run_store
from app.store import task_queries

REFRESH_MS = 3000
SOON_MS = 400
MESSAGE_MARGIN = 8  # px QStatusBar leaves each side of a message

MODES = {
    "starting": ("Engine starting…", "queued"),
    "running": ("Engine running", "succeeded"),
    "standby": ("Scheduling is done by another engine", "interrupted"),
    "stopped": ("Engine stopped", "cancelled"),
    "stalled": ("Engine paused: cannot write its store — retrying", "failed"),
}


@dataclass(frozen=True)
class Overview:
    """What the status bar shows: runs in flight, the next fire, failures today."""

    active_runs: int
    next_fire: datetime | None
    failures_today: int
    tasks: int


def read_overview(service: Service, now: datetime | None = None) -> Overview:
    """The status bar's figures, in one read transaction (on a pool thread)."""
    now = now or datetime.now(UTC)
    midnight = now.astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
    with service.store.read():
        active = run_store.active_count()
        next_fire = task_queries.next_fire()
        failed = run_store.failed_since(midnight)
        count = task_queries.count_all()
    return Overview(active, next_fire, failed, count)


class StatusBar(QStatusBar):
    failures_clicked = Signal()
    bell_clicked = Signal()

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("StatusBar")
        self.session = session
        self.overview: Overview | None = None
        self._reading = False
        self.engine = QLabel()
        self.engine.setObjectName("EngineState")
        self.running = QLabel()
        self.next_fire = QLabel()
        self.failures = QToolButton()
        self.failures.setObjectName("FailuresToday")
        self.failures.setAutoRaise(True)
        self.failures.setToolTip("Today's fires whose last attempt so far failed (a retry that "
                                 "waits or succeeded is not a failure). Click to list them")
        self.failures.clicked.connect(self.failures_clicked)
        self.bell = QToolButton()
        self.bell.setObjectName("NotificationBell")
        self.bell.setAutoRaise(True)
        self.bell.setIcon(icons.action_icon("bell"))
        self.bell.setAccessibleName("Notifications")
        self.bell.clicked.connect(self.bell_clicked)
        self.figures = (self.engine, self.running, self.next_fire, self.failures, self.bell)
        self._said = ""  # the message said, whole (shown cut to its room)
        self._said_in: QWidget | None = None  # the view it is about (`said_in`), if one
        self._engine_text = ""  # the engine's state, whole (cut when the figures overflow)
        self._engine_tip = ""
        self._fitting = False
        self._said_for = QTimer(self)
        self._said_for.setSingleShot(True)
        self._said_for.timeout.connect(self._on_said_for_timeout)
        self.queued = QueuedRuns(session, self)
        self.queued.ended.connect(self.say_instead)
        for widget in self.figures:  # on the right, beside the messages
            self.addPermanentWidget(widget)
            widget.installEventFilter(self)
        self.set_unread(0)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self._timer.start(REFRESH_MS)
        self._soon = Throttle(SOON_MS, self.refresh, self)
        self.messageChanged.connect(self._on_message_changed)
        session.mode_changed.connect(self._on_session_mode_changed)
        bridge = session.bridge
        for signal in (bridge.runs_changed, bridge.service_changed, bridge.store_changed):
            signal.connect(self.soon)
        session.background.store_away.connect(self._on_background_store_away)
        bridge.store_replaced.connect(self._on_bridge_store_replaced)
        self._on_session_mode_changed(session.mode, session.detail)

    def say(self, text: str, ms: int = 8000) -> None:
        """A message for a while, on one line, cut with "…" to the room the figures on the
        right leave, the whole of it in the tooltip (a long one ran on under "● Engine
        running", cut mid-word: a run-through under X). It is cut again as that room changes:
        said before the window was laid out (no tray, at its start), it was cut mid-word
        once the figures came."""
        self._said = " ".join(text.split())
        self._said_in = None
        self._said_for.start(ms)
        self._fit_message()

    def said_in(self, view: QWidget) -> Callable[[str], None]:
        """What says a view's messages: each is said while the view is shown, and goes
        when the person leaves it (the graph's "Not added: … a dependency cycle …" stayed
        over Tasks). One that comes once they have left is not said: the view shows it."""
        view.installEventFilter(self)

        def say(text: str) -> None:
            if view.isVisible():
                self.say(text)
                self._said_in = view

        return say

    def say_queued(self, runs: list[Run], mode: str) -> None:
        """"Queued 1 run: Backup", until they have all ended (`QueuedRuns`)."""
        self.say(self.queued.said(runs, mode))

    def say_instead(self, said: str, instead: str) -> None:
        """Say `instead` in place of `said` if it is still said (nothing came since): how the
        runs Run now queued, or Stop runs stopped, ended."""
        if self._said == " ".join(said.split()):
            self.say(instead)

    def _fit_message(self) -> None:
        """The message said, cut to the room there is now."""
        line = self._said
        if not line:
            return
        room = self._message_room()
        shown = line if room <= 0 else self.fontMetrics().elidedText(
            line, Qt.TextElideMode.ElideRight, room)
        self.setToolTip(line if shown != line else "")
        if shown != self.currentMessage():
            self._fitting = True
            try:
                self.showMessage(shown)  # (cleared after its time by `_said_for`)
            finally:
                self._fitting = False

    def _on_said_for_timeout(self) -> None:
        if self._said:
            self._said = ""
            self.clearMessage()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched not in self.figures:  # a view (`said_in`)
            if event.type() == QEvent.Type.Hide and watched is self._said_in and self._said:
                self._said_for.stop()
                self._on_said_for_timeout()
            return False
        if event.type() in (QEvent.Type.Move, QEvent.Type.Resize, QEvent.Type.Show,
                            QEvent.Type.Hide):
            self._fit_message()  # a figure grew, went or came: the room changed
            if watched is not self.engine and event.type() != QEvent.Type.Move:
                self._fit_engine()
        return False

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_engine()
        self._fit_message()

    def _fit_engine(self) -> None:
        """The engine's state whole, or cut with "…" to the room the other figures leave,
        the whole of it then first in its tooltip: a viewer's "Scheduling is done by another
        engine (…); this window shows its work" pushed the failures and the bell out of an
        800 px window."""
        others = [w for w in self.figures if w is not self.engine and not w.isHidden()]
        room = self.width() - sum(w.sizeHint().width() for w in others) \
            - (len(others) + 3) * MESSAGE_MARGIN - 16  # (their gaps, the size grip)
        line = self._engine_text
        metrics = self.engine.fontMetrics()
        shown = line if metrics.horizontalAdvance(line) <= room else metrics.elidedText(
            line, Qt.TextElideMode.ElideRight, max(room, 8 * MESSAGE_MARGIN))
        self.engine.setText(shown)
        tip = self._engine_tip
        self.engine.setToolTip(tip if shown == line else f"{line}\n\n{tip}".strip())

    def _message_room(self) -> int:
        """The width a message is drawn in: up to the first figure shown on the right, less
        the 8 px QStatusBar leaves each side of it and a gap (0: not laid out yet)."""
        lefts = [w.geometry().left() for w in self.figures if w.isVisible()]
        return min(lefts) - 3 * MESSAGE_MARGIN if lefts else 0  # (and the gap before it)

    def _on_message_changed(self, text: str) -> None:
        if not text:
            self.setToolTip("")  # the message went: so does its whole
        if not self._fitting:
            self._said = ""  # cleared, or another (a menu's tip): ours is not fitted again

    def _on_background_store_away(self, line: str) -> None:
        if line:
            self.say(f"{line[:1].upper()}{line[1:]}.", 30_000)
        else:
            self.say(f"{self.session.store.home} can be read again" + (
                "; this window's engine schedules its tasks again" if self.session.engine_again
                else "; reopen Tickwork to schedule its tasks" if self._halted() else ""))
        self._on_session_mode_changed(self.session.mode, self.session.detail)

    def _on_bridge_store_replaced(self, line: str) -> None:
        self.say(f"{line[:1].upper()}{line[1:]}.", 30_000)

    def _halted(self) -> str | None:
        """Why this window's engine stopped itself (its store went, or is damaged), if so."""
        engine = self.session.engine
        return engine.fault if engine is not None and self.session.mode == "stopped" else None

    def _resumes(self) -> bool:
        """This window's engine stopped itself because its home went: the session starts
        it again once the home is back (app/gui/session.py)."""
        engine = self.session.engine
        return self._halted() is not None and engine is not None and engine.home_went

    def _halted_tip(self) -> str:
        if self._resumes():
            return "; this window's engine stopped, and starts again then."
        if self._halted():
            return "; this window's engine stopped: reopen Tickwork then to schedule its tasks."
        return "."

    def _on_session_mode_changed(self, mode: str, detail: str) -> None:
        away = self.session.background.away
        if away is not None:  # what the person must do comes first: the state says why
            self._engine_text = f"● {away[:1].upper()}{away[1:]}"
            paint_status(self.engine, "failed")
            self._engine_tip = ("Tickwork reads the store again every few seconds and goes on "
                                "once it is back" + self._halted_tip())
            self._fit_engine()
            return
        text, status = MODES.get(mode, (mode, "scheduled"))
        if mode == "standby":
            text = f"Scheduling is done by another engine ({detail or 'running elsewhere'}); " \
                   "this window shows its work"
        elif mode == "stopped" and detail == HANDING_OVER:  # ("Engine stopped" read as if
            text = "Handing scheduling over to a background engine…"  # nothing would run)
        elif (fault := self._halted()) is not None:
            text, detail = ("Engine stopped — it starts again once its data home is back"
                            if self._resumes() else
                            "Engine stopped — reopen Tickwork to schedule again"), fault
        elif mode == "running" and detail:  # who leads a shared store; fewer workers
            text = f"{text} — {detail}"
        if mode == "running" and self.session.workers_short():
            status = "warning"  # (it was the green of "all well", as a warning's amber is not)
        self._engine_text = f"● {text}"
        paint_status(self.engine, status)
        self._engine_tip = {
            "running": "This window's engine fires tasks on this store." + (
                " Engines on other machines sharing it wait as standbys." if
                detail.startswith("leading since") else ""),
            "standby": "Another Tickwork engine holds this store and fires its tasks; this "
                       "window shows and edits them, and takes over when that engine stops "
                       "(Engine → Take over from the background engine… stops it).",
            "stalled": f"{detail}. No task starts until the store can be written again; "
                       "fires missed meanwhile then follow each task's catch-up policy.",
        }.get(mode, detail)
        self._fit_engine()
        self.soon()

    def soon(self, *_args: object) -> None:
        """Refresh shortly (after run events), at most a few times a second."""
        self._soon.poke()

    def refresh(self) -> None:
        hidden = self.window() is not None and not self.window().isVisible()
        if self._reading or (hidden and self.overview is not None) or \
                self.session.background.away is not None:  # (the session tries it)
            return
        self._reading = True
        service = self.session.service
        self.session.background.run(lambda: read_overview(service), self._on_overview,
                                    self._on_failed, owner=self,
                                    title="Cannot read the status")

    def _on_failed(self, error: BaseException) -> None:
        self._reading = False
        self.session.background.report("Cannot read the status", error)

    def _on_overview(self, overview: Overview) -> None:
        self._reading = False
        self.overview = overview
        local = self.session.running_count()
        active = overview.active_runs if local is None else max(local, 0)
        self.running.setText(f"{active:,} running" if active else "Idle")
        if overview.next_fire is not None:
            when = overview.next_fire
            self.next_fire.setText(f"Next: {display.when(when)} ({display.relative(when)})")
            self.next_fire.setToolTip(display.full_time(when))
        else:
            self.next_fire.setText("Next: nothing scheduled")
            self.next_fire.setToolTip("")
        failed = overview.failures_today
        self.failures.setText(f"{failed:,} failed today" if failed else "No failures today")
        paint_status(self.failures, "failed" if failed else None, QPalette.ColorRole.ButtonText)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "bell"):
            self.bell.setIcon(icons.action_icon("bell"))  # painted in the palette's colours
        super().changeEvent(event)

    def set_unread(self, count: int) -> None:
        self.bell.setText(f" {count}" if count else "")
        self.bell.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon if count
                                     else Qt.ToolButtonStyle.ToolButtonIconOnly)
        unread = display.plural(count, "unread notification")
        self.bell.setToolTip(f"Notifications (the bell): {unread}" if count
                             else "Notifications (the bell): show or hide the panel")
        self.bell.setAccessibleDescription(unread if count else "No unread notifications")
