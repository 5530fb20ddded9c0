"""Desktop notifications through the freedesktop notification server on the session bus
(`org.freedesktop.Notifications`), with no window and no Qt.

The client is jeepney, a pure-Python D-Bus library (keyring's Secret Service backend already
depends on it on Linux). It is imported inside `DesktopNotifications.open`, so this module
imports on every system; where there is no session bus or no server (Windows, macOS, a
headless box, a server without a desktop) `open` raises `NotificationsUnavailable` with one
line saying why, and the caller falls back.

The connection is a jeepney `DBusRouter`: its own receiver thread delivers replies to the
thread that asked, and the server's `ActionInvoked` signals (a button clicked) to
`actions()`.

Any program of the session may emit an `ActionInvoked` signal with a guessed id: the bus
delivers it to every client that listens. The bus daemon stamps each message with its
sender's unique name (":1.42"), which no program can forge, so a click is the server's only
when its sender is the connection that answered the `Notify` that gave the id
(`Shown.server`); the caller compares the two (`ActionInvoked.sender`).

Specification: https://specifications.freedesktop.org/notification-spec/latest/
"""

from __future__ import annotations

import contextlib
import html
import os
import queue
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

BUS_NAME = "org.freedesktop.Notifications"
OBJECT_PATH = "/org/freedesktop/Notifications"
INTERFACE = "org.freedesktop.Notifications"
CALL_TIMEOUT = 5.0  # seconds a server may take to answer one call
URGENCY = {"low": 0, "normal": 1, "critical": 2}
STATUS_NOTIFIER_WATCHER = "org.kde.StatusNotifierWatcher"  # the D-Bus tray's host


class NotificationsUnavailable(Exception):
    """No desktop notifications here; the message says why, in one line."""


@dataclass(frozen=True, slots=True)
class ActionInvoked:
    """A person clicked `action` (its key) on the notification `notification_id`."""

    notification_id: int
    action: str
    sender: str  # the unique bus name of whoever emitted the signal


@dataclass(frozen=True, slots=True)
class Shown:
    """A notification the server took: its id, and the unique bus name of the server that
    answered (the only sender whose clicks on it are clicks)."""

    id: int
    server: str


class DesktopNotifications:
    """A client of the desktop's notification server. `open()` first, `close()` at the end."""

    def __init__(self, app_name: str = "Tickwork", icon: str = "tickwork") -> None:
        self.app_name = app_name
        self.icon = icon
        self.capabilities: frozenset[str] = frozenset()
        self.server = ""  # name and version, from GetServerInformation
        self._router: Any = None
        self._conn: Any = None
        self._filter: Any = None
        self._actions: queue.Queue[Any] = queue.Queue(maxsize=256)

    @property
    def supports_actions(self) -> bool:
        return "actions" in self.capabilities

    @property
    def reads_markup(self) -> bool:
        """Whether the server reads a body as markup, so that plain text goes escaped: an
        error "<b>x</b> & <img src=…>" was drawn bold, its image asked for, and "a < b" not
        parsed. The specification's word is `body-markup`; dunst (1.9, Debian 12) does not
        say it, yet draws the body as Pango markup ("<b>x</b>" bold, an image "[image]")."""
        return "body-markup" in self.capabilities or self.server.startswith("dunst ")

    def open(self) -> None:
        """Connect to the session bus and ask the server what it can do."""
        if not sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
            raise NotificationsUnavailable(f"no D-Bus notification server on {sys.platform}")
        try:
            from jeepney import MatchRule
            from jeepney.bus_messages import message_bus
            from jeepney.io.threading import open_dbus_connection
        except ImportError as exc:
            raise NotificationsUnavailable(f"the jeepney D-Bus library is missing ({exc})") \
                from None
        if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
            raise NotificationsUnavailable("no session bus (DBUS_SESSION_BUS_ADDRESS is not set)")
        try:
            self._conn = open_dbus_connection(bus="SESSION")
        except (OSError, ValueError) as exc:
            raise NotificationsUnavailable(f"no session bus ({_reason(exc)})") from None
        except Exception as exc:  # jeepney's AuthenticationError and the like
            raise NotificationsUnavailable(f"cannot use the session bus ({_reason(exc)})") \
                from None
        self._router = _router(self._conn, self._connection_ended)
        try:
            rule = MatchRule(type="signal", interface=INTERFACE, member="ActionInvoked",
                             path=OBJECT_PATH)
            self._filter = self._router.filter(rule, queue=self._actions)
            self._call_bus(message_bus.AddMatch(rule))
            self.capabilities = frozenset(self._call("GetCapabilities", "", ())[0])
            name, vendor, version, _spec = self._call("GetServerInformation", "", ())
            self.server = f"{name} {version} ({vendor})"
        except NotificationsUnavailable:
            self.close()
            raise

    def notify(self, summary: str, body: str, actions: Sequence[tuple[str, str]] = (), *,
               urgency: str = "normal", timeout_ms: int = -1, replaces: int = 0) -> Shown:
        """Show a notification; its id and the server that answered. `body` is plain text
        (escaped where the server reads markup); `actions` are (key, label) pairs, sent only
        when the server supports actions; "default" is the key of a click on the bubble
        itself.
        `replaces`: the id of an earlier one this one takes the place of, on the screen if
        it is still there (the server shows a new one if not)."""
        flat: list[str] = []
        body = as_body(body, self.reads_markup)
        if self.supports_actions:
            for key, label in actions:
                flat += [key, label]
        hints = {"urgency": ("y", URGENCY[urgency]),  # jeepney's variants: (signature, value)
                 "desktop-entry": ("s", "tickwork")}
        reply = self._call("Notify", "susssasa{sv}i",
                           (self.app_name, replaces, self.icon, summary, body, flat, hints,
                            timeout_ms), raw=True)
        return Shown(int(reply.body[0]), _sender(reply))

    def has_owner(self, name: str) -> bool:
        """Whether a program owns the bus name `name` now."""
        from jeepney.bus_messages import message_bus

        return bool(self._call_bus(message_bus.NameHasOwner(name))[0])

    def actions(self, timeout: float | None) -> ActionInvoked | None:
        """The next click on an action, waiting up to `timeout` seconds; None if none came."""
        try:
            msg = self._actions.get(timeout=timeout)
        except queue.Empty:
            return None
        if msg is None:
            return None
        notification_id, action = msg.body
        return ActionInvoked(int(notification_id), str(action), _sender(msg))

    def close(self) -> None:
        """Disconnect (idempotent); a thread waiting in `actions` returns None."""
        self._connection_ended()
        if self._filter is not None:
            self._filter.close()
            self._filter = None
        if self._router is not None:
            with contextlib.suppress(Exception):
                self._router.close()
            self._router = None
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None

    def _connection_ended(self) -> None:
        with contextlib.suppress(queue.Full):
            self._actions.put_nowait(None)  # no more clicks: `actions` returns None

    def _call(self, method: str, signature: str, body: tuple[Any, ...], *,
              raw: bool = False) -> Any:
        from jeepney import DBusAddress, new_method_call

        address = DBusAddress(OBJECT_PATH, bus_name=BUS_NAME, interface=INTERFACE)
        return self._send(new_method_call(address, method, signature or None, body), raw=raw)

    def _call_bus(self, msg: Any) -> Any:
        return self._send(msg)

    def _send(self, msg: Any, *, raw: bool = False) -> Any:
        """The reply's body; with `raw`, the reply itself (an error still raises)."""
        from jeepney import DBusErrorResponse
        from jeepney.wrappers import unwrap_msg

        if self._router is None:
            raise NotificationsUnavailable("not connected to the session bus")
        try:
            reply = self._router.send_and_get_reply(msg, timeout=CALL_TIMEOUT)
            body = unwrap_msg(reply)
            return reply if raw else body
        except DBusErrorResponse as exc:
            raise NotificationsUnavailable(f"no notification server ({exc.name})") from None
        except TimeoutError:
            raise NotificationsUnavailable("the notification server did not answer") from None
        except Exception as exc:  # the connection broke (RouterClosed, OSError)
            raise NotificationsUnavailable(f"the session bus went away ({_reason(exc)})") \
                from None


def as_body(text: str, markup: bool) -> str:
    """Plain `text` as a notification's body: escaped where the server reads markup."""
    return html.escape(text, quote=False) if markup else text


def balloons_read_markup(qt_platform: str) -> bool:
    """Whether the text of a Qt tray balloon is read as markup here: on Linux and the BSDs
    Qt's tray is a StatusNotifierItem over D-Bus (always but under X11, and there when a
    StatusNotifierWatcher owns its name on the session bus), which hands a balloon's text to
    the notification server as its body, as it is, and the server may read markup in it.
    Elsewhere (Windows, macOS, an X11 tray of the older kind) Qt draws the balloon itself,
    as plain text. `qt_platform`: the window's (QGuiApplication.platformName())."""
    client = DesktopNotifications()
    try:
        client.open()
    except NotificationsUnavailable:
        return False  # no server: the balloon, if any, is Qt's own
    try:
        if qt_platform == "xcb" and not client.has_owner(STATUS_NOTIFIER_WATCHER):
            return False
        return client.reads_markup
    except NotificationsUnavailable:
        return False
    finally:
        client.close()


def _sender(msg: Any) -> str:
    """The unique bus name the bus daemon stamped on `msg` ("" on a bus that stamps none)."""
    from jeepney import HeaderFields

    return str(msg.header.fields.get(HeaderFields.sender, ""))


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _router(conn: Any, ended: Callable[[], None]) -> Any:
    """jeepney's threaded router, whose receiver thread ends quietly when the bus goes away
    (a logout): calls fail from then on (RouterClosed, one line from the caller) instead of
    the thread dying with a traceback."""
    from jeepney.io.threading import DBusRouter

    class Router(DBusRouter):  # type: ignore[misc]
        def _receiver(self) -> None:
            try:
                super()._receiver()
            except OSError:
                pass
            finally:
                ended()

    return Router(conn)
