"""Engine → Take over from the background engine…: the window schedules again.

"Keep scheduling in the background" (quitting), the background service (Settings) or a
`tickwork engine` in a terminal leaves the store to an engine of its own, and a window opened
then is a viewer: it edits tasks, but scheduling stays with that process until it stops.
This action stops it from the window, the way its terminal or service manager would (a
graceful SIGTERM: its runs get their grace, runs cut off are `interrupted` and retried by
this window's engine), and the window's engine takes over as it does when that engine goes.

Only for this machine's engines on a home's SQLite store: the lock names the holder's host
and process; on another host (a home on a network share) the action says where it runs, and
on a shared PostgreSQL store standby engines are the design, so the action is not there.
The process is signalled only while it still holds the store (app/platform/processes.py:
`terminate_if`), so a process id reused meanwhile is never signalled.

Signals:
    message(str): one line for the status bar.
"""

from __future__ import annotations

import os

from app.engine.lineage import local_pid
from app.gui.qt import QAction, QMessageBox, QObject, QWidget, Signal
from app.gui.session import Session
from app.platform import service_unit
from app.platform.processes import terminate_if
from app.store.lock import EngineLock

TITLE = "Take over from the background engine?"


class TakeOver(QObject):
    message = Signal(str)

    def __init__(self, session: Session, window: QWidget) -> None:
        super().__init__(window)
        self.session = session
        self.window = window
        self.action = QAction("&Take over from the background engine…", self)
        self.action.triggered.connect(self.ask)
        session.mode_changed.connect(self._follow)
        self._follow(session.mode)

    def _follow(self, mode: str, _detail: str = "") -> None:
        self.action.setVisible(mode == "standby" and self.session.store.url is None)
        self.action.setStatusTip("Stop the engine that holds this store and schedule the "
                                 "tasks from this window")

    def _holder(self) -> tuple[int | None, str]:
        """The holding engine's process on this machine (None if it is elsewhere or gone),
        and how to name it."""
        info = EngineLock(self.session.store.home).holder() or {}
        engine, pid = str(info.get("engine") or ""), info.get("pid")
        if engine.count(":") >= 2 and local_pid(engine) is None:
            return None, f"the engine on {engine.rsplit(':', 2)[0]}"
        if type(pid) is not int or pid == os.getpid():  # gone, or this very process
            return None, "no engine"
        return pid, f"process {pid}"

    def ask(self) -> None:
        pid, who = self._holder()
        if pid is None:
            self.message.emit(f"Cannot take over: {who} holds this store; stop it there."
                              if who.startswith("the engine on") else
                              "No engine holds this store now: this window takes over itself.")
            return
        service = ("\n\nIt may be Tickwork's background service (Settings → Run the engine in "
                   "the background): that starts it again at your next login."
                   if service_unit.is_installed() else "")
        box = QMessageBox(
            QMessageBox.Icon.Question, TITLE,
            f"The background engine ({who}) stops as it does at a logout: runs it has going "
            "get its grace period to end (10 s unless it was started with --grace); runs cut "
            "off are interrupted and retried here as their retry policy allows.\n\nThis "
            f"window then schedules the tasks; quitting it asks again.{service}",
            parent=self.window)
        take = box.addButton("Take over", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(take)
        box.exec()
        if box.clickedButton() is take:
            self.stop(pid, who)

    def stop(self, pid: int, who: str) -> None:
        lock = EngineLock(self.session.store.home)
        if terminate_if(pid, lambda: lock.names(pid)):
            self.message.emit(f"Asked the background engine ({who}) to stop: this window "
                              "takes over once it has.")
        else:
            self.message.emit(f"Did not stop {who}: it is not the engine that holds this "
                              "store now (that engine has ended); this window takes over "
                              "when the store is free.")
