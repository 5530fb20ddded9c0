"""What quitting the window does to scheduling: the question asked, and the hand-over.

The engine runs in the window's process, so quitting stops scheduling. Quit (Ctrl+Q, the
tray's Quit, or closing the window where there is no tray) therefore asks, when something
is scheduled or running, with buttons that say what they do:

- *Keep scheduling in the background*: this window's engine stops, a detached
  `tickwork engine` is started on the same home (its own session, output to `engine.log`,
  0600) and takes the engine lock; the window says which process now schedules, or that it
  did not start, before it closes. Opening Tickwork again shows that engine as a viewer.
  With runs going (a run cannot move from one process to another), the window says so and
  closes at once, and this process goes on — scheduling, running what goes — until nothing
  runs, then hands over as above (a look every `FINISH_POLL_MS`); an engine standing by by
  then takes over by itself; a hand-over that fails shows the window again to say so. The
  window shown again meanwhile (the tray's icon) keeps its engine: nothing is handed over;
  the tray's Quit meanwhile shows it again and asks again.
- *Quit and stop scheduling*: says how many scheduled tasks will not run and which one was
  due next.
- *Cancel*.

The question follows the engine while it is open without moving its buttons
(app/gui/window/quit_question.py).

When another engine on this computer stands by for the store (a second window, a viewer,
or a `tickwork engine` started meanwhile: it holds `engine.standby`, app/store/lock.py),
quitting stops no scheduling: that engine takes over within a second. The question then
asks only when runs are going, says who takes over and what becomes of those runs, and
offers Quit and Cancel. On a shared PostgreSQL store nobody can tell, so it says "unless
another engine of this store takes over".

A window that is a viewer of another engine stops nothing by quitting, and does not ask.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import app
from app import platform
from app.engine.engine import Engine
from app.gui.qt import QMessageBox, QObject, QTimer, QWidget
from app.gui.session import Session
from app.gui.widgets import display
from app.gui.window.quit_question import (
    BACKGROUND,
    BUTTONS,
    CANCEL,
    STOP,
    Scheduled,
    ask,
    question_text,
    read_scheduled,
    the_rest,
)
from app.store.lock import EngineLock
from app.store.runs import states as run_states

QUIT_GRACE = 5.0  # seconds running attempts get when the window's engine stops
ENGINE_LOG = "engine.log"
TAKEOVER_TIMEOUT = 20.0  # seconds a background engine gets to start and take the lock
FINISH_POLL_MS = 250  # with runs going, how often the closed window's process looks whether
# nothing runs any more, to hand over then
__all__ = ["BACKGROUND", "BUTTONS", "CANCEL", "STOP", "Scheduled", "ask", "question_text",
           "read_scheduled"]

@dataclass(frozen=True)
class Handover:
    """How the hand-over went: the background engine's pid and log, and whether it holds
    the store now (else `detail` says why not); how many runs the stop interrupted and how
    many of those are retried (a run that ended in the grace was not interrupted)."""

    process: subprocess.Popen[bytes]
    log: Path
    took_over: bool
    detail: str = ""
    interrupted: int = 0
    retried: int = 0

    @property
    def pid(self) -> int:
        return self.process.pid


def start_engine(home: Path) -> subprocess.Popen[bytes]:
    """`tickwork engine --home HOME`, detached: its own session, output to engine.log."""
    log = home / ENGINE_LOG
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        env = dict(os.environ)
        source = str(Path(app.__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (source, env.get("PYTHONPATH")) if p)
        env.pop("QT_QPA_PLATFORM", None)  # a headless engine needs no display
        return subprocess.Popen(
            [*platform.tickwork_argv(), "--home", str(home), "engine"],
            stdin=subprocess.DEVNULL, stdout=fd, stderr=fd, cwd=str(home), env=env,
            start_new_session=True, close_fds=True)
    finally:
        os.close(fd)


def wait_for_takeover(home: Path, process: subprocess.Popen[bytes], timeout: float,
                      sleep: Callable[[float], None] = time.sleep) -> bool:
    """True once `process` holds the engine lock; False if it exits or the time runs out."""
    lock = EngineLock(home)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        holder = lock.holder() or {}
        if holder.get("pid") == process.pid:
            return True
        if process.poll() is not None:
            return False
        sleep(0.1)
    return False


def last_line(path: Path) -> str:
    try:
        lines = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return lines[-1] if lines else ""


def hand_over(engine: Engine, grace: float, timeout: float = TAKEOVER_TIMEOUT) -> Handover:
    """Stop this engine (releasing the lock), start a detached one, and see it take over.

    Blocks for up to `grace` + `timeout` seconds: run it off the GUI thread.
    """
    home = engine.home
    going = engine.retried_if_stopped()
    engine.stop(grace)
    with engine.store.read():
        cut = [state[0] for state in run_states(set(going)) if state[1] == "interrupted"]
    retried = sum(going[run_id] for run_id in cut)
    process = start_engine(home)
    log = home / ENGINE_LOG
    if wait_for_takeover(home, process, timeout):
        return Handover(process, log, True, interrupted=len(cut), retried=retried)
    code = process.poll()
    detail = (f"it exited with status {code}" if code is not None
              else f"it did not take the store within {timeout:.0f} s")
    line = last_line(log)
    return Handover(process, log, False, f"{detail}{': ' + line if line else ''}",
                    interrupted=len(cut), retried=retried)


def interrupted(running: int, retried: int) -> str:
    """What the hand-over did to the runs that were going (`retried` had retries left)."""
    if not running:
        return ""
    one = running == 1
    said = (f"{'The run' if one else f'The {running} runs'} still going "
            f"{'was' if one else 'were'} interrupted")
    if retried == running:
        return f"{said}: the background engine retries {'it' if one else 'them'}. "
    if retried == 0:
        return f"{said} and not run again: no retries left. "
    return f"{said}: the background engine retries {retried} of them, " \
        f"{the_rest(running - retried, 'had')}. "


def say_handed_over(parent: QWidget, handover: Handover, scheduled: Scheduled) -> None:
    """Tell the person who schedules their tasks now (or that nothing does), and what became
    of the runs the stop interrupted."""
    if handover.took_over:
        box = QMessageBox(
            QMessageBox.Icon.Information, "Tickwork keeps scheduling",
            f"A background engine (process {handover.pid}) now runs "
            + (f"{display.plural(scheduled.count, 'scheduled task')} on time"
               if scheduled.count else "your tasks") + " while the window is closed.",
            QMessageBox.StandardButton.Ok, parent)
        box.setInformativeText(f"{interrupted(handover.interrupted, handover.retried)}"
                               f"Its log is {handover.log}. "
                               "Open Tickwork again to see what it runs; the window then "
                               "shows that engine's work.")
    else:
        box = QMessageBox(
            QMessageBox.Icon.Warning, "The background engine did not start",
            f"The background engine did not start: {handover.detail}.",
            QMessageBox.StandardButton.Ok, parent)
        box.setInformativeText(f"Nothing is scheduling your tasks now. Open Tickwork again "
                               f"to schedule them; the log is {handover.log}.")
    box.exec()


def say_finishing_first(parent: QWidget, running: int, pid: int) -> None:
    """Runs are going as the person keeps scheduling in the background: the window closes,
    and this process goes on until they end."""
    one = running == 1
    box = QMessageBox(
        QMessageBox.Icon.Information, "Tickwork keeps scheduling",
        f"The window closes; {'the run' if one else f'the {running} runs'} still going "
        f"{'goes' if one else 'go'} on to {'its' if one else 'their'} end in this process "
        f"({pid}), which keeps your tasks on time meanwhile.",
        QMessageBox.StandardButton.Ok, parent)
    box.setInformativeText("Once nothing runs, a background engine takes over and this "
                           "process ends. Open Tickwork again to see what runs.")
    box.exec()


class QuitFlow(QObject):
    """One window's way out: read what would stop, ask, then stop or hand over, then close
    the window for good. The window lends its question (`ask`, so tests can answer it), its
    status line (`say`) and its last step (`close`)."""

    def __init__(self, session: Session, window: QWidget,
                 ask: Callable[[int, Scheduled, int], str],
                 say: Callable[[str], None], close: Callable[[], None]) -> None:
        super().__init__(window)
        self.window = window
        self.session = session
        self.ask = ask
        self.say = say
        self.close = close
        self.asking = False  # from the question until the window closes or stays: one at a time
        self.handover: Handover | None = None
        self.finishing: QTimer | None = None  # runs going: a look every FINISH_POLL_MS

    def start(self) -> None:
        if self.finishing is not None:  # Quit again (the tray's) while runs end behind the
            self._stop_finishing()  # closed window: it comes back and asks again (the
            self.asking = False  # first Quit is no longer in hand; Quit did nothing)
            self.window.show()
            self.window.raise_()
        if self.asking:
            return
        if self.session.mode != "running":  # a viewer (or no engine here): nothing stops
            self.close()
            return
        self.asking = True
        service = self.session.service
        lock = self.session.engine.lock if self.session.engine is not None else None

        def failed(error: BaseException) -> None:
            self.asking = False
            self.session.background.report("Cannot read the schedule", error)

        self.session.background.run(lambda: read_scheduled(service, lock),
                                    self._on_scheduled_read,
                                    failed, owner=self)

    def _on_scheduled_read(self, scheduled: Scheduled) -> None:
        running = self.session.running_count() or 0
        retried = self.session.running_retried() or 0
        asks = running or (scheduled.count and not scheduled.taken_over)
        choice = self.ask(running, scheduled, retried) if asks else STOP
        self.asking = False
        if choice == STOP:
            self.close()
        elif choice == BACKGROUND:
            self._hand_over(scheduled)

    def _hand_over(self, scheduled: Scheduled) -> None:
        engine = self.session.engine
        if engine is None or self.session.mode != "running":
            self.close()
            return
        if self.session.running_count():
            self._finish_first(scheduled)
            return
        self._run_hand_over(engine, scheduled)

    def _run_hand_over(self, engine: Engine, scheduled: Scheduled) -> None:
        """Stop this engine and start a detached one (off the GUI thread), then say who
        schedules and close; a window its runs ended behind (`_finish_first`) says only a
        failure, shown again to say it."""
        window = self.window
        behind = not window.isVisible()
        self.say("Handing over to a background engine…")
        self.session.handing_over = True
        window.setEnabled(False)
        self.asking = True  # a second Quit meanwhile waits for this one

        def done(handover: Handover) -> None:
            self.handover = handover
            if not (behind and handover.took_over):  # (nothing schedules: it says so)
                window.show()
                say_handed_over(window, handover, scheduled)
            self.close()

        def failed(error: BaseException) -> None:
            self.asking = False
            self.session.handing_over = False
            window.show()
            window.setEnabled(True)
            self.session.background.report("Cannot hand over to a background engine", error)

        self.session.background.run(lambda: hand_over(engine, QUIT_GRACE), done, failed,
                                    owner=self)

    def _finish_first(self, scheduled: Scheduled) -> None:
        """Runs are going: say so and close the window; this process goes on scheduling,
        and hands over once nothing runs (`_on_finishing`). The window shown again (the
        tray) is the person changing their mind: nothing is handed over."""
        running = self.session.running_count() or 0
        say_finishing_first(self.window, running, os.getpid())
        self.asking = True
        self.window.hide()
        self.finishing = QTimer(self)
        self.finishing.setInterval(FINISH_POLL_MS)
        self.finishing.timeout.connect(lambda: self._on_finishing(scheduled))
        self.finishing.start()

    def _on_finishing(self, scheduled: Scheduled) -> None:
        engine = self.session.engine
        if self.window.isVisible():  # shown again: it stays, as before the Quit
            self._stop_finishing()
            self.asking = False
            return
        if engine is None or self.session.mode != "running":  # stopped meanwhile: no one
            self._stop_finishing()                             # to hand over from
            self.close()
            return
        if self.session.running_count():
            return
        self._stop_finishing()
        if engine.lock.standing_by():  # an engine opened since takes over by itself
            self.close()
            return
        self._run_hand_over(engine, scheduled)

    def _stop_finishing(self) -> None:
        if self.finishing is not None:
            self.finishing.stop()
            self.finishing = None
