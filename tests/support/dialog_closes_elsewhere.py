"""A Tickwork window on a real X server whose Settings close by themselves after the person
has gone to another application (`python -m tests.support.dialog_closes_elsewhere HOME
XID`: XID is that application's window). Prints one JSON line: the X window that has the
keyboard a second after, and whether a Tickwork window is active. Used by
tests/platform/test_focus_not_taken.py."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.gui.qt import QApplication, QGuiApplication


def _until(app: Any, check: Callable[[], Any], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"never: {what}")
        app.processEvents()
        time.sleep(0.01)


def _x_focus() -> str:
    """The X window that has the keyboard, as the X server says."""
    return subprocess.run(["xdotool", "getwindowfocus"], capture_output=True, text=True,
                          timeout=10).stdout.strip()


def main(home: Path, other: str) -> None:
    from app.gui.main_window import MainWindow
    from app.gui.session import Session
    from app.gui.widgets.focus_back import FocusBack
    from app.service import Service
    from app.store.database import Store

    app = QApplication([sys.argv[0]])
    FocusBack.install(app)  # as app/gui/bootstrap.py does
    store = Store.open(home, actor="gui")
    session = Session(store, Service(store, "gui"), None)
    window = MainWindow(session)
    window.show()
    window.activateWindow()
    session.start()
    _until(app, lambda: QApplication.activeWindow() is window, "the window active")
    window.menus.settings.trigger()
    _until(app, lambda: getattr(window, "settings_dialog", None) is not None
           and window.settings_dialog.loaded
           and QApplication.activeWindow() is window.settings_dialog, "the Settings active")
    # and settled: Qt makes a modal dialog active as it shows, before the X server moves the
    # keyboard to it; when the window it blocks then loses the keyboard, Qt asks the window
    # manager to activate the dialog. Had the person gone elsewhere before Qt took in that
    # loss, the request went out after they had, and openbox gave the dialog the keyboard
    # back ("never: the keyboard elsewhere", 1 run in 50 under load; seen in openbox's focus
    # log). So: the X server's keyboard on the dialog, then every X event taken in.
    dialog = str(int(window.settings_dialog.winId()))
    _until(app, lambda: _x_focus() == dialog, "the X server's keyboard on the Settings")
    QGuiApplication.sync()
    subprocess.run(["xdotool", "windowactivate", other], check=False, timeout=10)
    subprocess.run(["xdotool", "windowfocus", other], check=True, timeout=10)
    _until(app, lambda: QGuiApplication.focusWindow() is None, "the keyboard elsewhere")
    window.settings_dialog.reject()  # (as a dialog closed by the program, not the person)
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    print(json.dumps({"x_focus": _x_focus(), "active": QApplication.activeWindow() is not None}),
          flush=True)
    window.quitting = True
    window.close()
    session.stop(5)
    store.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
