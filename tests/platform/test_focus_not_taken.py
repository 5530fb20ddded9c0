"""No focus stealing: a Tickwork dialog that closes after the person went to another
application leaves the keyboard with that application, on a real X server without a window
manager and with one (openbox). app/gui/widgets/focus_back.py gives a closed dialog's keys
back to its window only when the dialog had them as it closed; before, the Settings, the
editor and the questions asked for the window whenever no Tickwork window was active, so the
window took the keyboard from the application the person was typing in."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.support.processes import stop
from tests.support.xserver import openbox, xvfb

TOOLS = ("Xvfb", "xdotool")  # and openbox for its case (.ci/run installs all three)
pytestmark = [pytest.mark.skipif(any(shutil.which(t) is None for t in TOOLS),
                                 reason=f"needs {', '.join(TOOLS)}"),
              pytest.mark.xdist_group("xvfb")]  # see tests/support/xserver.py

ELSEWHERE = ("import sys\nfrom PySide6.QtWidgets import QApplication, QLineEdit\n"
             "app = QApplication(sys.argv)\nw = QLineEdit()\nw.setWindowTitle('Elsewhere')\n"
             "w.move(700, 500)\nw.show()\napp.exec()\n")


@pytest.fixture(params=["no window manager", "openbox"])
def display(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    with xvfb() as number:
        env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
        env.update(DISPLAY=number, QT_QPA_PLATFORM="xcb")
        manager = None
        if request.param == "openbox":
            if shutil.which("openbox") is None:
                pytest.skip("needs openbox")
            manager = openbox(env)
        try:
            yield env
        finally:
            if manager is not None:
                stop(manager, 10)


def test_a_dialog_closing_leaves_the_keys_with_the_application_the_person_went_to(
        display: dict[str, str], home: Path) -> None:
    other = subprocess.Popen([sys.executable, "-c", ELSEWHERE], env=display,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        found = subprocess.run(["xdotool", "search", "--sync", "--onlyvisible", "--name",
                                "^Elsewhere$"], env=display, capture_output=True, text=True,
                               timeout=30)
        xid = found.stdout.split()[0]
        child = subprocess.run([sys.executable, "-m", "tests.support.dialog_closes_elsewhere",
                                str(home), xid], env=display, cwd=ROOT, capture_output=True,
                               text=True, timeout=120)
        assert child.returncode == 0, child.stdout + child.stderr
        said = json.loads(child.stdout.strip().splitlines()[-1])
        assert said == {"x_focus": xid, "active": False}, child.stderr
    finally:
        stop(other, 10)
