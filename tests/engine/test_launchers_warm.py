"""An engine whose store holds a command task starts its launcher processes as it starts, not
at its first command: the first Run now on a command, first thing in a window, started
110–350 ms after it was asked for (the launchers' interpreters starting), where the next
took ~5 ms (`python -m benchmarks.run_now`). A task by hand only counts (Run now is what
waits), as does a command task added while the engine runs. A real `tickwork engine`, no
run asked for: only the start can have started them."""

from __future__ import annotations

from typing import Any

import psutil

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
