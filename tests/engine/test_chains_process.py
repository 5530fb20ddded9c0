"""What runs next, through the user's doors: `tickwork engine` as a process, the CLI as
another — a full group's held runs after a restart."""

from __future__ import annotations

from typing import Any

import pytest

from tests.engine.conftest import wait_until

HOG = "sleep 60"  # holds its group's one place until cancelled or stopped


def _runs(cli: Any) -> dict[str, dict[str, Any]]:
    """The newest run of each task, by task name."""
    result = cli("run", "list", "--json")
    assert result.code == 0, result.err
    return {r["task_name"]: r for r in sorted(result.json(), key=lambda r: r["id"])}


def _status(cli: Any, name: str) -> str | None:
    run = _runs(cli).get(name)
    return None if run is None else str(run["status"])


@pytest.mark.parametrize("how", ["sigterm", "kill9"])
def test_a_full_groups_held_runs_start_by_priority_after_a_restart(
        spawn: Any, cli: Any, how: str) -> None:
    """DESIGN: among runs ready at the same moment, higher priority first. The runs a stop
    (or a kill -9) left unstarted are all ready when the next engine starts; it took them one
    by one, and the first taken (the lowest priority, queued first) started at once."""
    first = spawn("first", grace=0.3)
    first.wait_for("engine running")
    assert cli("task", "add", "hog", "--command", HOG, "--group", "g:1").code == 0
    for name, priority in (("low", "1"), ("mid", "5"), ("high", "10")):
        assert cli("task", "add", name, "--command", "true", "--group", "g",
                   "--priority", priority).code == 0
    assert cli("task", "run", "hog").code == 0
    wait_until(lambda: _status(cli, "hog") == "running", 10)
    for name in ("low", "mid", "high"):
        assert cli("task", "run", name).code == 0
    wait_until(lambda: all(_status(cli, n) == "waiting" for n in ("low", "mid", "high")), 10)
    if how == "kill9":
        first.kill9()
    else:
        assert first.stop() == 0

    second = spawn("second")
    second.wait_for("engine running")
    done = wait_until(lambda: (rs := _runs(cli)) and all(
        rs[n]["status"] == "succeeded" for n in ("low", "mid", "high")) and rs, 15)
    order = sorted(("low", "mid", "high"), key=lambda n: done[n]["started_at"])
    assert order == ["high", "mid", "low"], done
    assert done["hog"]["status"] == "interrupted"
    assert second.stop() == 0
