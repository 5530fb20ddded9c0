"""What one window works with: the store, the service, the engine, and how they are wired.

The engine is started off the GUI thread (its recovery reads the store) and reports its
state through the bridge. It is either *running* (this process fires tasks) or on
*standby*: another engine holds the store, this window is a viewer of it that still edits
tasks through the store, and the engine takes over by itself when the other one stops.
On a shared PostgreSQL store the detail says who leads, where and since when (the engine
reads it off the GUI thread, app/engine/leadership.py), and a running engine's detail says
since when it leads.

A store that cannot be opened any more (its data home moved or deleted under the window, or
a folder in place of its file) is said once by the background (`Background.store_lost`);
from then the session reads it again every `AWAY_RETRY_MS`, and once a read works the views
read it all again (`outside_change`) and the window goes on as before. This window's engine,
which stopped itself when its home went (app/engine/watcher.py), is started again then, a new
one in its place (`Engine.again`) once the old one's stop is over: as any engine it leads the
store, or waits as a standby if another engine took it meanwhile, so nothing runs twice (a
viewer's engine on standby takes over by itself, once the other engine has gone). It stayed
stopped, the status bar saying to reopen Tickwork to schedule; an engine stopped for another
fault of its store (damaged, a `-wal` deleted) still does.

Once stopped (its window closed), the session looks no more: it went on every few seconds
for as long as the process lived (File → Connect to a shared store… opens the next window in
the same process), read the store opened since through the process's one database, took it
for its own come back, and started its engine again beside the next window's.

Signals:
    mode_changed(str, str): starting | running | standby | stopped, and a detail.
    outside_change(): another connection committed and no engine of this window reports
        it (a viewer, or no engine here): the views re-read what they show. With this
        window's engine running, its events say what changed.
"""

from __future__ import annotations

import contextlib
import logging

from app.engine.engine import Engine
from app.gui.background import Background
from app.gui.bridge import Bridge
from app.gui.collector import collect_on_gui_thread
from app.gui.qt import QObject, QTimer, Signal
from app.service import Service
from app.store import kept_homes, task_queries
from app.store.database import Store
from app.store.integrity import StoreGone

log = logging.getLogger(__name__)

POLL_RUNNING_MS = 1500
POLL_VIEWER_MS = 500
AWAY_RETRY_MS = 5000  # how often a store that cannot be opened is tried again


HANDING_OVER = "handing over to a background engine"


class Session(QObject):
    mode_changed = Signal(str, str)
    outside_change = Signal()

    def __init__(self, store: Store, service: Service, engine: Engine | None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        collect_on_gui_thread()  # the engine's threads must never free a widget
        self.store = store
        self.service = service
        self.engine = engine
        self.bridge = Bridge(self)
        self.background = Background(self)
        self.mode = "starting" if engine is not None else "stopped"
        self.handing_over = False  # Quit → "Keep scheduling in the background" is stopping it
        self.detail = ""
        self.secrets_available: bool | None = None
        service.subscribe(self.bridge.on_service_change)
        if engine is not None:
            service.subscribe(engine.on_service_change)
            engine.subscribe(self.bridge.on_engine_event)
        self.bridge.engine_state_changed.connect(self._on_bridge_engine_state_changed)
        self.bridge.store_changed.connect(self._on_bridge_store_changed)
        self.bridge.watch_store(store, POLL_RUNNING_MS)
        self._retry = QTimer(self)
        self._retry.setInterval(AWAY_RETRY_MS)
        self._retry.timeout.connect(self._on_retry_timeout)
        self._trying = False
        self.stopped = False  # `stop` was called: nothing more is read or started
        self.engine_again = False  # the store's return started this window's engine again
        self.background.store_away.connect(self._on_background_store_away)

    def start(self) -> None:
        """Start the engine (off the GUI thread) and find out about the keyring."""
        from app.secrets import Keyring

        self.background.run(lambda: Keyring.backend_name() is not None,
                            self._on_keyring_checked, title="Cannot check the keyring")
        if self.engine is None:
            self._set_mode("stopped", "no engine in this window")
            return
        engine, store = self.engine, self.store

        def start() -> str:
            kept_homes.note(store.home, shared=store.url is not None)  # (`tickwork engine`
            # makes no new store where it was)
            return engine.start()

        self.background.run(start, self._on_engine_started, title="The engine could not start")

    def _on_keyring_checked(self, available: bool) -> None:
        self.secrets_available = available

    def _on_engine_started(self, state: str) -> None:
        if state != self.mode:
            self._set_mode(state, self.engine_detail(state))

    def engine_detail(self, state: str, detail: str = "") -> str:
        """What the status bar says beside the engine's state; running, the engine's own
        words for its workers when it runs fewer than asked (too few open files)."""
        if self.engine is None:
            return ""
        engine = self.engine
        if state == "running":
            return "; ".join(words for words in (
                engine.leadership.leading_text() if self.store.url is not None else "",
                engine.workers_said if self.workers_short() else "") if words)
        if self.store.url is not None:  # a shared store: who leads, from the engine's words
            return detail or ("another engine leads" if state == "standby" else "")
        if state == "standby":
            holder = self.engine.lock.holder() or {}
            pid = holder.get("pid")
            return f"process {pid}" if pid else "running elsewhere"
        return ""

    def workers_short(self) -> bool:
        """Whether this window's engine runs fewer at once than asked (too few open files):
        a warning the status bar paints as one."""
        return self.engine is not None and self.engine.workers < self.engine.workers_asked

    def _on_bridge_engine_state_changed(self, state: str, detail: str) -> None:
        if state == "stopped" and self.handing_over:  # the window's Quit stopped it
            detail = HANDING_OVER
        self._set_mode(state, self.engine_detail(state, detail)
                       if state in ("standby", "running") else detail)
        if state == "stopped" and self.engine is not None and self.engine.home_went:
            self._on_retry_timeout()  # (its home may be back already, or never said gone)

    def _on_bridge_store_changed(self) -> None:
        if self.mode != "running":  # our engine's events say the rest
            self.outside_change.emit()

    def _on_background_store_away(self, line: str) -> None:
        if self.stopped:  # (a read that failed as the window closed: nobody is looking)
            return
        if line:
            self._retry.start()
        else:
            self._retry.stop()
            self.outside_change.emit()  # every view reads what it shows again

    def _on_retry_timeout(self) -> None:
        if self._trying or self.stopped:
            return
        self._trying = True
        store = self.store

        def probe() -> None:
            with store.read():
                task_queries.count_all()

        self.background.run(probe, self._on_probed, self._on_probe_failed, owner=self)

    def _on_probed(self, _result: object) -> None:
        self._trying = False
        if self.stopped:  # (a look that ended as the window closed)
            return
        self.engine_again = self._start_again()  # (first: the store's return says it)
        self.background.store_back()

    def _on_probe_failed(self, error: BaseException) -> None:
        self._trying = False
        if isinstance(error, StoreGone):  # (said once: still away, nothing new to say)
            self.background.store_lost(error)
        else:
            self.background.report("Cannot read the store", error)

    def _start_again(self) -> bool:
        """Once the store can be read, an engine that stopped itself because its home went
        is followed by a new one (after its own stop is over: never two); whether it was."""
        old = self.engine
        if old is None or self.mode != "stopped" or not old.home_went or self.handing_over:
            return False
        engine = self.engine = old.again()
        old.hub.unsubscribe(self.bridge.on_engine_event)
        with contextlib.suppress(ValueError):
            self.service.unsubscribe(old.on_service_change)
        self.service.subscribe(engine.on_service_change)
        engine.subscribe(self.bridge.on_engine_event)
        log.info("the data home %s is back: this window's engine starts again",
                 self.store.home)
        self._set_mode("starting", "")

        def start() -> str:
            old.stop()  # (waits for the stop it began itself when the home went)
            return engine.start()

        self.background.run(start, self._on_engine_started, title="The engine could not start")
        return True

    def _set_mode(self, mode: str, detail: str) -> None:
        self.mode, self.detail = mode, detail
        self.bridge.set_poll_interval(POLL_VIEWER_MS if mode == "standby" else POLL_RUNNING_MS)
        self.mode_changed.emit(mode, detail)

    @property
    def viewer(self) -> bool:
        return self.mode == "standby"

    def engine_notifies_desktop(self) -> bool:
        """This window's engine reaches the desktop's notification server itself (so the
        tray shows no second bubble)."""
        return self.engine is not None and self.engine.notifier.desktop

    def running_count(self) -> int | None:
        """Runs this process's engine is running now (None when it is not the active one)."""
        if self.engine is None or self.mode != "running":
            return None
        return self.engine.running_count()

    def running_retried(self) -> int | None:
        """Of those, the runs an engine's stop would have retried (None as above)."""
        if self.engine is None or self.mode != "running":
            return None
        return sum(self.engine.retried_if_stopped().values())

    def stop(self, grace: float = 10.0) -> None:
        """Stop the engine (letting runs finish for `grace` s) and wait for background work;
        a store that went away is looked for no more."""
        self.stopped = True
        self._retry.stop()
        self.background.close()  # (what it runs now is waited for below)
        self.bridge.stop()
        self.service.unsubscribe(self.bridge.on_service_change)
        if self.engine is not None:
            self.engine.hub.unsubscribe(self.bridge.on_engine_event)
            with contextlib.suppress(ValueError):
                self.service.unsubscribe(self.engine.on_service_change)
            self.background.wait(30_000)
            self.engine.stop(grace)
        self.background.wait(10_000)
