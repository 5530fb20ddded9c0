"""Engine → Take over from the background engine…: a window opened beside a `tickwork engine`
(left by "Keep scheduling in the background", the background service, or a terminal) stops
that engine gracefully and schedules the tasks itself; it never signals an engine on another
machine, nor a process that no longer holds the store."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from app.gui.qt import QMenu
from app.platform.processes import terminate_if
from app.store.lock import EngineLock
from tests.engine.conftest import holding_engine
from tests.gui.conftest import Gui, answer_question, command_task, said


def _engine_menu(gui: Gui) -> QMenu:
    menu = next(a.menu() for a in gui.window.menuBar().actions() if a.text() == "&Engine")
    assert isinstance(menu, QMenu)
    return menu


def test_a_viewer_takes_over_from_a_background_engine(gui_factory: Any, home: Path,
                                                      tmp_path: Path) -> None:
    background = holding_engine(home, tmp_path / "engine.log")
    try:
        pid = (EngineLock(home).holder() or {})["pid"]
        gui: Gui = gui_factory()
        assert gui.session.mode == "standby"
        take = gui.window.store_ops.take_over.action
        assert take.isVisible() and take in _engine_menu(gui).actions()
        gui.service.create_task(command_task("Tick", ["sh", "-c", "echo tick"],
                                             schedule={"kind": "interval", "seconds": 1}))

        question = answer_question(gui.qtbot, "Take over", screenshot="take-over-question")
        take.trigger()
        gui.wait_until(lambda: question.done)
        assert question.title == "Take over from the background engine?"
        assert f"process {pid}" in question.text and "interrupted and retried" in question.text
        assert "Asked the background engine" in said(gui.window)
        assert background.proc.wait(30) == 0  # a graceful stop
        assert "received SIGTERM: stopping" in background.text()
    finally:
        background.stop()
    gui.wait_until(lambda: gui.session.mode == "running", 15)
    assert not take.isVisible()  # nothing to take over any more
    assert "Engine running" in gui.window.status.engine.text()
    took = datetime.now(UTC)
    gui.wait_until(lambda: any(r.started_at and r.started_at > took and r.status == "succeeded"
                               for r in gui.service.list_runs(0, 20, task="Tick")), 30)


def test_an_engine_on_another_machine_is_named_not_signalled(gui_factory: Any,
                                                             home: Path) -> None:
    """A home on a network share, held by an engine on another host: its lock names that
    host and a process id that means nothing here (this test's own, as it happens)."""
    home.mkdir(parents=True, exist_ok=True)
    other = EngineLock(home)
    assert other.try_acquire("elsewhere.example:4242:1796366499881")
    try:
        gui: Gui = gui_factory()
        assert gui.session.mode == "standby"
        gui.window.store_ops.take_over.action.trigger()
        assert said(gui.window) == (
            "Cannot take over: the engine on elsewhere.example holds this store; stop it there.")
        assert gui.session.mode == "standby"  # (and this test process was not signalled)
    finally:
        other.release()


def test_terminate_if_signals_only_while_the_process_still_qualifies() -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert terminate_if(sleeper.pid, lambda: False) is False  # no longer the holder
        assert sleeper.poll() is None
        assert terminate_if(sleeper.pid, lambda: True) is True
        assert sleeper.wait(10) == -signal.SIGTERM
    finally:
        if sleeper.poll() is None:
            sleeper.kill()
            sleeper.wait()


def test_a_stale_lock_naming_a_reused_pid_signals_nobody(gui_factory: Any, home: Path,
                                                         tmp_path: Path) -> None:
    """An engine killed with kill -9 leaves its pid in engine.lock; when something else
    then holds the lock (a backup script's flock) and the pid belongs to a new process, that
    stranger was taken for the engine and sent SIGTERM. It started after the lock was taken,
    so it cannot be the engine: nothing is signalled."""
    import json
    import time

    home.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, os, sys, time\n"
        f"fd = os.open({str(home / 'engine.lock')!r}, os.O_RDWR | os.O_CREAT, 0o600)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX)\n"
        f"d = os.open({str(home)!r}, os.O_RDONLY)\n"
        "fcntl.flock(d, fcntl.LOCK_EX)\n"
        "print('held', flush=True)\n"
        "time.sleep(60)\n")], stdout=subprocess.PIPE, text=True)
    stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        (home / "engine.lock").write_text(json.dumps({  # the dead engine's record
            "pid": stranger.pid, "engine": f"{socket.gethostname()}:{stranger.pid}:1",
            "since": time.time() - 3600}))
        gui: Gui = gui_factory()
        assert gui.session.mode == "standby"
        question = answer_question(gui.qtbot, "Take over")
        gui.window.store_ops.take_over.action.trigger()
        gui.wait_until(lambda: question.done)
        assert said(gui.window).startswith(
            f"Did not stop process {stranger.pid}: it is not the engine")
        assert stranger.poll() is None  # alive: never signalled
    finally:
        for process in (stranger, holder):
            process.kill()
            process.wait()


@pytest.mark.parametrize("pid", [True, 0, 1, -1])
def test_terminate_if_refuses_what_is_not_one_process(pid: Any) -> None:
    assert terminate_if(pid, lambda: True) is False  # (-1 would be every process; 1 init)
