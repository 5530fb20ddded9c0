"""The bundle's window on a real X server (Xvfb), started the way a desktop starts it: no
arguments, no QT_QPA_PLATFORM, a clean environment. The window is found by its title with
xdotool and the screen is saved as dist/screenshots/bundle-window.png."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.package.conftest import needs_bundle
from tests.package.screenshot import screenshot

pytestmark = needs_bundle


def test_the_window_opens_under_xvfb(bundle: Path, user: dict[str, str], xvfb: str,
                                     tmp_path: Path) -> None:
    if shutil.which("xdotool") is None or shutil.which("xwd") is None:
        pytest.fail("xdotool and xwd are needed (apt-get install xdotool x11-apps)")
    log = (tmp_path / "window.log").open("w")
    window = subprocess.Popen([str(bundle)], env={**user, "DISPLAY": xvfb}, cwd=tmp_path,
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        found = subprocess.run(["xdotool", "search", "--sync", "--onlyvisible", "--class",
                                "Tickwork"], env={"DISPLAY": xvfb, "PATH": "/usr/bin:/bin"},
                               capture_output=True, text=True, timeout=90)
        assert found.returncode == 0, (tmp_path / "window.log").read_text()
        wid = found.stdout.split()[0]
        geometry = subprocess.run(["xdotool", "getwindowgeometry", "--shell", wid],
                                  env={"DISPLAY": xvfb}, capture_output=True, text=True,
                                  timeout=30).stdout
        size = dict(line.split("=", 1) for line in geometry.split())
        assert int(size["WIDTH"]) >= 400 and int(size["HEIGHT"]) >= 300, geometry
        assert window.poll() is None, "the window's process ended"
        shot = ROOT / "dist" / "screenshots" / "bundle-window.png"
        deadline = time.monotonic() + 60
        while screenshot(xvfb, shot) < 16:  # mapped before painted: wait for the paint
            assert time.monotonic() < deadline, "the window stayed blank"
            time.sleep(0.2)
    finally:
        with_group = window.poll() is None
        if with_group:
            os.killpg(window.pid, signal.SIGTERM)
        try:
            window.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(window.pid, signal.SIGKILL)
            window.wait(timeout=30)
        log.close()
    text = (tmp_path / "window.log").read_text()
    assert "Traceback" not in text, text
    assert "Could not load the Qt platform plugin" not in text, text
