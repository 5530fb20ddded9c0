"""The storm's workload: a mix of what people schedule, every fire traceable afterwards.

Each task fires on a fixed interval from its own start until a common end, catch-up `all`,
so the set of fires that *must* be in the ledger afterwards is known exactly. Python actions
append one line per execution (task, fire time, attempt) to a shared file; commands run under
`flock -n` on a per-task lock and write `overlap` when another copy still holds it — two
copies at once is the double run a recovery must prevent. Some commands run long and leave a
`setsid` grandchild, the process a crash would orphan. Every command carries the workload's
mark in its environment, so a process left behind is found afterwards.
"""

from __future__ import annotations

import random
import shlex
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from faults.harness import MARK_VAR


@dataclass(frozen=True)
class Workload:
    tasks: list[dict[str, Any]]
    executions: Path  # one line per Python execution
    overlaps: Path  # one line per command that found another copy still running
    mark: str
    start: datetime
    end: datetime


def build(folder: Path, count: int, start: datetime, end: datetime, mark: str,
          rng: random.Random) -> Workload:
    folder.mkdir(parents=True, exist_ok=True)
    locks = folder / "locks"
    locks.mkdir(exist_ok=True)
    executions = folder / "executions.txt"
    overlaps = folder / "overlaps.txt"
    tasks: list[dict[str, Any]] = []
    env = {MARK_VAR: mark}

    span = (end - start).total_seconds()

    def timing(period: float) -> dict[str, Any]:  # a first fire by the end: a valid task
        first = start + timedelta(seconds=rng.uniform(0, min(period, span)))
        return {"schedule": {"kind": "interval", "seconds": period},
                "start_at": first.isoformat(), "end_at": end.isoformat(),
                "timezone": "UTC", "catch_up": "all"}

    def python(name: str, pause: float) -> dict[str, Any]:
        return {"kind": "python", "target": "faults.actions:record",
                "kwargs": {"path": str(executions), "name": name, "pause": pause}}

    def command(name: str, body: str) -> dict[str, Any]:
        lock = shlex.quote(str(locks / f"{name}.lock"))
        script = (f"flock -n {lock} sh -c {shlex.quote(body)} "
                  f"|| echo {name} >> {shlex.quote(str(overlaps))}")
        return {"kind": "command", "argv": [script], "shell": True}

    n_long = max(1, count // 25)
    n_dep = max(1, count // 10)  # pairs
    n_group = max(1, count // 5)
    n_cmd = max(1, (count - n_long - 2 * n_dep - n_group) // 2)
    n_py = count - n_long - 2 * n_dep - n_group - n_cmd
    for i in range(n_py):
        name = f"py{i:03d}"
        tasks.append({"name": name, "action": python(name, rng.uniform(0, 0.3)),
                      "retries": rng.choice([0, 1, 2]), "retry_delay": 0.5,
                      **timing(rng.uniform(3, 9))})
    for i in range(n_cmd):
        name = f"cmd{i:03d}"
        tasks.append({"name": name, "env": env, "retries": rng.choice([0, 1]),
                      "retry_delay": 0.5,
                      "action": command(name, f"sleep {rng.uniform(0.05, 0.4):.2f}"),
                      **timing(rng.uniform(4, 10))})
    for i in range(n_long):
        name = f"long{i:03d}"
        # the grandchild holds the task's lock too (flock's descriptor is inherited) but
        # ends before its leader: a run that succeeded may leave a program running on
        # purpose, and one that outlived its leader by a few ms made the next run of the
        # task, started from a backlog at once, "two copies"; one an interrupted run left
        # behind still holds the lock for seconds, so a retry beside it is still caught
        body = "setsid sleep 3.5 < /dev/null > /dev/null 2>&1 & sleep 4"
        tasks.append({"name": name, "env": env, "retries": 2, "retry_delay": 0.5,
                      "action": command(name, body), **timing(rng.uniform(9, 14))})
    for i in range(n_dep):
        up, down = f"up{i:03d}", f"down{i:03d}"
        period = rng.uniform(5, 10)
        tasks.append({"name": up, "action": python(up, 0.05), "retries": 1,
                      "retry_delay": 0.5, **timing(period)})
        tasks.append({"name": down, "action": python(down, 0.02), "depends_on": [up],
                      "dependency_timeout": 30, **timing(period)})
    for i in range(n_group):
        name = f"grp{i:03d}"
        group = "pair" if i % 2 else "mutex"
        tasks.append({"name": name, "action": python(name, 0.05), "group": group,
                      "group_limit": 2 if group == "pair" else 1, **timing(rng.uniform(5, 12))})
    return Workload(tasks, executions, overlaps, mark, start, end)


def expected_fires(task: dict[str, Any], until: datetime,
                   since: datetime | None = None) -> set[str]:
    """Every fire time (stored form) the task's interval schedule has up to `until`, from
    `since` on when given (the task's creation: a fire before the task existed is not owed,
    and a slow import on a busy machine may create it after its first fires)."""
    first = datetime.fromisoformat(task["start_at"])
    end = min(datetime.fromisoformat(task["end_at"]), until)
    step = timedelta(seconds=task["schedule"]["seconds"])
    fires, at = set(), first
    while at <= end:
        if since is None or at >= since:
            fires.add(at.astimezone(UTC).isoformat(timespec="microseconds"))
        at += step
    return fires
