"""What a screen reader (Orca) gets from a window, for real: a private session bus, the AT-SPI
bus launcher on it (which starts the accessibility bus and its registry), an X server with a
window manager, and a small AT-SPI reader written with jeepney that asks the accessibility
bus what Orca asks it — each object's role, name, description, states and children — and
hears the events Orca registers for (a description that changes, an announcement, the
focus). Nothing between the window and the reader is Qt's in-process tree: it is Qt's
AT-SPI bridge, the buses and the messages.

`desktop(folder)` starts the parts and skips, with one line naming the Debian package, when
one is missing (.ci/run installs them all).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support.dbus_session import start_bus
from tests.support.processes import stop
from tests.support.xserver import openbox, xvfb

LAUNCHER = "/usr/libexec/at-spi-bus-launcher"
REGISTRY = "org.a11y.atspi.Registry"
ROOT = "/org/a11y/atspi/accessible/root"
ACCESSIBLE = "org.a11y.atspi.Accessible"
EVENTS = "org.a11y.atspi.Event.Object"
# AT-SPI's state numbers (atspi-constants.h), the ones the tests ask about
STATES = {8: "enabled", 11: "focusable", 12: "focused", 23: "selected", 24: "sensitive",
          25: "showing", 30: "visible", 4: "checked"}
# tool or file -> the Debian package that brings it
NEEDED = {"dbus-daemon": "dbus-daemon", LAUNCHER: "at-spi2-core", "Xvfb": "xvfb",
          "openbox": "openbox", "xdotool": "xdotool"}


def need_desktop() -> None:
    for tool, package in NEEDED.items():
        if (os.path.exists(tool) if tool.startswith("/") else shutil.which(tool)) is None:
            pytest.skip(f"{tool} is not installed (Debian: apt-get install {package}; "
                        ".ci/run installs it)")
    try:
        import jeepney  # noqa: F401
    except ImportError:
        pytest.skip("jeepney is not installed (pip install jeepney)")


@dataclass
class Desktop:
    """The environment a window started on this desktop needs (DISPLAY, the session bus)."""

    env: dict[str, str]
    a11y_address: str


@contextmanager
def desktop(folder: Path) -> Iterator[Desktop]:
    """A private session bus with the AT-SPI bus launcher on it, Xvfb and openbox; stopped
    after, every process of them."""
    need_desktop()
    folder.mkdir(parents=True, exist_ok=True)
    runtime = folder / "runtime"  # the launcher's socket goes under $XDG_RUNTIME_DIR
    runtime.mkdir(mode=0o700, exist_ok=True)
    bus, address = start_bus(folder)
    started: list[subprocess.Popen[Any]] = [bus]
    try:
        env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
        env.update(DBUS_SESSION_BUS_ADDRESS=address, XDG_RUNTIME_DIR=str(runtime))
        started.append(subprocess.Popen(
            [LAUNCHER, "--launch-immediately", "--a11y=1"], env=env,
            stdout=subprocess.DEVNULL, stderr=(folder / "at-spi.log").open("w")))
        a11y = _a11y_address(address, started[-1])
        with xvfb() as display:
            env["DISPLAY"] = display
            manager = openbox(env)
            try:
                yield Desktop(env, a11y)
            finally:
                stop(manager, 10)
    finally:
        for proc in reversed(started):  # the launcher stops the accessibility bus it started
            stop(proc, 10)


def _a11y_address(session: str, launcher: subprocess.Popen[Any],
                  timeout: float = 20.0) -> str:
    """The accessibility bus's address, once the launcher answers on the session bus and the
    registry answers on the accessibility bus."""
    from jeepney import DBusAddress, new_method_call
    from jeepney.io.blocking import open_dbus_connection

    ask = new_method_call(DBusAddress("/org/a11y/bus", "org.a11y.Bus", "org.a11y.Bus"),
                          "GetAddress")
    deadline = time.monotonic() + timeout
    with open_dbus_connection(bus=session) as conn:
        while True:
            assert launcher.poll() is None, f"at-spi-bus-launcher ended ({launcher.returncode})"
            reply = conn.send_and_get_reply(ask, timeout=timeout)
            if reply.header.message_type.name == "method_return" and reply.body[0]:
                address = str(reply.body[0])
                break
            assert time.monotonic() < deadline, f"no accessibility bus: {reply.body}"
            time.sleep(0.05)
    with Reader(address) as reader:  # the registry is started on the bus when first asked
        assert reader.node(REGISTRY, ROOT).role == "desktop frame"
    return address


@dataclass(frozen=True)
class Event:
    kind: str  # the signal: PropertyChange, Announcement, StateChanged …
    path: str  # its object
    detail: str  # "accessible-description", "focused" …
    detail1: int
    data: Any
    at: float = field(default_factory=time.monotonic)


class Reader:
    """An AT-SPI client on the accessibility bus: objects and events, as Orca reads them."""

    def __init__(self, address: str) -> None:
        from jeepney import MatchRule
        from jeepney.bus_messages import message_bus
        from jeepney.io.blocking import open_dbus_connection

        self.conn = open_dbus_connection(bus=address)
        rule = MatchRule(type="signal", interface=EVENTS)
        self._filter = self.conn.filter(rule, bufsize=100_000)  # (an empty deque given as
        self._signals: deque[Any] = self._filter.queue  # its queue is not used: it is falsy)
        self.conn.send_and_get_reply(message_bus.AddMatch(rule), timeout=10)
        self.heard: list[Event] = []

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._filter.close()
        self.conn.close()

    def listen(self, *events: str) -> None:
        """Register for events as Orca does (Qt's bridge sends only what someone listens
        to): "object:property-change:accessible-description", "object:announcement" …"""
        for event in events:
            self.call(REGISTRY, "/org/a11y/atspi/registry", REGISTRY, "RegisterEvent", "s",
                      (event,))

    def call(self, bus_name: str, path: str, interface: str, member: str,
             signature: str | None = None, body: tuple[Any, ...] = ()) -> Any:
        from jeepney import DBusAddress, new_method_call

        reply = self.conn.send_and_get_reply(new_method_call(
            DBusAddress(path, bus_name, interface), member, signature, body), timeout=10)
        if reply.header.message_type.name == "error":
            raise LookupError(f"{member} on {bus_name}{path}: {reply.body}")
        self._take_signals()
        return reply.body

    def node(self, bus_name: str, path: str) -> Node:
        return Node(self, bus_name, path)

    def root(self) -> Node:
        return self.node(REGISTRY, ROOT)

    # -- events ----------------------------------------------------------------------------

    def _take_signals(self) -> None:
        while self._signals:
            msg = self._signals.popleft()
            detail, one, _two, (_sig, data), *_ = msg.body
            self.heard.append(Event(str(msg.header.fields.get(3)),
                                    str(msg.header.fields.get(1)), str(detail), int(one),
                                    data))

    def events_since(self, mark: int, kind: str | None = None,
                     path: str | None = None) -> list[Event]:
        self._take_signals()
        return [e for e in self.heard[mark:] if (kind is None or e.kind == kind)
                and (path is None or e.path == path)]

    def mark(self) -> int:
        self._take_signals()
        return len(self.heard)

    def until(self, check: Callable[[], Any], what: str, timeout: float = 20.0) -> Any:
        """Wait, reading the bus, until `check()` gives something true; that."""
        deadline = time.monotonic() + timeout
        while True:
            found = check()
            if found:
                return found
            left = deadline - time.monotonic()
            assert left > 0, f"never: {what}"
            with suppress(TimeoutError):
                self.conn.recv_messages(timeout=min(left, 0.1))


class Node:
    """One accessible object, read when asked (nothing cached: a reader asks again)."""

    def __init__(self, reader: Reader, bus_name: str, path: str) -> None:
        self.reader, self.bus_name, self.path = reader, bus_name, path

    def _call(self, member: str) -> Any:
        return self.reader.call(self.bus_name, self.path, ACCESSIBLE, member)[0]

    def _property(self, name: str) -> str:
        body = self.reader.call(self.bus_name, self.path, "org.freedesktop.DBus.Properties",
                                "Get", "ss", (ACCESSIBLE, name))
        return str(body[0][1])

    @property
    def role(self) -> str:
        return str(self._call("GetRoleName"))

    @property
    def name(self) -> str:
        return self._property("Name")

    @property
    def description(self) -> str:
        return self._property("Description")

    @property
    def states(self) -> set[str]:
        low, high = self._call("GetState")
        bits = low | (high << 32)
        return {name for bit, name in STATES.items() if bits >> bit & 1}

    def children(self) -> list[Node]:
        return [Node(self.reader, str(name), str(path))
                for name, path in self._call("GetChildren")]

    def walk(self, showing_only: bool = True) -> Iterator[tuple[int, Node]]:
        """This object and those under it, depth first, with their depth; under an object
        not showing, nothing (`showing_only`: what a person can reach)."""
        stack: list[tuple[int, Node]] = [(0, self)]
        while stack:
            depth, node = stack.pop()
            yield depth, node
            if depth == 0 or not showing_only or "showing" in node.states:
                stack.extend((depth + 1, child) for child in reversed(node.children()))

    def find(self, role: str, name: str | None = None) -> Node | None:
        return next((n for _, n in self.walk() if n.role == role
                     and (name is None or n.name == name)), None)

    def said(self) -> str:
        """The object as a line: [role] name — description {states}."""
        states = ",".join(sorted(self.states & {"focused", "selected", "checked"}))
        line = f"[{self.role}] {self.name!r}"
        description = self.description
        return line + (f" — {description!r}" if description else "") + (
            f" {{{states}}}" if states else "")
