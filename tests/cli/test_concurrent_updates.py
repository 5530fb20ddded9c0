"""Two `task update` commands at once on one task each keep the other's change: the CLI read
the task, built its new tags and variables from it, and only then took the write lock, so of
two shells adding 20 tags each only 35 of the 40 survived, every command saying "updated
task" (a fault hunt). The read, the change and the write are now one transaction."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from tests.conftest import ROOT
from tests.support import tickwork

ROUNDS = 8


def test_two_shells_adding_tags_and_variables_at_once_keep_every_one(
        home: Path, cli: Any) -> None:
    assert cli("task", "add", "t", "--command", "true", "--manual").code == 0
    failures: list[str] = []

    def shell(prefix: str) -> None:
        for i in range(ROUNDS):
            proc = tickwork.run(["--home", str(home), "task", "update", "t", "--tag",
                                 f"{prefix}{i}", "--env", f"{prefix.upper()}{i}=1"],
                                timeout=60, cwd=ROOT)
            if proc.returncode != 0:
                failures.append(proc.stderr)

    shells = [threading.Thread(target=shell, args=(p,)) for p in ("a", "b")]
    for thread in shells:
        thread.start()
    for thread in shells:
        thread.join()
    assert failures == []
    task = cli("task", "show", "t", "--json").json()
    want = {f"{p}{i}" for p in "ab" for i in range(ROUNDS)}
    assert set(task["tags"]) == want
    assert set(task["env"]) == {name.upper() for name in want}
    events = cli("audit", "--json", "--limit", "100").json()
    assert sum(e["action"] == "task.update" for e in events) == 2 * ROUNDS
