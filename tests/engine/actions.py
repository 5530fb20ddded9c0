"""Python actions for the dependency and checkpoint tests (tests.engine.actions:NAME)."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any


def nap(seconds: float) -> None:
    time.sleep(seconds)


def count_steps(n: int, steps: str, marks: str, context: Any, pause: float = 0.0) -> int:
    """Counts to n, one step at a time: does the step (a line in `steps`), checkpoints it,
    and notes in `marks` where each attempt resumed and which checkpoints returned."""
    start = (context.resume_state or {}).get("done", 0)
    with open(marks, "a") as fh:
        fh.write(f"resume {start} attempt {context.attempt}\n")
    for i in range(start + 1, n + 1):
        with open(steps, "a") as fh:
            fh.write(f"{i}\n")
        context.checkpoint({"done": i})
        with open(marks, "a") as fh:
            fh.write(f"checkpointed {i}\n")
        time.sleep(pause)
    return n


def checkpoint_then_fail(marks: str, context: Any) -> str:
    """Its first attempt checkpoints {"done": 5} and fails; each attempt notes in `marks`
    where it resumed."""
    with open(marks, "a") as fh:
        fh.write(f"attempt {context.attempt} resumed {json.dumps(context.resume_state)}\n")
    if context.attempt == 1:
        context.checkpoint({"done": 5})
        raise RuntimeError("failed after step 5")
    return "done"


def checkpoint_then_look(db: str, out: str, context: Any) -> None:
    """Checkpoints, then reads its own run's row through another connection at once."""
    context.checkpoint({"step": 1})
    con = sqlite3.connect(db)
    try:
        (text,) = con.execute("SELECT checkpoint FROM run WHERE id = ?",
                              (context.run_id,)).fetchone()
    finally:
        con.close()
    Path(out).write_text(json.dumps({"seen": text}))


def cpus(path: str) -> None:
    """Notes the CPUs it may run on."""
    import os

    Path(path).write_text(json.dumps(sorted(os.sched_getaffinity(0))))
