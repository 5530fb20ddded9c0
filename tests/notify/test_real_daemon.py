"""A real desktop notification daemon: dunst on an Xvfb display, on a private session bus.

The headless engine's failure reaches dunst (which counts it as displayed); choosing
"Retry now" in dunst's action menu (`dunstctl context`, whose menu program here picks that
line, as a person would in dmenu) makes dunst emit ActionInvoked, and the task runs again.
Skipped, with the reason, where dunst, Xvfb or dbus-daemon is not installed (.ci/run
installs them)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from faults.harness import wait_until
from tests.engine.conftest import EngineProcess
from tests.notify.test_engine_notifies import finished, runs_of
from tests.support.xserver import xvfb

pytestmark = pytest.mark.xdist_group("xvfb")  # see tests/support/xserver.py

PICK = """#!/bin/sh
# dunst's menu program (dmenu's place): keep what it offered, choose Retry now
menu="$(dirname "$0")/menu.txt"
cat > "$menu.part" && mv "$menu.part" "$menu" && grep -m1 'Retry now' "$menu"
"""


def need(*programs: str) -> None:
    missing = [p for p in programs if shutil.which(p) is None]
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)} (Debian: apt-get install dunst "
                    "xvfb; .ci/run installs them)")


@pytest.fixture
def dunst(session_bus: str, tmp_path: Path) -> Iterator[dict[str, str]]:
    need("dunst", "dunstctl", "Xvfb")
    with xvfb() as display:
        env = {**os.environ, "DISPLAY": display, "DBUS_SESSION_BUS_ADDRESS": session_bus}
        pick = tmp_path / "pick.sh"
        pick.write_text(PICK)
        pick.chmod(0o755)
        config = tmp_path / "dunstrc"
        config.write_text(f"[global]\n    dmenu = {pick}\n    browser = /bin/true\n")
        daemon = subprocess.Popen(["dunst", "-config", str(config)], env=env,
                                  stdout=subprocess.DEVNULL,
                                  stderr=(tmp_path / "dunst.log").open("w"))
        try:
            wait_until(lambda: subprocess.run(["dunstctl", "is-paused"], env=env,
                                              capture_output=True).returncode == 0)
            yield env
        finally:
            daemon.terminate()
            daemon.wait(10)


def displayed(env: dict[str, str]) -> int:
    out = subprocess.run(["dunstctl", "count", "displayed"], env=env, capture_output=True,
                         text=True).stdout
    return int(out.strip() or 0)


def test_dunst_shows_the_failure_and_retry_now_runs_the_task_again(
        cli: Any, home: Path, tmp_path: Path, dunst: dict[str, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", dunst["DBUS_SESSION_BUS_ADDRESS"])
    assert cli("task", "add", "sync-photos", "--command", "false").code == 0
    engine = EngineProcess(home, tmp_path / "engine.log")
    try:
        engine.wait_for("desktop notifications through dunst")
        assert cli("task", "run", "sync-photos").code == 0
        wait_until(lambda: displayed(dunst) == 1, timeout=20)
        # dunst opens its menu on its own time: the pick script writes menu.txt when it runs
        subprocess.run(["dunstctl", "context"], env=dunst, check=True, timeout=20)
        wait_until(lambda: finished(cli, "sync-photos", 2), timeout=30)
        menu = (tmp_path / "menu.txt").read_text()
        assert "Open log (sync-photos failed)" in menu
        assert "Retry now (sync-photos failed)" in menu
    finally:
        assert engine.stop() == 0
    assert [r["trigger"] for r in runs_of(cli, "sync-photos")] == ["manual", "manual"]
    assert "retry of sync-photos asked from a desktop notification" in engine.text()
