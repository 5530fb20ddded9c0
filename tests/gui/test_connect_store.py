"""File → Connect to a shared store…, as a person uses it: a mistyped URL and an unreachable
server are said inline under the field and nothing is remembered; a server that answers is
remembered in the home (0600) and the window closes to open anew on it; a window on the
shared store has Back up / Restore disabled and its tasks are the ones another home's CLI
sees on that server; "Use this machine's store" forgets it. Real PostgreSQL (the tests'
own server), real windows offscreen, the real CLI as a subprocess."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.gui.qt import QApplication, Qt, QTimer
from tests.conftest import ROOT
from tests.gui.conftest import SCREENSHOTS, _open_gui, close_gui
from tests.support import tickwork
from tests.support.postgres import free_port, pg_server, pg_url

__all__ = ["pg_server", "pg_url"]


def _in_dialog(qtbot: Any, steps: Callable[[Any], None]) -> None:
    """Run `steps(dialog)` once the Connect dialog is up (its exec() blocks the caller)."""
    from app.gui.window.connect_dialog import ConnectDialog

    def act() -> None:
        found = [w for w in QApplication.topLevelWidgets()
                 if isinstance(w, ConnectDialog) and w.isVisible()]
        if not found:
            QTimer.singleShot(20, act)
            return
        steps(found[0])

    QTimer.singleShot(0, act)


def _type(qtbot: Any, field: Any, text: str) -> None:
    field.setFocus()
    qtbot.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(field, Qt.Key.Key_Delete)
    qtbot.keyClicks(field, text)


def test_connect_remembers_a_store_that_answers_and_reopens_the_window_on_it(
        home: Path, pg_url: str, qtbot: Any, tmp_path: Path) -> None:
    from app.gui.window.store_actions import Connection

    gui = _open_gui(home, qtbot, engine=False)
    said: dict[str, Any] = {}
    try:
        def first_tries(dialog: Any) -> None:
            _type(qtbot, dialog.url, "http://nowhere/db")
            qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
            said["form"] = dialog.error.text()
            _type(qtbot, dialog.url, f"postgresql://nobody@127.0.0.1:{free_port()}/x")
            qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
            qtbot.waitUntil(lambda: not dialog.checking, timeout=15000)
            said["unreachable"] = dialog.error.text()
            said["remembered"] = (home / "store-url").exists()
            dialog.grab().save(str(SCREENSHOTS / "connect-store-unreachable.png"))
            _type(qtbot, dialog.url, pg_url)
            qtbot.keyClick(dialog.url, Qt.Key.Key_Return)  # Enter connects, as Connect does

        _in_dialog(qtbot, first_tries)
        gui.window.store_ops.connect_store.trigger()  # File → Connect to a shared store…
        assert "Store URL" in said["form"] and "PostgreSQL URL" in said["form"], said
        assert "Store URL: cannot reach" in said["unreachable"], said
        assert said["remembered"] is False
        assert gui.window.store_ops.connect_to == Connection(pg_url)
        remembered = home / "store-url"
        assert remembered.read_text().strip() == pg_url
        assert stat.S_IMODE(remembered.stat().st_mode) == 0o600
        assert gui.window.quitting  # the window closed, for bootstrap to open it anew
    finally:
        close_gui(gui)

    shared = _open_gui(home, qtbot, engine=False, url=pg_url)
    try:
        ops = shared.window.store_ops
        assert not ops.back_up.isEnabled() and not ops.restore.isEnabled()
        assert shared.window.windowTitle() == pg_url
        shared.service.create_task({"name": "nightly", "action": {
            "kind": "command", "argv": ["true"]}, "schedule": {"kind": "manual"}})
        other = tmp_path / "laptop"  # another home names the server: the same tasks
        listed = tickwork.run(["--home", str(other), "--store", pg_url, "task", "list",
                               "--json"], timeout=60, cwd=ROOT, env=dict(os.environ))
        assert listed.returncode == 0, listed.stderr
        assert '"nightly"' in listed.stdout

        def back_home(dialog: Any) -> None:
            assert dialog.url.text() == pg_url
            qtbot.mouseClick(dialog.local_button, Qt.MouseButton.LeftButton)

        _in_dialog(qtbot, back_home)
        ops.connect_store.trigger()
        assert ops.connect_to == Connection(None)
        assert not (home / "store-url").exists()
    finally:
        close_gui(shared)


def test_the_window_reopens_on_the_store_it_connected_to(
        home: Path, pg_url: str, qtbot: Any, qapp: Any) -> None:
    """The real start-up (`bootstrap.main`): the window on the home's file connects, closes,
    and opens again on the shared store; quitting that one ends it with status 0."""
    from app.gui import bootstrap
    from app.gui.main_window import MainWindow

    windows: list[Any] = []

    def current() -> Any:
        found = [w for w in QApplication.topLevelWidgets()
                 if isinstance(w, MainWindow) and w.isVisible() and w not in windows]
        return found[0] if found else None

    def on_first() -> None:
        window = current()
        if window is None:
            QTimer.singleShot(20, on_first)
            return
        windows.append(window)

        def connect(dialog: Any) -> None:
            _type(qtbot, dialog.url, pg_url)
            qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)

        _in_dialog(qtbot, connect)
        QTimer.singleShot(0, window.store_ops.connect_store.trigger)
        QTimer.singleShot(20, on_second)

    def on_second() -> None:
        window = current()
        if window is None:
            QTimer.singleShot(20, on_second)
            return
        windows.append(window)
        window.close_for_good()

    QTimer.singleShot(0, on_first)
    try:
        code = bootstrap.main(["--home", str(home), "--no-engine"])
    finally:
        qapp.setQuitOnLastWindowClosed(True)
    assert code == 0
    assert [w.session.store.url for w in windows] == [None, pg_url]
