"""A notification's body is plain text: where the server reads markup in it (its
capabilities say `body-markup`: GNOME Shell, KDE Plasma, dunst), `&`, `<` and `>` go escaped.
An error "<b>x</b> & <img src=…>" was sent as it is: the server drew bold text, dropped what
it could not parse (dunst strips a body that is not valid markup: "a < b" lost its words) and
was asked to load an image the run's error named. dunst (1.9) reads a body as Pango markup
without saying so in its capabilities: its history's "message" is the markup it draws."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from faults.harness import wait_until
from tests.engine.conftest import EngineProcess
from tests.notify.test_real_daemon import dunst
from tests.support.dbus_session import NotificationServer

__all__ = ["dunst"]  # the fixture

ERROR = '<b>bold</b> & <img src="file:///tmp/x.png"> a < b > c'


def _fail_once(cli: Any) -> None:
    """A task whose name looks like markup, run once to its failure (its error: ERROR)."""
    assert cli("task", "add", "<i>marked</i> & co", "--python",
               "tests.engine.worker_actions:exit_with", "--kwargs",
               json.dumps({"code": ERROR})).code == 0
    assert cli("task", "run", "<i>marked</i> & co", "--wait", "30s", timeout=40).code == 1


@pytest.mark.parametrize("markup", [True, False], ids=["body-markup", "plain-body"])
def test_a_notifications_body_says_its_text_whatever_the_server_reads_in_it(
        cli: Any, home: Path, tmp_path: Path, session_bus: str, markup: bool,
        monkeypatch: pytest.MonkeyPatch) -> None:
    capabilities = ("actions", "body", *(("body-markup",) if markup else ()))
    server = NotificationServer(session_bus, capabilities=capabilities)
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", session_bus)
    engine = EngineProcess(home, tmp_path / "engine.log")
    try:
        engine.wait_for("desktop notifications through test-server")
        _fail_once(cli)
        [call] = wait_until(server.seen, timeout=20)
    finally:
        engine.stop()
        server.close()
    assert call.summary == "<i>marked</i> & co failed"  # a summary is never markup
    if markup:
        assert call.body.endswith("&lt;b&gt;bold&lt;/b&gt; &amp; &lt;img src=\"file:///tmp/"
                                  "x.png\"&gt; a &lt; b &gt; c"), call.body
    else:
        assert call.body.endswith(ERROR), call.body


@pytest.mark.xdist_group("xvfb")  # see tests/support/xserver.py
def test_dunst_draws_an_errors_text_as_it_is(
        cli: Any, home: Path, tmp_path: Path, dunst: dict[str, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", dunst["DBUS_SESSION_BUS_ADDRESS"])
    engine = EngineProcess(home, tmp_path / "engine.log")
    try:
        engine.wait_for("desktop notifications through dunst")
        _fail_once(cli)

        def history() -> list[dict[str, Any]]:
            subprocess.run(["dunstctl", "close-all"], env=dunst, check=True, timeout=20)
            out = subprocess.run(["dunstctl", "history"], env=dunst, check=True, timeout=20,
                                 capture_output=True, text=True).stdout
            return list(json.loads(out)["data"][0])

        [shown] = wait_until(history, timeout=20)
    finally:
        assert engine.stop() == 0
    message = shown["message"]["data"]  # the Pango markup dunst draws
    assert message == ("<b>&lt;i&gt;marked&lt;/i&gt; &amp; co failed</b>\nSystemExit: "
                       "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;img src=\"file:///tmp/x.png\"&gt; "
                       "a &lt; b &gt; c"), message


def test_tray_balloons_are_escaped_only_where_a_server_that_reads_markup_gets_them(
        session_bus: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Qt's tray balloon goes to the notification server only from its D-Bus tray (under X11,
    when a StatusNotifierWatcher is on the bus); X11's older tray draws it itself as plain
    text, where "&amp;" would be read as it is (tests/platform/test_tray_balloon_markup.py
    has the window's)."""
    from jeepney.bus_messages import message_bus
    from jeepney.io.blocking import open_dbus_connection

    from app.platform.notifications import STATUS_NOTIFIER_WATCHER, balloons_read_markup

    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", session_bus)
    assert not balloons_read_markup("wayland")  # no server
    server = NotificationServer(session_bus, capabilities=("body", "body-markup"))
    try:
        assert balloons_read_markup("wayland")  # always Qt's D-Bus tray
        assert not balloons_read_markup("xcb")  # no watcher: Qt's own balloon
        with open_dbus_connection(bus=session_bus) as host:
            reply = host.send_and_get_reply(message_bus.RequestName(STATUS_NOTIFIER_WATCHER))
            assert reply.body == (1,)
            assert balloons_read_markup("xcb")
    finally:
        server.close()
    plain = NotificationServer(session_bus, capabilities=("body",))
    try:
        assert not balloons_read_markup("wayland")
    finally:
        plain.close()
