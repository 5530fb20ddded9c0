"""A tray balloon's text says what it is where the desktop's notification server reads
markup. Qt's tray on Linux desktops (the StatusNotifierItem over D-Bus) hands a balloon to
the notification server as it is: a task "<i>marked</i> & co" whose error is "<b>bold</b> &
<img src=…> a < b > c" came up bold, its image asked for, "a < b" failing dunst's parse.
The window pops balloons where the engine's notifier reaches no server (here: the server
came up after the engine looked, as a login's may), and escapes them as that notifier does
where the server reads markup. Real parts: Xvfb, a private session bus, a tray host, dunst,
the window in its own process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from faults.harness import wait_until
from tests.conftest import ROOT
from tests.support.dbus_session import session_bus
from tests.support.processes import stop
from tests.support.xserver import xvfb

__all__ = ["session_bus"]  # the fixture

TOOLS = ("Xvfb", "dbus-daemon", "dunst", "dunstctl")
pytestmark = [pytest.mark.skipif(any(shutil.which(t) is None for t in TOOLS),
                                 reason=f"needs {', '.join(TOOLS)}"),
              pytest.mark.xdist_group("xvfb")]  # see tests/support/xserver.py

NAME = "<i>marked</i> & co"
ERROR = '<b>bold</b> & <img src="file:///tmp/x.png"> a < b > c'


def _start(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(argv, env=env, cwd=ROOT, stdout=log.open("w"),
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)


def test_a_tray_balloon_says_its_text_where_the_server_reads_markup(
        cli: Any, home: Path, tmp_path: Path, session_bus: str) -> None:
    assert cli("task", "add", NAME, "--python", "tests.engine.worker_actions:exit_with",
               "--kwargs", json.dumps({"code": ERROR})).code == 0
    with xvfb() as display:
        env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
        env.update(DISPLAY=display, DBUS_SESSION_BUS_ADDRESS=session_bus, QT_QPA_PLATFORM="xcb")
        host_log, window_log = tmp_path / "tray.log", tmp_path / "window.log"
        host = _start([sys.executable, "-m", "tests.support.tray_host"], env, host_log)
        window = daemon = None
        try:
            wait_until(lambda: "ready" in host_log.read_text(), 30)
            window = _start([sys.executable, "-m", "app.cli", "--home", str(home)], env,
                            window_log)
            wait_until(lambda: "registered" in host_log.read_text(), 60)  # the tray icon
            wait_until(lambda: "cannot send desktop notifications" in window_log.read_text(),
                       30)  # the engine's notifier found no server: balloons are the window's
            config = tmp_path / "dunstrc"
            config.write_text("[global]\n    browser = /bin/true\n")
            daemon = _start(["dunst", "-config", str(config)], env, tmp_path / "dunst.log")
            wait_until(lambda: subprocess.run(["dunstctl", "is-paused"], env=env,
                                              capture_output=True).returncode == 0)
            assert cli("task", "run", NAME, "--wait", "30s", timeout=40).code == 1

            def history() -> list[dict[str, Any]]:
                subprocess.run(["dunstctl", "close-all"], env=env, check=True, timeout=20)
                out = subprocess.run(["dunstctl", "history"], env=env, check=True,
                                     timeout=20, capture_output=True, text=True).stdout
                return list(json.loads(out)["data"][0])

            [shown] = wait_until(history, timeout=30)
        finally:
            for proc in (window, daemon, host):
                if proc is not None:
                    stop(proc, 15)
    assert "desktop notifications through" not in window_log.read_text()  # (the window's)
    message = shown["message"]["data"]  # the Pango markup dunst draws
    assert message == ("<b>&lt;i&gt;marked&lt;/i&gt; &amp; co failed</b>\nSystemExit: "
                       "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;img src=\"file:///tmp/x.png\"&gt; "
                       "a &lt; b &gt; c"), (message, window_log.read_text())
