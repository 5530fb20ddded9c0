"""The window's process stopped by a signal, as a logout or `kill` stops it: it quits as Quit
does without asking — its engine stops with its grace period, a run still going is stopped
(its process with it) and recorded, and the exit status is 0. It used to die on the spot,
its command left running and its run `running` until the next start's recovery."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import psutil
import pytest

from faults.harness import wait_until
from tests.conftest import ROOT

MARK = "31.7"  # the command's argument


def _sleepers(window: subprocess.Popen[bytes]) -> list[psutil.Process]:
    """The command's processes among the window's descendants (a command runs in its own
    session, but its launcher is the window's child)."""
    found = []
    for proc in psutil.Process(window.pid).children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if proc.cmdline() == ["sleep", MARK]:
                found.append(proc)
    return found


def _ignored(pid: int) -> str:
    """The signals a process ignores, as /proc says (a mask)."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("SigIgn:"):
                return line
    return "?"


def _window_with_a_slow_task(cli: Any, home: Path, tmp_path: Path
                             ) -> tuple[subprocess.Popen[bytes], Path]:
    """The real window (`python main.py`) over a home with a task "slow" that sleeps, and
    the file its log goes to."""
    assert cli("task", "add", "slow", "--command", f"sleep {MARK}", "--manual").code == 0
    log = tmp_path / "window.log"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    with log.open("w") as err:
        window = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "--home", str(home)],
                                  cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=err,
                                  preexec_fn=_signals_as_a_desktop_gives_them)
    return window, log


def _signals_as_a_desktop_gives_them() -> None:
    """(In the window's process before it starts.) The signals a logout sends with their
    default effect, whatever this suite was started with: `nohup make test &` ignores SIGHUP
    and SIGINT, which the window then keeps ignoring, as a program must."""
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_signal_quits_the_window_as_quit_does(cli: Any, home: Path, tmp_path: Path,
                                                 signum: signal.Signals) -> None:
    window, log = _window_with_a_slow_task(cli, home, tmp_path)
    try:
        wait_until(lambda: "engine running" in log.read_text(), 60)
        assert cli("task", "run", "slow").code == 0

        def status() -> str:
            runs = json.loads(cli("run", "list", "--json").out)
            return str(runs[0]["status"]) if runs else "none"

        wait_until(lambda: status() == "running", 30)
        sleepers = _sleepers(window)
        assert len(sleepers) == 1
        window.send_signal(signum)
        try:
            code = window.wait(60)
        except subprocess.TimeoutExpired:  # (once, in a full run: its log says why)
            code = None
        assert code == 0, (signal.getsignal(signal.SIGINT), _ignored(window.pid),
                           log.read_text()[-4000:])
    finally:
        if window.poll() is None:
            window.kill()
            window.wait(10)
    text = log.read_text()
    assert f"received {signum.name}: quitting" in text
    runs = json.loads(cli("run", "list", "--json").out)
    assert [r["status"] for r in runs] == ["interrupted"]  # stopped after the grace period
    assert not sleepers[0].is_running()


def test_a_second_signal_ends_a_window_that_is_still_stopping(cli: Any, home: Path,
                                                               tmp_path: Path) -> None:
    """While the engine gives a running command its grace period, a second SIGTERM ends
    the process at once (SIGTERM's default): a stop that hangs can still be ended."""
    window, log = _window_with_a_slow_task(cli, home, tmp_path)
    sleepers: list[psutil.Process] = []
    try:
        wait_until(lambda: "engine running" in log.read_text(), 60)
        assert cli("task", "run", "slow").code == 0
        wait_until(lambda: len(_sleepers(window)) == 1, 30)
        sleepers = _sleepers(window)
        window.send_signal(signal.SIGTERM)
        wait_until(lambda: "received SIGTERM: quitting" in log.read_text(), 30)
        window.send_signal(signal.SIGTERM)  # well within the 5 s grace
        assert window.wait(30) == -signal.SIGTERM, log.read_text()
    finally:
        if window.poll() is None:
            window.kill()
            window.wait(10)
        for proc in sleepers:  # left running, as by a killed engine: the next start's
            with contextlib.suppress(psutil.Error):  # recovery would stop it
                proc.kill()


def test_a_signal_before_the_event_loop_runs_is_not_lost(qapp: Any) -> None:
    """A signal while the window is still being made (the store opened, the engine
    started) is kept: the loop that begins next ends at once. After the first signal a
    second one has its default effect, and the handlers before come back at the end."""
    from app.gui.bootstrap import QuitOnSignals
    from app.gui.qt import QTimer

    before = signal.getsignal(signal.SIGTERM)
    before_int = signal.getsignal(signal.SIGINT)
    signals = QuitOnSignals(qapp)
    try:
        os.kill(os.getpid(), signal.SIGTERM)  # (its handler runs before kill returns)
        assert signals.received
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
        assert signal.getsignal(signal.SIGINT) is (  # (as the suite was started: `… &`
            signal.SIG_IGN if before_int is signal.SIG_IGN  # ignores it, and so does the
            else signal.default_int_handler)  # window then)
        guard = QTimer()  # a lost signal fails the test rather than hang it
        guard.setSingleShot(True)
        guard.timeout.connect(lambda: qapp.exit(1))
        guard.start(10_000)
        try:
            assert qapp.exec() == 0
        finally:
            guard.stop()  # (left running, it ended a later test's wait in this process)
    finally:
        signals.restore()
    assert signal.getsignal(signal.SIGTERM) is before
