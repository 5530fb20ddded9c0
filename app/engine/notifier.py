"""The engine tells the desktop: each `Notification` event (a failure, a success the task
asked for, or a fault of the store: full, locked, out of reach, damaged) becomes a desktop
notification over D-Bus, window or no window.

Which runs notify is decided once, where attempts end (`outcomes.after`, by the task's
`notify` mode, see app/core/notify.py); this module only delivers, on its own thread, so a
slow or absent notification server never holds up the dispatcher. Runs found interrupted at
start-up (the last engine died under them) do not pass through `outcomes`; for those the
notifier applies the same rule itself: no retry left (`should_retry`) and the task notifies
on failure; and emits the note on the hub, as `outcomes` would, so the window hears it too.

Where the server supports actions, a notification carries "Open log" and "Retry now":
- Retry now queues a manual run of the task through the `Service` (audited as
  `task.run_now` by `engine`, like any manual run), which the engine starts at once;
- Open log (or a click on the bubble) calls `open_run(run_id)`: by default it starts the
  window at that run (`tickwork --home HOME --show-run ID`, a viewer when an engine holds
  the store); a window running this engine sets it to show the run in itself.

A button counts only when the notification server that showed the bubble sent the click:
another program of the session could emit the same signal with a guessed id, to retry a run
or open windows (see app/platform/notifications.py); such a click is ignored, and said once.

A fallback's sequel ("X failed; its fallback “Y” succeeded") replaces the failure's
bubble (`replaces_id`) rather than showing a second one beside it.

Who shows the bubble: when the server answered at start (`desktop` is True) this notifier
owns desktop bubbles, and the window (if any) only keeps the note in its list and the
tray's badge; otherwise the window's tray bubble, and then its list, are the fallbacks.
No bus or no server (or a bus that goes away: a logout) is logged once, in one line, and
the engine goes on; the bus is tried again at most once a minute, when a note is due.

A storm of notes (500 tasks failing at the top of the hour) is a few bubbles and one summary
kept up to date, and the queue feeding this thread is bounded: see app/engine/storm.py.
"""

from __future__ import annotations

import logging
import subprocess
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from app.core.errors import TickworkError
from app.core.notify import notify_mode
from app.core.policy import should_retry
from app.engine.clock import WALL, Clock
from app.engine.events import Event, EventHub, Notification, RunChanged
from app.engine.storm import BUDGET, INBOX, WINDOW, Inbox, Storm, Summary
from app.platform.notifications import (
    ActionInvoked,
    DesktopNotifications,
    NotificationsUnavailable,
)
from app.store.database import Store

log = logging.getLogger("tickwork.notify")

# "default" is a click on the bubble itself (most servers show no button for it)
ACTIONS = (("default", "Show in Tickwork"), ("open", "Open log"), ("retry", "Retry now"))
REMEMBERED = 1000  # notifications whose buttons still work (the newest)
RECONNECT = 60.0  # seconds between attempts to reach the bus again, when a note is due


class Notifier:
    """Listens to the engine's events; sends desktop notifications; acts on their buttons."""

    def __init__(self, store: Store, hub: EventHub, *,
                 on_service_change: Callable[[Any], None] | None = None,
                 client: Callable[[], DesktopNotifications] = DesktopNotifications,
                 clock: Clock = WALL, pace: float = 1.0, budget: int = BUDGET,
                 inbox: int = INBOX) -> None:
        self.store = store
        self.hub = hub
        self.open_run: Callable[[int], None] = self.launch_window
        self.desktop = False  # the server answered: bubbles are ours
        self._client_factory = client
        self._client: DesktopNotifications | None = None
        self._on_service_change = on_service_change
        self.clock = clock
        self._inbox = Inbox(inbox)
        self._storm = Storm(budget, WINDOW * pace)
        self._summary: tuple[int, int] = (0, 0)  # the storm's number, its summary's bubble
        self._told_full = False
        # notification id -> its note, and the unique bus name of the server that showed it
        self._shown: OrderedDict[int, tuple[Notification, str]] = OrderedDict()
        self._told_forged = False
        # held from a Notify sent until its id is in `_shown`: a click may arrive first
        self._showing = threading.Lock()
        self._running: set[int] = set()  # runs seen running in this engine's life
        self._threads: list[threading.Thread] = []
        self._told_unavailable = False
        self._tried = 0.0  # monotonic time of the last connection attempt
        self._windows: list[subprocess.Popen[bytes]] = []  # started by Open log

    def start(self) -> None:
        self.hub.subscribe(self.on_event)
        thread = threading.Thread(target=self._deliver_loop, name="tickwork-notify",
                                  daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        """Deliver what is queued (the engine's last failures), then disconnect."""
        self.hub.unsubscribe(self.on_event)
        self._inbox.close()
        for thread in self._threads[:1]:  # the delivering thread: what is queued goes out
            thread.join(10)
        if self._client is not None:
            self._client.close()  # ends the actions' thread
        for thread in self._threads[1:]:
            thread.join(5)

    def on_event(self, event: Event) -> None:
        """Hub listener (any engine thread): cheap; the work is on the notifier's thread."""
        if isinstance(event, Notification):
            if event.kind in ("failure", "success", "rescued", "store"):  # (storm.py)
                self._inbox.put(event)
        elif isinstance(event, RunChanged):
            if event.status == "running":
                self._running.add(event.run_id)
            elif (event.status == "interrupted" and event.reason is None
                  and event.run_id not in self._running):
                self._inbox.put(event)  # found at start-up: see the module's docstring
            else:
                self._running.discard(event.run_id)

    # -- the notifier's thread ---------------------------------------------------------

    def _deliver_loop(self) -> None:
        self._connect()
        while True:
            due = self._storm.due()
            item = self._inbox.get(None if due is None
                                   else max(0.0, due - self.clock.monotonic()))
            now = self.clock.monotonic()
            self._count_dropped(now)
            if item is None and self._inbox.closed:
                self._summarise(now, final=True)  # the engine stops: tell what was folded
                return
            if item is not None:
                if self._client is None and time.monotonic() - self._tried >= RECONNECT:
                    self._connect()  # the desktop may be back (a new login)
                try:
                    if isinstance(item, Notification):
                        self._offer(item, now)
                    else:
                        self._tell_orphan(item, now)
                except Exception:  # a listener's rule: log it, keep delivering
                    log.exception("notifying %s failed", item)
            self._summarise(now)

    def _offer(self, note: Notification, now: float) -> None:
        """A bubble of its own, or folded into the storm's summary (storm.py). A fallback's
        sequel takes its failure's bubble, adding none. A fault of the store (said once per
        pause, app/engine/faults.py) is no run: never folded among them."""
        replaces = self._bubble_of(note)
        if self._storm.offer(note, now, follows_own=bool(replaces)):
            self._show(note, replaces)

    def _summarise(self, now: float, *, final: bool = False) -> None:
        storming = self._storm.storming
        summary: Summary | None = self._storm.close(now, final=final)
        if summary is None:
            if storming and not self._storm.storming:
                log.info("notification storm over: the next failure has a bubble of its own")
            return
        storm, bubble = self._summary
        if storm != summary.storm:
            log.info("notification storm: more than %d in %g s, the rest go into one summary "
                     "(%s)", self._storm.budget, self._storm.window, summary.note().title)
        shown = self._show(summary.note(), bubble if storm == summary.storm else 0)
        if shown is not None:
            self._summary = (summary.storm, shown)

    def _count_dropped(self, now: float) -> None:
        dropped, run_id = self._inbox.take_dropped()
        for (word, task), count in dropped.items():
            self._storm.fold(word, task, run_id, now, count)
        if dropped and not self._told_full:
            self._told_full = True  # once in the engine's life: the summary says the rest
            log.warning("the notification queue is full (%d): runs that do not fit are "
                        "counted in the next summary", self._inbox.bound)

    def _connect(self) -> None:
        self._tried = time.monotonic()
        client = self._client_factory()
        try:
            client.open()
        except NotificationsUnavailable as exc:
            self._unavailable(str(exc))
            return
        self._client = client
        self.desktop = True
        self._told_unavailable = False  # a later outage is told again, once
        log.info("desktop notifications through %s%s", client.server,
                 "" if client.supports_actions else " (no buttons: the server has no actions)")
        if client.supports_actions:
            thread = threading.Thread(target=self._action_loop, args=(client,),
                                      name="tickwork-notify-actions", daemon=True)
            thread.start()
            self._threads.append(thread)

    def _unavailable(self, why: str) -> None:
        self.desktop = False
        if not self._told_unavailable:
            self._told_unavailable = True
            log.info("cannot send desktop notifications: %s (failures are still logged, "
                        "and listed in the window when it is open)", why)

    def _show(self, note: Notification, replaces: int = 0) -> int | None:
        """A bubble for `note`, in place of `replaces` (0: none); its id, None if none."""
        client = self._client
        if client is None:
            return None
        actions = [a for a in ACTIONS if (a[0] != "retry" or note.task_id is not None)
                   and (a[0] == "retry" or note.run_id is not None)]
        with self._showing:
            try:
                shown = client.notify(note.title, note.message, actions,
                                      urgency="critical" if note.kind in ("failure", "store")
                                      else "normal", replaces=replaces)
            except NotificationsUnavailable as exc:
                self._client = None
                client.close()
                self._unavailable(str(exc))
                return None
            self._shown[shown.id] = (note, shown.server)
            while len(self._shown) > REMEMBERED:
                self._shown.popitem(last=False)
        return shown.id

    def _bubble_of(self, note: Notification) -> int:
        """The bubble `note` takes the place of (a fallback's sequel: its failure's), 0 for
        none: the failure's bubble, still on the screen, would contradict it."""
        if note.replaces is not None:
            for notification_id, (shown, _server) in reversed(self._shown.items()):
                if (shown.kind == "failure" and shown.run_id == note.replaces
                        and shown.task_id == note.task_id):  # (a storm's summary: no task)
                    return notification_id
        return 0

    def _tell_orphan(self, event: RunChanged, now: float) -> None:
        """A run found interrupted at start-up, told as any failure is: on the hub, so the
        window's list (and its tray, when no bubble is ours) hears it as well, and back here
        through `on_event` for the bubble; directly once the hub is no longer heard."""
        note = self._orphan_note(event)
        if note is None:
            return
        if self._inbox.closed:  # stopping: unsubscribed, the hub would not bring it back
            self._offer(note, now)
        else:
            self.hub.emit(note)

    def _orphan_note(self, event: RunChanged) -> Notification | None:
        """A run the last engine left interrupted: a failure, unless a retry follows."""
        from app.store import task_queries

        with self.store.read():
            task = next(iter(task_queries.by_ids([event.task_id])), None)
        if task is None or notify_mode(_flags(task.spec)) not in ("failure", "always"):
            return None
        if should_retry("interrupted", event.attempt, task.spec.retries):
            return None
        return Notification("failure", f"{event.task_name} interrupted",
                            f"run {event.run_id}: the engine died while it ran",
                            event.run_id, event.task_id, task=event.task_name)

    # -- the actions' thread -----------------------------------------------------------

    def _action_loop(self, client: DesktopNotifications) -> None:
        while True:
            clicked = client.actions(None)
            if clicked is None:
                return
            try:
                self._act(clicked)
            except Exception:  # a listener's rule: log it, keep listening
                log.exception("acting on %s failed", clicked)

    def _act(self, clicked: ActionInvoked) -> None:
        # the server may send the click before its reply to Notify has told `_show` the id
        # (it shows the bubble, then answers): wait for a Notify in flight to be remembered
        with self._showing:
            note, server = self._shown.get(clicked.notification_id, (None, ""))
        if note is None:
            return  # another program's notification, or one too old to remember
        if clicked.sender != server:
            if not self._told_forged:  # once: a program sending many would fill the log
                self._told_forged = True
                log.warning("ignored a click on notification %d sent by %s, not by the "
                            "notification server (%s)", clicked.notification_id,
                            clicked.sender or "an unnamed sender", server)
            return
        if clicked.action == "retry" and note.task_id is not None:
            self.retry(note.task_id)
        elif clicked.action in ("open", "default") and note.run_id is not None:
            self.open_run(note.run_id)

    def retry(self, task_id: int) -> None:
        """A manual run of the task, through the service (audited), started at once."""
        from app.service import Service

        service = Service(self.store, "engine")
        if self._on_service_change is not None:
            service.subscribe(self._on_service_change)
        try:
            run = service.run_now(task_id)
        except TickworkError as exc:  # deleted since, or the store cannot be written
            log.warning("cannot retry task %d from a desktop notification: %s", task_id, exc)
            return
        log.info("retry of %s asked from a desktop notification: run %d", run.task_name,
                 run.id)

    def launch_window(self, run_id: int) -> None:
        """Open log from a headless engine: start the window at that run."""
        from app import platform

        argv = [*platform.tickwork_argv(), "--home", str(self.store.home),
                "--show-run", str(run_id)]
        log.info("opening the window at run %d", run_id)
        self._windows = [w for w in self._windows if w.poll() is None]  # reap closed ones
        try:
            self._windows.append(subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, start_new_session=True))
        except OSError as exc:
            log.warning("cannot open the window at run %d: %s", run_id, exc)


def _flags(spec: Any) -> dict[str, bool]:
    return {"on_failure": spec.notify_on_failure, "on_success": spec.notify_on_success}
