"""A real X server (Xvfb) for the tests that need a display: Xvfb picks a free display number
itself (`-displayfd`). Tests that use it still share one pytest-xdist group ("xvfb"), so they
never run side by side: once, in a clean clone's CI run, a window started on the display its
test's Xvfb had just reported could not connect to it ("could not connect to display :0")
while another test's Xvfb started or stopped beside it."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

from tests.support.processes import stop


@contextmanager
def xvfb(screen: str = "1280x800x24") -> Iterator[str]:
    """Start Xvfb, yield its display (":N") once it accepts clients, stop it after."""
    server = subprocess.Popen(["Xvfb", "-displayfd", "1", "-screen", "0", screen,
                               "-nolisten", "tcp"], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    try:
        assert server.stdout is not None
        number = server.stdout.readline().strip()  # written once the server accepts clients
        assert number.isdigit(), f"Xvfb did not start ({number!r})"
        yield f":{number}"
    finally:
        stop(server, 15)
