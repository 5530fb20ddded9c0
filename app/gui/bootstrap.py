"""Start-up, in order: the application, the store, the service, the engine, the window.

`tickwork [--home DIR]` and `python main.py [--home DIR]` come here (through the CLI);
`tickwork-gui` too. A store that cannot be opened (corrupt, newer schema, unreadable) is
explained in a message box and the exit status is 1. When the window's event loop ends,
the engine is stopped cleanly (running attempts get a grace period) and the store closed.
SIGTERM, SIGINT and SIGHUP (a logout, `kill`, Ctrl+C in the terminal it was started from,
or that terminal closed) end the event loop the same way, without asking
(`QuitOnSignals`): the process used to die on the spot, its engine's runs left for the
next start's recovery.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import socket
import sys
from pathlib import Path
from typing import Any, NamedTuple

from app.core.errors import StoreError, TickworkError, ValidationError
from app.engine.log import log_to_stderr
from app.platform.display import release_display, require_window

log = logging.getLogger("tickwork.gui")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="tickwork", description="Tickwork's window.")
    parser.add_argument("--home", help="data directory (default: $TICKWORK_HOME or the "
                                       "platform's per-user data directory)")
    parser.add_argument("--store", metavar="URL",
                        help="a shared PostgreSQL store (default: $TICKWORK_STORE, else the "
                             "home's remembered choice, else the SQLite file in the home)")
    parser.add_argument("--no-engine", action="store_true",
                        help="open the window without running an engine in it")
    parser.add_argument("--minimized", "--tray", dest="minimized", action="store_true",
                        help="start hidden with the tray icon (start at login)")
    parser.add_argument("--show-run", type=int, metavar="RUN",
                        help="open at this run (a desktop notification's Open log)")
    parser.add_argument("--new-home", action="store_true",
                        help="make a new, empty store where an engine kept one and it is "
                             "gone, without asking")
    args, _qt_args = parser.parse_known_args(argv)
    return args


# Qt messages that say nothing to a user: the offscreen platform cannot size windows.
QUIET = ("This plugin does not support propagateSizeHints()",
         "This plugin does not support raise()")


def install_qt_log_handler() -> None:
    """Send Qt's own messages to logging (dropping known platform noise)."""
    from app.gui.qt import QtMsgType, qInstallMessageHandler

    qt_log = logging.getLogger("qt")
    levels = {QtMsgType.QtDebugMsg: logging.DEBUG, QtMsgType.QtInfoMsg: logging.INFO,
              QtMsgType.QtWarningMsg: logging.WARNING, QtMsgType.QtCriticalMsg: logging.ERROR,
              QtMsgType.QtFatalMsg: logging.CRITICAL}

    def handler(kind: QtMsgType, _context: object, message: str) -> None:
        if message in QUIET:
            return
        qt_log.log(levels.get(kind, logging.WARNING), "%s", message)

    qInstallMessageHandler(handler)


class QuitOnSignals:
    """SIGTERM, SIGINT and SIGHUP (its terminal closed) end the application's event loops
    without asking, then the engine stops as after Quit (`received` says one came: a signal
    before the loop runs, or between two windows, must not be lost — Qt forgets an exit
    asked for while no loop ran). Qt's
    loop runs no Python until something wakes it: the signal's number is written to a
    socket Qt watches (`signal.set_wakeup_fd`), so the handler runs at once. After the
    first, a second signal has its default effect (a stop that hangs can still be ended);
    a signal the process was started ignoring stays ignored. `restore` puts back what was."""

    def __init__(self, app: Any) -> None:
        from app.gui.qt import QSocketNotifier

        self.app = app
        self.received = False
        self._ours, self._theirs = socket.socketpair()
        for end in (self._ours, self._theirs):
            end.setblocking(False)
        self._notifier = QSocketNotifier(self._ours.fileno(), QSocketNotifier.Type.Read, app)
        self._notifier.activated.connect(self._drain)
        self._wakeup = signal.set_wakeup_fd(self._theirs.fileno(), warn_on_full_buffer=False)
        self._before = {signum: signal.signal(signum, self._on_signal)
                        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
                        if signal.getsignal(signum) is not signal.SIG_IGN}

    def _drain(self) -> None:
        with contextlib.suppress(OSError):
            self._ours.recv(64)
        if self.received:  # (its handler may have run just before a loop began)
            self.app.exit(0)

    def _on_signal(self, signum: int, _frame: object) -> None:
        log.info("received %s: quitting", signal.Signals(signum).name)
        self.received = True
        for again in self._before:
            signal.signal(again, signal.default_int_handler if again == signal.SIGINT
                          else signal.SIG_DFL)
        self.app.exit(0)  # every event loop running, a dialog's too (none: `received`)

    def restore(self) -> None:
        for signum, handler in self._before.items():
            signal.signal(signum, handler)
        signal.set_wakeup_fd(self._wakeup)
        self._notifier.setEnabled(False)
        self._notifier.deleteLater()
        self._ours.close()
        self._theirs.close()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(list(sys.argv[1:] if argv is None else argv))
    require_window()  # one line and exit 1 where Qt would abort (missing xcb libraries)
    log_to_stderr()  # (controls in a record shown escaped: app/engine/log.py)
    from app.gui.qt import QApplication
    from app.gui.settings import appearance
    from app.gui.widgets import icons
    from app.gui.widgets.focus_back import FocusBack

    install_qt_log_handler()
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "tickwork"])
    assert isinstance(app, QApplication)
    release_display()  # Qt holds its own connection now (see app/platform/display.py)
    app.setApplicationName(appearance.APPLICATION)
    app.setOrganizationName(appearance.ORGANISATION)
    app.setApplicationDisplayName("Tickwork")
    app.setDesktopFileName("tickwork")
    app.setWindowIcon(icons.app_icon())
    app.setQuitOnLastWindowClosed(False)  # closing to the tray must not end the engine
    FocusBack.install(app)  # a closed dialog's keys go back to its window, for every dialog
    appearance.apply(app, str(appearance.settings().value("appearance", "system")))
    signals = QuitOnSignals(app)
    try:
        return _windows(app, args, signals)
    finally:
        signals.restore()


def _windows(app: Any, args: argparse.Namespace, signals: QuitOnSignals) -> int:
    """The window, opened anew after each File → Connect to a shared store… and after a
    backup restored (File → Restore…), when the person chose to open it again."""
    from app.engine.environment import check_engine
    from app.gui.qt import QMessageBox
    from app.store.home import resolve_home
    from app.store.location import resolve_store

    # (`tickwork-gui`, the desktop's launcher, has no terminal to say these in)
    try:  # the variables its engine reads, as `tickwork` looks at them before Qt starts
        check_engine(os.environ)
    except ValidationError as exc:
        QMessageBox.critical(None, "Tickwork cannot start", str(exc))
        return 2
    try:
        home = resolve_home(args.home)
        url = resolve_store(args.store, home)
    except (StoreError, TickworkError) as exc:
        QMessageBox.critical(None, "Tickwork cannot open its data", str(exc))
        return 1
    while not signals.received:  # File → Connect to a shared store… closes the window and
        opened = _open_window(app, args, home, url, signals)  # opens it anew
        if isinstance(opened, int):
            return opened
        code, chosen = opened
        if chosen is None:
            return code
        url = chosen.url
        args.minimized = False
        args.show_run = None
    return 0


def _open_window(app: Any, args: argparse.Namespace, home: Path, url: str | None,
                 signals: QuitOnSignals) -> int | tuple[int, Any]:
    """The window over one store until it closes: its exit status (1: the store could not
    be opened), with the store the person chose to connect to instead, if they did. After
    a signal, no question: what is done is done, the rest said in the log."""
    from app.engine.engine import Engine
    from app.gui.main_window import MainWindow
    from app.gui.qt import QMessageBox
    from app.gui.session import Session
    from app.gui.window.quitting import QUIT_GRACE
    from app.service import Service
    from app.store import kept_homes
    from app.store.database import Store
    from app.store.home import HOME_VAR, home_named_by

    named_by = home_named_by(args.home)  # (how to name another home says it as they did)
    try:
        if url is None and not args.new_home and kept_homes.gone(home) is not None:
            if args.minimized:  # at login nobody is there to see a new empty home made
                raise StoreError(kept_homes.missing(home, "Tickwork", named_by) or "")
            if not start_afresh(home, signals, named_by):
                return 1
        store = Store.open(home, actor="gui", check=not args.no_engine,  # quick_check
                           url=url)
    except (StoreError, OSError) as exc:
        message = str(exc) if isinstance(exc, TickworkError) else f"{home}: {exc}"
        log.error("cannot open the store: %s", message)
        if not signals.received:
            QMessageBox.critical(
                None, "Tickwork cannot open its data",
                f"{message}\n\nNothing was changed. Check the folder or the server, or start "
                "Tickwork with another one ("
                + (f"{HOME_VAR}=DIR tickwork" if named_by == HOME_VAR else "tickwork --home DIR")
                + ", tickwork settings --shared-store off).")
        return 1
    service = Service(store, "gui")
    engine = None if args.no_engine else Engine(store)
    session = Session(store, service, engine)
    window = MainWindow(session)
    window.quit_requested.connect(app.quit)
    if args.minimized and window.tray.available:  # start at login: only the tray icon
        log.info("started minimised to the tray")
    else:  # no tray to come back from: a hidden window could never be reached
        window.show()
    if args.show_run:
        window.open_run(args.show_run)
    session.start()
    code = 0 if signals.received else app.exec()
    window.save_settings()
    session.stop(QUIT_GRACE)
    store.close()
    window.tray.hide()
    window.deleteLater()
    if window.store_ops.restore_file is not None:
        restored = _restore(home, window.store_ops.restore_file, say=not signals.received,
                            trusted=window.store_ops.restore_trusted)
        return restored if restored is not None else (0, Reopen(url))
    return int(code), window.store_ops.connect_to


class Reopen(NamedTuple):
    """The window to open again over the same store (a backup restored into it)."""

    url: str | None


def start_afresh(home: Path, signals: QuitOnSignals, named_by: str | None = "--home") -> bool:
    """The person's choice, for a home an engine kept a store in and gone (moved, deleted,
    or on a drive not mounted yet): a new, empty home in its place, or quit (the default).
    `named_by`: how the home was named (`home.home_named_by`), as the question names it."""
    from app.gui.qt import QMessageBox
    from app.store import kept_homes
    from app.store.home_naming import naming

    what = kept_homes.gone(home)
    if what is None or signals.received:
        return what is None
    box = QMessageBox(QMessageBox.Icon.Warning, "Tickwork's data is not there",
                      f"{what[0].upper()}{what[1:]}: moved or deleted, or on a drive not "
                      "mounted yet? An engine kept its tasks there.")
    box.setInformativeText(f"Put it back and open Tickwork again, or open it with "
                           f"{naming(named_by).replace('`', '')} naming where it "
                           "went. Start afresh makes a new, empty home in its place.")
    afresh = box.addButton("Start &afresh", QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(box.addButton("&Quit", QMessageBox.ButtonRole.RejectRole))
    box.exec()
    if box.clickedButton() is not afresh:
        log.info("not opened: %s (the person chose to quit)", what)
        return False
    log.warning("%s: a new, empty home made in its place, as the person chose", what)
    return True


def _restore(home: Path, file: Path, say: bool = True, trusted: bool = False) -> int | None:
    """File → Restore…, once the engine and the store are closed (see store_actions); the
    outcome in a message box when `say`, in the log always, and the exit status — or None
    when the person chose to open Tickwork again, over the store restored (the box said
    "Start Tickwork again to continue", and a person found the window gone). `trusted`: a
    file of another user, the person having gone on."""
    from app.gui.qt import QMessageBox
    from app.gui.window.store_actions import restored_words
    from app.restore import restore_store

    try:
        restored = restore_store(home, file, actor="gui", trust_owner=trusted)
    except (StoreError, OSError) as exc:
        log.error("restore of %s failed: %s", file, exc)
        if say:
            QMessageBox.critical(None, "Tickwork could not restore the backup", str(exc))
        return 1
    said = restored.sentences()
    log.info("%s", "; ".join(said))
    if say and restored.signalled is None:  # (a signal held through it: no question after it)
        what, where = restored_words(restored)
        box = QMessageBox(QMessageBox.Icon.Information, "Backup restored", what)
        box.setInformativeText(where)
        again = box.addButton("&Open Tickwork", QMessageBox.ButtonRole.AcceptRole)
        box.setEscapeButton(box.addButton("&Quit", QMessageBox.ButtonRole.RejectRole))
        box.setDefaultButton(again)
        box.exec()
        if box.clickedButton() is again:
            log.info("opened again over the store restored, as the person chose")
            return None
    return 0


if __name__ == "__main__":
    sys.exit(main())
