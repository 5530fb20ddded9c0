"""A real private session bus (`dbus-daemon`) and a small real notification server on it.

The server is a D-Bus service written with jeepney: it owns `org.freedesktop.Notifications`
on the bus, answers `GetCapabilities`, `GetServerInformation`, `Notify` and
`CloseNotification` as the specification says, records every `Notify` call it receives, and
emits `ActionInvoked` when a test "clicks" a button. It stands in for a desktop's
notification daemon (dunst, notify-osd, GNOME Shell), which needs a display and draws
bubbles nobody looks at here; everything between the engine and the server is real: the bus
daemon, the socket, the messages.
"""

from __future__ import annotations

import itertools
import queue
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from app.platform.notifications import BUS_NAME, INTERFACE, OBJECT_PATH

CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


def need_dbus() -> str:
    daemon = shutil.which("dbus-daemon")
    if daemon is None:
        pytest.skip("dbus-daemon is not installed (Debian: apt-get install dbus-daemon; "
                    ".ci/run installs it)")
    try:
        import jeepney  # noqa: F401
    except ImportError:
        pytest.skip("jeepney is not installed")
    return daemon


def start_bus(folder: Path) -> tuple[subprocess.Popen[str], str]:
    """A private session bus listening in `folder`: the daemon, and its address."""
    daemon = need_dbus()
    config = folder / "bus.conf"
    config.write_text(CONFIG.format(socket=folder / "bus"))
    proc = subprocess.Popen([daemon, f"--config-file={config}", "--nofork", "--print-address"],
                            stdout=subprocess.PIPE, stderr=(folder / "bus.log").open("w"),
                            text=True)
    assert proc.stdout is not None
    address = proc.stdout.readline().strip()  # printed once it listens
    assert address.startswith("unix:"), address
    return proc, address


@pytest.fixture
def session_bus(tmp_path: Path) -> Iterator[str]:
    """A private session bus for this test; its address."""
    proc, address = start_bus(tmp_path)
    try:
        yield address
    finally:
        proc.terminate()
        proc.wait(10)


@dataclass
class Call:
    id: int
    app_name: str
    summary: str
    body: str
    actions: list[str]
    hints: dict[str, Any]
    replaces: int = 0  # the id the client asked to replace (0: none)


@dataclass
class NotificationServer:
    """`org.freedesktop.Notifications` on a bus, recording what it is asked to show."""

    address: str
    capabilities: tuple[str, ...] = ("actions", "body")
    calls: list[Call] = field(default_factory=list)
    # a button clicked on each bubble at once: its ActionInvoked goes out before the Notify
    # reply (a server that shows the bubble, then answers), so the click reaches the client
    # before the id that names its notification
    click_first: str | None = None
    # a server that does not answer: each Notify's reply waits until this is set (the call
    # is recorded first)
    hold: threading.Event | None = None

    def __post_init__(self) -> None:
        from jeepney import MatchRule
        from jeepney.bus_messages import message_bus
        from jeepney.io.threading import DBusRouter, open_dbus_connection

        self._ids = itertools.count(1)
        self.showing: dict[int, Call] = {}  # on the screen: id -> its latest Notify
        self._lock = threading.Lock()
        self._conn = open_dbus_connection(bus=self.address)
        self._router = DBusRouter(self._conn)
        self._incoming: queue.Queue[Any] = queue.Queue()
        self._filter = self._router.filter(
            MatchRule(type="method_call", interface=INTERFACE), queue=self._incoming)
        reply = self._router.send_and_get_reply(message_bus.RequestName(BUS_NAME, 4),
                                                timeout=5)
        assert reply.body == (1,), f"could not own {BUS_NAME}: {reply.body}"
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        from jeepney import new_error, new_method_return

        while True:
            msg = self._incoming.get()
            if msg is None:
                return
            member = msg.header.fields.get(3)  # HeaderFields.member
            if member == "GetCapabilities":
                reply = new_method_return(msg, "as", (list(self.capabilities),))
            elif member == "GetServerInformation":
                reply = new_method_return(msg, "ssss", ("test-server", "tickwork tests",
                                                        "1.0", "1.2"))
            elif member == "Notify":
                app_name, replaces, _icon, summary, body, actions, hints, _t = msg.body
                with self._lock:
                    # a notification still shown is replaced in place, keeping its id; one
                    # closed since is shown anew (the specification's rule)
                    shown = replaces if replaces in self.showing else next(self._ids)
                    call = Call(shown, app_name, summary, body, list(actions), dict(hints),
                                replaces)
                    self.calls.append(call)
                    self.showing[shown] = call
                if self.click_first is not None:
                    self.click(call.id, self.click_first)
                if self.hold is not None:
                    self.hold.wait(30)
                reply = new_method_return(msg, "u", (call.id,))
            elif member == "CloseNotification":
                with self._lock:
                    self.showing.pop(msg.body[0], None)
                reply = new_method_return(msg)
            else:
                reply = new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod")
            self._router.send(reply)

    def click(self, notification_id: int, action: str) -> None:
        """A person clicks a notification's button: the server's ActionInvoked signal."""
        from jeepney import DBusAddress, new_signal

        signal = new_signal(DBusAddress(OBJECT_PATH, interface=INTERFACE), "ActionInvoked",
                            "us", (notification_id, action))
        self._router.send(signal)

    def seen(self) -> list[Call]:
        with self._lock:
            return list(self.calls)

    def close(self) -> None:
        self._incoming.put(None)
        self._thread.join(5)
        self._filter.close()
        self._router.close()
        self._conn.close()


@pytest.fixture
def notification_server(session_bus: str) -> Iterator[NotificationServer]:
    server = NotificationServer(session_bus)
    yield server
    server.close()
