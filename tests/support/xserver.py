"""A real X server (Xvfb) for the tests that need a display: Xvfb picks a free display number
itself (`-displayfd`). Tests that use it share one pytest-xdist group ("xvfb"), so they never
run side by side: run so (two processes, 20 times), a window started on the display its
test's Xvfb had just reported failed "could not connect to display :0" twice, while another
test's Xvfb started or stopped beside it; one after another, 0 of 70. tests/conftest.py fails
a grouped test that pytest-xdist ran outside its group.

The server does not reset when its last client leaves (`-noreset`), as a desktop's never
does while its session and window manager hold it. Xvfb's default does: for a few
milliseconds after a client leaves it hangs up on the next one, and the readiness checks
here are clients that leave — openbox started right after one said "Failed to open the
display" and ended, status 1, 10 times in 100 (the "silent" failures: it says so on its
stdout). A test of that gap itself asks for it (`xvfb(resets=True)`).
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.processes import stop

SAID: list[Path | None] = [None]  # the newest server's log (kept until the next one starts)


@atexit.register
def _forget_the_last_log() -> None:
    if SAID[0] is not None:
        SAID[0].unlink(missing_ok=True)


@contextmanager
def xvfb(screen: str = "1280x800x24", resets: bool = False) -> Iterator[str]:
    """Start Xvfb, yield its display (":N") once it accepts clients, stop it after. With
    `resets`, the server resets whenever its last client leaves (Xvfb's own default)."""
    if SAID[0] is not None:
        SAID[0].unlink(missing_ok=True)
    fd, name = tempfile.mkstemp(prefix="xvfb-", suffix=".log")
    SAID[0] = Path(name)
    with os.fdopen(fd, "w") as said:
        server = subprocess.Popen(["Xvfb", "-displayfd", "1", "-screen", "0", screen,
                                   "-nolisten", "tcp", *(() if resets else ("-noreset",))],
                                  stdout=subprocess.PIPE, stderr=said, text=True)
    try:
        assert server.stdout is not None
        number = server.stdout.readline().strip()  # written once the server accepts clients
        assert number.isdigit(), f"Xvfb did not start ({number!r})"
        display = f":{number}"
        _answers(server, display)
        yield display
        assert server.poll() is None, f"Xvfb {display} died during the test ({server.returncode})"
    finally:
        stop(server, 15)


def last_words() -> str:
    """The end of what the newest of this process's X servers wrote (for failure messages)."""
    try:
        return SAID[0].read_text()[-2000:] if SAID[0] is not None else ""
    except OSError:
        return ""


def _answers(server: subprocess.Popen[str], display: str, timeout: float = 10.0) -> None:
    """Wait until a client really gets through to the display (xdotool asks its size): a
    window started on it must not be the first to find out it cannot connect."""
    tool = shutil.which("xdotool")
    if tool is None:
        return
    deadline = time.monotonic() + timeout
    while True:
        assert server.poll() is None, f"Xvfb {display} exited ({server.returncode})"
        asked = subprocess.run([tool, "getdisplaygeometry"], env={**os.environ,
                               "DISPLAY": display}, capture_output=True, timeout=10)
        if asked.returncode == 0:
            return
        assert time.monotonic() < deadline, f"no client gets through to Xvfb {display}"
        time.sleep(0.1)


def openbox(env: dict[str, str]) -> subprocess.Popen[bytes]:
    """openbox, once it has taken the screen (it answers the current desktop): a window
    mapped while openbox was still starting was now and then never shown (a full run's
    failure: "Elsewhere" not found visible in 30 s). It ended at once, status 1, 1 start in
    ~10 when the display reset under it (see above); should it end now, what it said (on
    its stdout, as on its stderr) is in the failure."""
    said = Path(tempfile.mkstemp(prefix="openbox-", suffix=".log")[1])
    try:
        with said.open("wb") as out:
            manager = subprocess.Popen(["openbox"], env=env, stdout=out,
                                       stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30.0
        while subprocess.run(["xdotool", "get_desktop"], env=env, capture_output=True,
                             timeout=10).returncode != 0:
            if manager.poll() is not None:
                words = said.read_text(errors="replace")[-1000:]
                raise AssertionError(f"openbox ended at once (status {manager.returncode}): "
                                     f"{words!r}; Xvfb said {last_words()!r}")
            if time.monotonic() > deadline:
                stop(manager, 10)
                raise AssertionError("openbox did not take the screen in 30 s")
            time.sleep(0.05)
        return manager
    finally:
        said.unlink(missing_ok=True)
