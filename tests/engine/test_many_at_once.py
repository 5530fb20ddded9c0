"""The engine in this process hears a selection's Run now and Delete, made in one commit
each (`Service.run_now_many`, `delete_many`), as it hears them one by one: it starts every
run queued, and stops the processes of every task deleted while it ran."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psutil

from tests.conftest import command_task
from tests.engine.conftest import wait_until


def test_every_run_queued_together_is_started(engine: Any, service: Any) -> None:
    engine.start()
    names = [f"t{i:02d}" for i in range(20)]
    for name in names:
        service.create_task(command_task(name))
    runs = service.run_now_many(names)
    done = wait_until(lambda: (found := [service.get_run(r.id) for r in runs])
                      and all(r.status == "succeeded" for r in found) and found, 20)
    assert sorted(r.task_name for r in done) == names


def test_tasks_deleted_together_while_they_run_are_stopped(engine: Any, service: Any,
                                                           tmp_path: Path) -> None:
    engine.start()
    pids = {}
    for name in ("a", "b"):
        pids[name] = tmp_path / f"{name}.pid"
        service.create_task(command_task(name, action={
            "kind": "command", "argv": [f"echo $$ > {pids[name]}; exec sleep 60"],
            "shell": True}))
    runs = service.run_now_many(["a", "b"])
    wait_until(lambda: all(service.get_run(r.id).status == "running" for r in runs)
               and all(p.exists() and p.read_text().strip() for p in pids.values()), 10)
    running = [int(p.read_text()) for p in pids.values()]
    service.delete_many(["a", "b"], force=True)
    assert service.list_tasks() == []
    wait_until(lambda: all(not psutil.pid_exists(pid)
                           or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
                           for pid in running), 10)
