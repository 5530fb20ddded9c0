"""`tickwork --minimized` (what the autostart entry runs) on a real X server with a real
tray host: the window stays hidden, the tray icon registers with the desktop's tray (the
StatusNotifierWatcher D-Bus protocol, `tests.support.tray_host`), and activating the icon
over D-Bus — a click on it — brings the window up. Where no tray exists, the window opens
anyway (a hidden window with no icon could never be reached). The icon's tooltip, all a
person sees of a window minimised to the tray, says in one line that its data home was
moved away, and no more once it is back."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from faults.harness import wait_until
from tests.conftest import ROOT
from tests.support.processes import stop
from tests.support.xserver import last_words, xvfb

TOOLS = ("Xvfb", "dbus-daemon", "dbus-send", "xdotool")
pytestmark = [pytest.mark.skipif(any(shutil.which(t) is None for t in TOOLS),
                                 reason=f"needs {', '.join(TOOLS)}"),
              pytest.mark.xdist_group("xvfb")]  # see tests/support/xserver.py


@pytest.fixture
def desktop(tmp_path: Path) -> Iterator[dict[str, str]]:
    """An X server and a session bus; the environment a window started in them gets."""
    with xvfb() as display:
        bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            assert bus.stdout is not None
            address = bus.stdout.readline().strip()
            assert address.startswith("unix:"), address
            env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
            env.update(DISPLAY=display, DBUS_SESSION_BUS_ADDRESS=address, QT_QPA_PLATFORM="xcb")
            yield env
        finally:
            stop(bus, 15)


def _visible(env: dict[str, str]) -> list[str]:
    found = subprocess.run(["xdotool", "search", "--onlyvisible", "--class", "Tickwork"],
                           env=env, capture_output=True, text=True, timeout=30)
    return found.stdout.split()


def _x_state(env: dict[str, str]) -> str:
    """What the X side looked like when a window did not show (for a failure's message;
    never raises, so the window's own log is not buried)."""
    try:
        asked = subprocess.run(["xdotool", "getdisplaygeometry"], env=env,
                               capture_output=True, text=True, timeout=10)
        servers = subprocess.run(["pgrep", "-a", "Xvfb"], capture_output=True, text=True,
                                 timeout=10)
        sockets = sorted(os.listdir("/tmp/.X11-unix")) if os.path.isdir("/tmp/.X11-unix") else []
        return (f"DISPLAY={env['DISPLAY']}: xdotool now {asked.returncode} "
                f"{(asked.stdout or asked.stderr).strip()!r}; servers "
                f"{servers.stdout.strip()!r}; sockets {sockets}; Xvfb said {last_words()!r}")
    except (OSError, subprocess.SubprocessError) as exc:
        return f"(the X side could not be asked: {exc})"


def _start(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(argv, env=env, cwd=ROOT, stdout=log.open("w"),
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)


def test_minimized_starts_hidden_with_its_tray_icon_and_the_icon_shows_it(
        desktop: dict[str, str], home: Path, tmp_path: Path) -> None:
    host_log, window_log = tmp_path / "tray.log", tmp_path / "window.log"
    host = _start([sys.executable, "-m", "tests.support.tray_host"], desktop, host_log)
    window = None
    try:
        wait_until(lambda: "ready" in host_log.read_text(), 30)
        window = _start([sys.executable, "-m", "app.cli", "--home", str(home), "--minimized"],
                        desktop, window_log)
        wait_until(lambda: "registered" in host_log.read_text(), 60)  # the tray icon
        wait_until(lambda: "started minimised to the tray" in window_log.read_text(), 30)
        assert _visible(desktop) == [], window_log.read_text()
        item = next(line.split(" ", 1)[1] for line in host_log.read_text().splitlines()
                    if line.startswith("registered "))
        service, _, path = item.partition("/")
        clicked = subprocess.run(
            ["dbus-send", "--session", "--print-reply", f"--dest={service}",
             f"/{path or 'StatusNotifierItem'}", "org.kde.StatusNotifierItem.Activate",
             "int32:0", "int32:0"],  # a click on the icon; waits for the reply
            env=desktop, capture_output=True, text=True, timeout=30)
        assert clicked.returncode == 0, (item, clicked.stderr)
        wait_until(lambda: _visible(desktop), 30)
    finally:
        if window is not None:
            stop(window, 15)
        stop(host, 15)


def _tray_item(host_log: Path) -> tuple[str, str]:
    """The registered icon's D-Bus name and object path."""
    item = next(line.split(" ", 1)[1] for line in host_log.read_text().splitlines()
                if line.startswith("registered "))
    service, _, path = item.partition("/")
    return service, f"/{path or 'StatusNotifierItem'}"


def _tooltip(env: dict[str, str], item: tuple[str, str]) -> str:
    """What the desktop's tray reads as the icon's tooltip (its whole D-Bus reply)."""
    asked = subprocess.run(
        ["dbus-send", "--session", "--print-reply", f"--dest={item[0]}", item[1],
         "org.freedesktop.DBus.Properties.Get", "string:org.kde.StatusNotifierItem",
         "string:ToolTip"], env=env, capture_output=True, text=True, timeout=30)
    assert asked.returncode == 0, asked.stderr
    return asked.stdout


def test_the_tray_icon_says_the_data_home_moved_away_and_back(
        desktop: dict[str, str], home: Path, tmp_path: Path) -> None:
    host_log, window_log = tmp_path / "tray.log", tmp_path / "window.log"
    host = _start([sys.executable, "-m", "tests.support.tray_host"], desktop, host_log)
    window = None
    gone = f"The data home {home} was moved or deleted: put the folder back"
    try:
        wait_until(lambda: "ready" in host_log.read_text(), 30)
        window = _start([sys.executable, "-m", "app.cli", "--home", str(home), "--minimized"],
                        desktop, window_log)
        wait_until(lambda: "registered" in host_log.read_text(), 60)
        wait_until(lambda: "engine running" in window_log.read_text(), 60)
        item = _tray_item(host_log)
        assert "moved or deleted" not in _tooltip(desktop, item)
        away = tmp_path / "away"
        home.rename(away)
        try:
            wait_until(lambda: gone in _tooltip(desktop, item), 30)
        except TimeoutError:
            raise AssertionError(f"{_tooltip(desktop, item)}\n{window_log.read_text()}"
                                 ) from None
        away.rename(home)
        wait_until(lambda: "moved or deleted" not in _tooltip(desktop, item), 30)
        assert "Tickwork" in _tooltip(desktop, item)
    finally:
        if window is not None:
            stop(window, 15)
        stop(host, 15)


def test_minimized_without_a_tray_opens_the_window(desktop: dict[str, str], home: Path,
                                                   tmp_path: Path) -> None:
    log = tmp_path / "window.log"
    window = _start([sys.executable, "-m", "app.cli", "--home", str(home), "--minimized"],
                    desktop, log)
    try:
        try:
            wait_until(lambda: _visible(desktop), 60)
        except TimeoutError:
            raise AssertionError(f"{log.read_text()}\n{_x_state(desktop)}") from None
        assert "started minimised" not in log.read_text()
    finally:
        stop(window, 15)
