"""The X server the tests stand up (tests/support/xserver.py) takes every client, also one
that connects the moment another left: Xvfb's default resets when its last client leaves
and hangs up on a client that comes meanwhile, and openbox, started right after the
helper's own readiness check left, ended at once, status 1, 1 start in ~10 ("Failed to open
the display", on its stdout). A desktop's server, held by its session, never resets."""

from __future__ import annotations

import ctypes
import ctypes.util
import shutil

import pytest

from tests.support.xserver import xvfb

pytestmark = [pytest.mark.skipif(shutil.which("Xvfb") is None
                                 or ctypes.util.find_library("xcb") is None,
                                 reason="needs Xvfb and libxcb"),
              pytest.mark.xdist_group("xvfb")]  # see tests/support/xserver.py


def _xcb() -> ctypes.CDLL:
    xcb = ctypes.CDLL("libxcb.so.1")
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    return xcb


def _connects(xcb: ctypes.CDLL, display: str) -> bool:
    """One client in and out, as a readiness check is; whether the server took it."""
    connection = xcb.xcb_connect(display.encode(), None)
    try:
        return bool(connection) and int(xcb.xcb_connection_has_error(connection)) == 0
    finally:
        if connection:
            xcb.xcb_disconnect(connection)


def test_a_client_right_after_the_last_one_left_is_taken() -> None:
    xcb = _xcb()
    with xvfb() as display:
        refused = [n for n in range(300) if not _connects(xcb, display)]
    assert refused == []  # (one that resets, here: 37 and 40 of 300)

