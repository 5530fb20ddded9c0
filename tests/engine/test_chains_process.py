"""What runs next, through the user's doors: `tickwork engine` as a process, the CLI as
another — a full group's held runs after a restart, and runs not started yet when their task
is edited (they start as the task is when they start, as a retry does)."""

from __future__ import annotations

import time
from pathlib import Path
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
    if how == "kill9":  # its command, and no other run's (it said "by 4 runs")
        assert "stopped 1 process left running by 1 run of a dead engine" in second.text()
    assert second.stop() == 0


def test_runs_queued_together_beside_an_engine_start_best_first(
        spawn: Any, cli: Any, service: Any) -> None:
    """Run now on a selection in a window beside a `tickwork engine` queues the runs in one
    commit: they are ready together, and the best starts first — the engine took them one by
    one, and the first taken (the lowest priority, first in the selection) started at once."""
    engine = spawn()
    engine.wait_for("engine running")
    for name, priority in (("low", "1"), ("mid", "5"), ("high", "10")):
        assert cli("task", "add", name, "--command", "true", "--group", "g:1",
                   "--priority", priority).code == 0
    service.run_now_many(["low", "mid", "high"])
    done = wait_until(lambda: (rs := _runs(cli)) and len(rs) == 3 and all(
        r["status"] == "succeeded" for r in rs.values()) and rs, 15)
    assert sorted(done, key=lambda n: done[n]["started_at"]) == ["high", "mid", "low"], done
    assert engine.stop() == 0


def test_a_run_waiting_for_its_upstream_starts_as_its_task_is_when_it_starts(
        spawn: Any, cli: Any, tmp_path: Path) -> None:
    """Moved into a full group (and given a new command) while it waited for its upstream,
    the run was let go into no group beside the group's running run, and ran the old
    command. A retry re-reads its task when it falls due; a run not started yet does too."""
    engine = spawn()
    engine.wait_for("engine running")
    gate = tmp_path / "gate"
    assert cli("task", "add", "hog", "--command", HOG, "--group", "g:1").code == 0
    assert cli("task", "add", "up", "--shell", "--command",
               f"while [ ! -e {gate} ]; do sleep 0.05; done").code == 0
    assert cli("task", "add", "down", "--depends-on", "up", "--command", "echo old").code == 0
    assert cli("task", "add", "marker", "--depends-on", "up", "--command", "true").code == 0
    assert cli("task", "run", "hog").code == 0
    wait_until(lambda: _status(cli, "hog") == "running", 10)
    for name in ("up", "down", "marker"):
        assert cli("task", "run", name).code == 0
    wait_until(lambda: _status(cli, "down") == _status(cli, "marker") == "waiting", 10)

    assert cli("task", "update", "down", "--group", "g", "--command", "echo new").code == 0
    # the engine hears edits in order: once the pause after it is seen, so is the edit
    assert cli("task", "pause", "marker").code == 0
    wait_until(lambda: _status(cli, "marker") == "skipped", 10)
    gate.touch()
    wait_until(lambda: _status(cli, "up") == "succeeded", 10)
    held = wait_until(lambda: (r := _runs(cli)["down"])["reason"] and "held back: group g"
                      in r["reason"] and r, 10)
    assert held["status"] == "waiting" and _status(cli, "hog") == "running", held

    hog = _runs(cli)["hog"]
    assert cli("run", "cancel", str(hog["id"])).code == 0
    down = wait_until(lambda: (r := _runs(cli)["down"])["status"] == "succeeded" and r, 15)
    assert cli("run", "show", str(down["id"]), "--log").out.rstrip().endswith("new")
    assert engine.stop() == 0


def test_a_groups_raised_limit_lets_its_held_runs_start_at_once(spawn: Any, cli: Any) -> None:
    """`task update T --group g:3`, said to hold for all the group's tasks, left the runs
    already held back by the old limit waiting until a run of the group ended."""
    engine = spawn()
    engine.wait_for("engine running")
    assert cli("task", "add", "hog", "--command", HOG, "--group", "g:1").code == 0
    assert cli("task", "add", "held", "--command", "true", "--group", "g").code == 0
    assert cli("task", "run", "hog").code == 0
    wait_until(lambda: _status(cli, "hog") == "running", 10)
    assert cli("task", "run", "held").code == 0
    wait_until(lambda: _status(cli, "held") == "waiting", 10)

    assert cli("task", "update", "held", "--group", "g:3").code == 0
    wait_until(lambda: _status(cli, "held") == "succeeded", 15)
    assert _status(cli, "hog") == "running"
    assert engine.stop() == 0


def test_a_run_let_go_by_an_upstream_unlinked_or_deleted_names_it(
        spawn: Any, cli: Any, tmp_path: Path) -> None:
    """A run's upstream taken off its task's list, or deleted, lets the run go; its note said
    "waited 0.9 s for task 4" — the task's id, since no link named it any more."""
    engine = spawn()
    engine.wait_for("engine running")
    for up in ("kept", "gone"):
        assert cli("task", "add", up, "--command", HOG).code == 0
    assert cli("task", "add", "unlinked", "--depends-on", "kept", "--command", "true").code == 0
    assert cli("task", "add", "orphaned", "--depends-on", "gone", "--command", "true").code == 0
    for name in ("kept", "gone", "unlinked", "orphaned"):
        assert cli("task", "run", name).code == 0
    wait_until(lambda: _status(cli, "unlinked") == _status(cli, "orphaned") == "waiting", 10)

    assert cli("task", "update", "unlinked", "--depends-on", "").code == 0
    assert cli("task", "delete", "gone", "--force").code == 0
    done = wait_until(lambda: (rs := _runs(cli)) and all(
        rs[n]["status"] == "succeeded" for n in ("unlinked", "orphaned")) and rs, 15)
    assert " for kept" in done["unlinked"]["reason"], done["unlinked"]
    assert " for gone" in done["orphaned"]["reason"], done["orphaned"]
    assert cli("run", "cancel", str(done["kept"]["id"])).code == 0
    assert engine.stop() == 0


def test_a_fire_missed_while_a_run_given_back_waits_is_skipped_by_its_overlap_rule(
        spawn: Any, cli: Any, tmp_path: Path) -> None:
    """One run of `down` at most (overlap skip): while its run waited for `up`, its fires were
    skipped; after a restart, the catch-up of the fires missed meanwhile was claimed before
    the run the stop gave back was taken again, found no run of `down`, and waited beside
    it — two runs where the rule lets one be."""
    gate = tmp_path / "gate"
    first = spawn("first", grace=0.3)
    first.wait_for("engine running")
    assert cli("task", "add", "up", "--retries", "1", "--retry-delay", "0", "--shell",
               "--command", f"while [ ! -e {gate} ]; do sleep 0.05; done").code == 0
    assert cli("task", "add", "down", "--every", "1s", "--depends-on", "up",
               "--command", "true").code == 0
    assert cli("task", "run", "up").code == 0
    wait_until(lambda: _status(cli, "up") == "running", 10)
    wait_until(lambda: any(r["task_name"] == "down" and r["status"] == "waiting"
                           for r in cli("run", "list", "--json").json()), 10)
    assert first.stop() == 0
    given_back = [r for r in cli("run", "list", "--json").json()
                  if r["task_name"] == "down" and r["status"] == "queued"]
    assert len(given_back) == 1, given_back
    time.sleep(2.5)  # (a fire of `down` falls due while no engine runs)

    second = spawn("second")
    second.wait_for("engine running")
    caught = wait_until(lambda: [r for r in cli("run", "list", "--json").json()
                                 if r["trigger"] == "catch_up"], 10)
    assert [r["status"] for r in caught] == ["skipped"], caught
    assert "not ended yet" in caught[0]["reason"], caught
    gate.touch()
    ran = wait_until(lambda: (r := cli("run", "show", str(given_back[0]["id"]), "--json").json())
                     ["status"] == "succeeded" and r, 15)
    assert "waited" in ran["reason"]
    assert cli("task", "pause", "down").code == 0
    assert second.stop() == 0


def test_a_held_run_whose_priority_is_raised_goes_first_and_says_its_wait_once(
        spawn: Any, cli: Any) -> None:
    """A priority raised while a run is held back takes effect when the group frees up, and
    the run's note says once what it waited for (held back again on its new terms, it was
    noted twice: "waited: group g …; waited: group g …")."""
    engine = spawn()
    engine.wait_for("engine running")
    assert cli("task", "add", "hog", "--command", HOG, "--group", "g:1").code == 0
    for name, priority in (("first", "2"), ("raised", "1")):
        assert cli("task", "add", name, "--command", "true", "--group", "g",
                   "--priority", priority).code == 0
    assert cli("task", "run", "hog").code == 0
    wait_until(lambda: _status(cli, "hog") == "running", 10)
    for name in ("first", "raised"):
        assert cli("task", "run", name).code == 0
    wait_until(lambda: _status(cli, "first") == _status(cli, "raised") == "waiting", 10)

    assert cli("task", "update", "raised", "--priority", "50").code == 0
    assert cli("task", "add", "marker", "--command", "true", "--group", "g").code == 0
    assert cli("task", "run", "marker").code == 0  # (in line after the edit was heard: the
    assert cli("task", "pause", "marker").code == 0  # pause after it is heard after it)
    wait_until(lambda: _status(cli, "marker") == "skipped", 10)
    assert cli("run", "cancel", str(_runs(cli)["hog"]["id"])).code == 0
    done = wait_until(lambda: (rs := _runs(cli)) and all(
        rs[n]["status"] == "succeeded" for n in ("first", "raised")) and rs, 15)
    assert done["raised"]["started_at"] < done["first"]["started_at"], done
    assert done["raised"]["reason"] == "waited: group g runs at most 1 at a time"
    assert engine.stop() == 0

