"""An engine whose store holds a command task starts one launcher process as it starts, not
at its first command: the first Run now on a command, first thing in a window, started
110–350 ms after it was asked for (the launchers' interpreters starting), where the next
took ~5 ms (`python -m benchmarks.run_now`). A task by hand only counts (Run now is what
waits), as does a command task added while the engine runs. Only one: each is an
interpreter of ~17 MiB, and all of them (4–8) sat idle all day for one nightly backup. More
start as commands come together (app/engine/launcher/pool.py), and those beyond the first
are let go once idle — never one with a command pending, and none is started in the place
of one let go, while one that dies is replaced."""

from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import psutil
import pytest

from app.engine import executor as executor_module
from app.engine.executor import Executor
from app.engine.launcher import client, pool
from app.engine.launcher.client import Launchers, Link, launcher_count
from tests.conftest import command_task
from tests.engine.conftest import finished_runs, soon, wait_until
from tests.engine.process_trees import gone


def _launchers(engine_pid: int) -> list[psutil.Process]:
    return [p for p in psutil.Process(engine_pid).children()
            if "app.engine.launcher" in p.cmdline() and not gone(p)]


def _run_by(cli: Any, task: str) -> int:
    """Run `task` (its command prints its parent) now: the pid of the launcher that ran it."""
    ran = cli("task", "run", task, "--wait", "30")
    assert ran.code == 0, ran.out + ran.err
    (run,) = [r for r in cli("run", "list", "--json").json() if r["task_name"] == task]
    return int(cli("run", "show", "--log", str(run["id"])).out.split("parent=")[1].split()[0])


def test_an_engine_with_a_command_task_starts_one_launcher_at_start(spawn: Any,
                                                                    cli: Any) -> None:
    assert cli("task", "add", "by-hand", "--command", "echo parent=$PPID", "--shell",
               "--manual").code == 0
    engine = spawn()
    engine.wait_for("engine running")
    (first,) = wait_until(lambda: _launchers(engine.proc.pid), 30)
    assert cli("run", "list", "--json").json() == []  # no run asked for it
    time.sleep(1.0)  # and no more come
    assert [p.pid for p in _launchers(engine.proc.pid)] == [first.pid]
    assert _run_by(cli, "by-hand") == first.pid  # the first Run now found it up


def test_a_command_task_added_to_a_running_engine_starts_one_launcher(spawn: Any,
                                                                      cli: Any) -> None:
    assert cli("task", "add", "py", "--python", "tests.support.actions:noop",
               "--manual").code == 0
    engine = spawn()
    engine.wait_for("engine running")
    assert _launchers(engine.proc.pid) == []  # Python tasks only: none
    assert cli("task", "add", "by-hand", "--command", "echo parent=$PPID", "--shell",
               "--manual").code == 0
    (first,) = wait_until(lambda: _launchers(engine.proc.pid), 30)
    time.sleep(1.0)
    assert [p.pid for p in _launchers(engine.proc.pid)] == [first.pid]
    assert _run_by(cli, "by-hand") == first.pid


@pytest.fixture
def launchers(monkeypatch: pytest.MonkeyPatch) -> Iterator[Launchers[Link]]:
    """This test's own launchers (the process's may be live, from other tests), let go idle
    after IDLE_RETIRE = 1.5 s."""
    own: Launchers[Link] = Launchers(Link)
    monkeypatch.setattr(client, "LAUNCHERS", own)
    monkeypatch.setattr(executor_module, "LAUNCHERS", own)
    monkeypatch.setattr(pool, "IDLE_RETIRE", 1.5)
    yield own
    own.close()


def test_commands_due_together_start_more_launchers_and_the_extras_retire_idle(
        launchers: Launchers[Link], engine: Any, service: Any) -> None:
    """Ten commands due at once: up to `launcher_count()` launchers run them, none is lost;
    idle, those beyond the first are let go and not replaced; the last one, killed -9, is."""
    when = soon(5.0)
    for n in range(10):
        service.create_task(command_task(f"c{n}", schedule={"kind": "date", "at": when},
                                         action={"kind": "command", "argv": ["sleep", "3"]}))
    engine.start()
    wait_until(lambda: len(launchers.live()) == launcher_count(), 20)
    before = {link.pid: link.proc for link in launchers.live()}  # (while they run: idle,
    assert len(before) == launcher_count()  # the extras may go 1.5 s after the last end)
    runs = wait_until(lambda: len(done := [r for n in range(10)
                                           for r in finished_runs(service, f"c{n}")]) == 10
                      and done, 30)
    assert {r.status for r in runs} == {"succeeded"}
    (kept,) = wait_until(lambda: len(live := launchers.live()) == 1 and live, 15)
    let_go = [proc for pid, proc in before.items() if pid != kept.pid]
    wait_until(lambda: all(proc.poll() is not None for proc in let_go), 10)  # they exited
    time.sleep(1.5)  # and none took their place
    assert [link.pid for link in launchers.live()] == [kept.pid]
    assert not launchers.overdue.watching()  # nothing extra: no look each second
    os.kill(kept.pid, signal.SIGKILL)
    wait_until(lambda: [link for link in launchers.live() if link.pid != kept.pid], 10)
    assert len(launchers.live()) == 1  # its successor
    service.create_task(command_task("after", action={"kind": "command", "argv": ["true"]}))
    assert service.run_now("after")
    (run,) = wait_until(lambda: finished_runs(service, "after"), 20)
    assert run.status == "succeeded"


def test_a_launcher_with_a_command_pending_is_never_let_go(
        launchers: Launchers[Link]) -> None:
    """Idle past IDLE_RETIRE but handed a command, it takes it: the check and the refusal are
    one step under its lock, so a command is never handed to one being let go."""
    launchers.warm(2)
    first, extra = launchers.live()
    now = time.monotonic() + 60
    assert extra.retire(1.5, now - 59) is False  # (busy until just now)
    extra.pending[0] = cast(Any, object())  # a command handed over, not yet ended
    assert extra.retire(1.5, now) is False
    assert launchers.retire_idle(now) is True and len(launchers.live()) == 2
    del extra.pending[0]
    assert launchers.retire_idle(now) is False
    assert launchers.live() == [first]
    assert extra.run(cast(Any, None), [], cast(Any, None)) is False  # refused: go elsewhere
    wait_until(lambda: extra.proc.poll() is not None, 10)
    assert launchers.live() == [first]


def test_a_launcher_running_a_long_command_takes_the_next_one_too(
        launchers: Launchers[Link], engine: Any, service: Any) -> None:
    """Busy is starting commands, not running one: with a nightly backup running, every
    command started a new launcher (~17 MiB, an interpreter's start) that then sat idle and
    was let go a minute later, the command itself going to the busy one anyway (a review)."""
    service.create_task(command_task("long", schedule={"kind": "manual"},
                                     action={"kind": "command", "argv": ["sleep", "30"]}))
    service.create_task(command_task("quick", schedule={"kind": "manual"},
                                     action={"kind": "command", "argv": ["true"]}))
    engine.start()
    wait_until(lambda: len(launchers.live()) == 1, 20)
    long = service.run_now("long")
    wait_until(lambda: service.get_run(long.id).status == "running", 20)
    for _ in range(3):
        run = service.run_now("quick")
        assert wait_until(lambda run=run: service.get_run(run.id).finished_at, 20)
        assert service.get_run(run.id).status == "succeeded"
    assert len(launchers.live()) == 1
    service.cancel_run(long.id)


def test_launchers_that_cannot_start_leak_nothing_and_are_not_retried_at_every_load(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """Their start failing (the process limit, the interpreter replaced by an upgrade) leaked
    the engine's two pipe ends each try, and the warm-up tried again at every load of a
    command task, toward the limit on open files; it is left to the first command."""
    monkeypatch.setattr(client, "launcher_argv", lambda: ["/nonexistent/tickwork-launcher"])
    fds = set(os.listdir("/proc/self/fd"))
    for _ in range(5):
        with pytest.raises(OSError):
            client.Link(client.Launchers(client.Link))
    assert set(os.listdir("/proc/self/fd")) <= fds
    none_live = client.Launchers(client.Link)  # (the process's own may be, from other tests)
    monkeypatch.setattr(executor_module, "LAUNCHERS", none_live)
    executor = Executor(cast(Any, None), 2)
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


def test_commands_due_together_again_have_their_launchers_started_ahead_again(
        launchers: Launchers[Link], engine: Any, service: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Ten commands every 8 s: the extras the first burst started are let go idle (here
    after 1 s), and before the next burst — the tasks now held by the engine, not loaded
    again — as many launchers as it needs are up again, not one started per busy moment of
    the burst itself."""
    monkeypatch.setattr(pool, "IDLE_RETIRE", 1.0)
    for n in range(10):
        service.create_task(command_task(f"c{n}", schedule={"kind": "interval", "seconds": 8},
                                         action={"kind": "command", "argv": ["true"]}))
    engine.start()
    first = wait_until(lambda: [r for n in range(10) for r in finished_runs(service, f"c{n}")]
                       if len(finished_runs(service, "c0")) >= 1 else None, 30)
    fire = max(r.scheduled_for for r in first)
    wait_until(lambda: len(launchers.live()) == 1, 15)  # the extras let go
    assert not any(len(finished_runs(service, f"c{n}")) > 1 for n in range(10))
    wait_until(lambda: len(launchers.live()) == launcher_count(), 30)  # (15 s: short at load 6)
    assert datetime.now(UTC) < fire + timedelta(seconds=8)  # up before the next burst
    second = wait_until(lambda: [r for n in range(10) for r in finished_runs(service, f"c{n}")]
                        if all(len(finished_runs(service, f"c{n}")) >= 2 for n in range(10))
                        else None, 30)
    assert {r.status for r in second} == {"succeeded"}
