"""Checkpoints: durable before `checkpoint()` returns, handed to the next attempt, and a
resume after `kill -9` of the engine process repeats at most the step in flight."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.engine.conftest import wait_until
from tests.support import tickwork


def test_checkpoint_returns_only_once_committed(engine: Any, service: Any, home: Path,
                                                tmp_path: Path) -> None:
    out = tmp_path / "seen.json"
    engine.start()
    service.create_task({"name": "cp", "timezone": "UTC", "action": {
        "kind": "python", "target": "tests.engine.actions:checkpoint_then_look",
        "kwargs": {"db": str(home / "tickwork.db"), "out": str(out)}}})
    run = service.run_now("cp")
    wait_until(lambda: service.get_run(run.id).status == "succeeded", 5)
    assert json.loads(json.loads(out.read_text())["seen"]) == {"step": 1}


def test_checkpoint_that_cannot_commit_in_time_raises(engine: Any) -> None:
    from datetime import UTC, datetime

    from app.core.task import Action
    from app.engine.executor import Attempt, CheckpointError, RunContext

    engine.recorder.checkpoint_timeout = 0.2
    # the writer is not running (the engine was never started): nothing can commit
    attempt = Attempt(run_id=1, task_id=1, task_name="t", scheduled_for=datetime.now(UTC),
                      attempt=1, action=Action("python", target="m:f"))
    context = RunContext(attempt, engine.recorder)
    with pytest.raises(CheckpointError, match=r"not committed within 0\.2 s"):
        context.checkpoint({"done": 1})
    with pytest.raises(ValueError, match="larger than"):
        context.checkpoint({"blob": "x" * 70_000})


def _ledger(home: Path, task: str) -> list[tuple[int, str, str, str | None]]:
    con = sqlite3.connect(home / "tickwork.db")
    try:
        return con.execute(
            "SELECT r.attempt, r.status, r.trigger, r.checkpoint FROM run r JOIN task t "
            "ON t.id = r.task_id WHERE t.name = ? ORDER BY r.attempt", (task,)).fetchall()
    finally:
        con.close()


def test_count_to_ten_killed_at_six_resumes_at_six(spawn: Any, cli: Any, home: Path,
                                                   tmp_path: Path) -> None:
    steps, marks = tmp_path / "steps", tmp_path / "marks"
    data = {"version": 1, "tasks": [{
        "name": "counter", "timezone": "UTC", "retries": 1, "retry_delay": 0.1,
        "action": {"kind": "python", "target": "tests.engine.actions:count_steps",
                   "kwargs": {"n": 10, "steps": str(steps), "marks": str(marks),
                              "pause": 0.3}}}]}
    bulk = tmp_path / "tasks.json"
    bulk.write_text(json.dumps(data))
    imported = tickwork.run(["--home", str(home), "import", str(bulk)], cwd=ROOT)
    assert imported.returncode == 0, imported.stderr
    first = spawn("first")
    first.wait_for("engine running")
    assert cli("task", "run", "counter").code == 0
    wait_until(lambda: marks.exists() and "checkpointed 6\n" in marks.read_text(), 15,
               interval=0.01)
    first.kill9()
    second = spawn("second")
    second.wait_for("engine running")
    wait_until(lambda: any(r[1] == "succeeded" for r in _ledger(home, "counter")), 15)
    second.stop()
    (a1, s1, t1, _c1), (a2, s2, t2, c2) = _ledger(home, "counter")
    assert (a1, s1, t1) == (1, "interrupted", "manual")
    assert (a2, s2, t2) == (2, "succeeded", "retry")
    assert json.loads(c2 or "null") == {"done": 10}
    lines = marks.read_text().splitlines()
    assert lines[0] == "resume 0 attempt 1"
    assert "resume 6 attempt 2" in lines, lines
    done = [int(x) for x in steps.read_text().split()]
    # every step exactly once, except that the step in flight at the kill (7, started
    # after checkpoint 6 returned) may have been done twice: the documented at-least-once
    assert done in (list(range(1, 11)), [1, 2, 3, 4, 5, 6, 7, 7, 8, 9, 10]), done
