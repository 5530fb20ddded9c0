"""An engine whose store holds a command task starts its launcher processes as it starts, not
at its first command: the first Run now on a command, first thing in a window, started
110–350 ms after it was asked for (the launchers' interpreters starting), where the next
took ~5 ms (`python -m benchmarks.run_now`). A task by hand only counts (Run now is what
waits), as does a command task added while the engine runs. A real `tickwork engine`, no
run asked for: only the start can have started them."""

from __future__ import annotations

import logging
import os
import time
from typing import Any, cast

import psutil
import pytest

from app.engine import executor as executor_module
from app.engine.executor import Executor
from app.engine.launcher import client
from app.engine.launcher.client import launcher_count
from tests.engine.conftest import wait_until
from tests.engine.process_trees import gone


def _launchers(engine_pid: int) -> list[psutil.Process]:
    return [p for p in psutil.Process(engine_pid).children()
            if "app.engine.launcher" in p.cmdline() and not gone(p)]


def test_an_engine_with_a_command_task_starts_its_launchers_at_start(spawn: Any,
                                                                     cli: Any) -> None:
    assert cli("task", "add", "by-hand", "--command", "true", "--manual").code == 0
    engine = spawn()
    engine.wait_for("engine running")
    wait_until(lambda: len(_launchers(engine.proc.pid)) == launcher_count(), 30)
    assert cli("run", "list", "--json").json() == []  # no run asked them for


def test_a_command_task_added_to_a_running_engine_starts_its_launchers(spawn: Any,
                                                                       cli: Any) -> None:
    assert cli("task", "add", "py", "--python", "tests.support.actions:noop",
               "--manual").code == 0
    engine = spawn()
    engine.wait_for("engine running")
    assert _launchers(engine.proc.pid) == []  # Python tasks only: none
    assert cli("task", "add", "by-hand", "--command", "true", "--manual").code == 0
    wait_until(lambda: len(_launchers(engine.proc.pid)) == launcher_count(), 30)


def test_launchers_that_cannot_start_leak_nothing_and_are_not_retried_at_every_load(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """Their start failing (the process limit, the interpreter replaced by an upgrade) leaked
    the engine's two pipe ends each try, and the warm-up tried again at every load of a
    command task, toward the limit on open files; it is left to the first command."""
    monkeypatch.setattr(client, "launcher_argv", lambda: ["/nonexistent/tickwork-launcher"])
    fds = set(os.listdir("/proc/self/fd"))
    for _ in range(5):
        with pytest.raises(OSError):
            client.Link(client.Launchers())
    assert set(os.listdir("/proc/self/fd")) <= fds
    monkeypatch.setattr(executor_module, "LAUNCHERS", client.Launchers())  # (none live:
    executor = Executor(cast(Any, None), 2)  # the process's own may be, from other tests)
    try:
        with caplog.at_level(logging.WARNING, "tickwork.engine"):
            executor.warm_commands()
            wait_until(lambda: "cannot start the launchers" in caplog.text, 10)
            for _ in range(3):  # three more loads of command tasks
                executor.warm_commands()
            time.sleep(0.2)  # (a thread started would have tried and said so by now)
        assert caplog.text.count("cannot start the launchers") == 1
    finally:
        executor.shutdown(5)
