"""Trust faults a fault hunt found in fallbacks, waits across a restart and `run list` with
no engine, through the CLI and a real engine:
- a failed task's fallback ran though that task was paused: now it does not run, and the
  failed run's note says so ("fallback “rescue” is paused: not run"), after an attempt that
  failed as after one a kill -9 of its engine cut off;
- a run waiting for its upstream, its engine killed and started again, counted its
  dependency timeout and its "waited N s" from the restart: now from when it was queued, as
  stored in its row (a wait already past its timeout is skipped at the next start);
- `run list` right after a kill -9 showed runs `running` and `waiting` with no hint that no
  engine ran them: now a line on stderr says so and who takes them up (`--json`: the same
  words in each such run's added `no_engine` key)."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import command_task
from tests.engine.conftest import wait_until

PAUSED_NOTE = "fallback “rescue” is paused: not run"


def _runs(cli: Any, task: str) -> list[dict[str, Any]]:
    return sorted((r for r in cli("run", "list", "--json").json() if r["task_name"] == task),
                  key=lambda r: r["id"])


def _main_with_a_paused_rescue(spawn: Any, cli: Any, tmp_path: Path,
                               command: str) -> tuple[Any, Path]:
    """An engine, and a task `main` running `command` whose fallback `rescue` (it touches
    the file returned) is paused."""
    engine = spawn()
    engine.wait_for("engine running")
    ran = tmp_path / "ran"
    assert cli("task", "add", "rescue", "--shell", "--command", f"touch {ran}").code == 0
    assert cli("task", "pause", "rescue").code == 0
    assert cli("task", "add", "main", "--command", command, "--fallback", "rescue").code == 0
    return engine, ran


def test_a_paused_fallback_does_not_run_and_the_failed_run_says_so(
        spawn: Any, cli: Any, tmp_path: Path) -> None:
    _, ran = _main_with_a_paused_rescue(spawn, cli, tmp_path, "false")
    waited = cli("task", "run", "main", "--wait", "20")
    assert waited.code == 1 and "follows as run" not in waited.out, waited.out
    run_id = _runs(cli, "main")[0]["id"]
    shown = wait_until(lambda: PAUSED_NOTE in ((r := cli("run", "show", str(run_id), "--json")
                                                .json())["reason"] or "") and r, 10)
    assert shown["status"] == "failed"
    time.sleep(0.5)  # (a fallback claimed with the end would be queued by now)
    assert _runs(cli, "rescue") == [] and not ran.exists()
    listed = cli("run", "list")
    assert PAUSED_NOTE in listed.out, listed.out
    # resumed, it is the fallback again
    assert cli("task", "resume", "rescue").code == 0
    cli("task", "run", "main", "--wait", "20")
    wait_until(lambda: [r["status"] for r in _runs(cli, "rescue")] == ["succeeded"], 15)


def test_a_paused_fallback_does_not_run_after_a_kill_cut_its_task_off(
        spawn: Any, cli: Any, tmp_path: Path) -> None:
    engine, ran = _main_with_a_paused_rescue(spawn, cli, tmp_path, "sleep 30")
    run_id = cli("task", "run", "main", "--json").json()["id"]
    wait_until(lambda: cli("run", "show", str(run_id), "--json").json()["status"]
               == "running", 15)
    engine.kill9()
    again = spawn("again")
    again.wait_for("engine running")
    shown = wait_until(lambda: (r := cli("run", "show", str(run_id), "--json").json())[
        "status"] == "interrupted" and r, 15)
    assert PAUSED_NOTE in (shown["reason"] or ""), shown
    time.sleep(0.5)
    assert _runs(cli, "rescue") == [] and not ran.exists()


def _upstream_and_waiter(service: Any, cli: Any, gate: Path, **down: Any) -> tuple[int, int]:
    """`up` running (its first attempt waits for `gate`; a kill -9 cut off, its retry runs
    at the next start) and a run of `down` waiting for it: (up's run, down's run)."""
    service.create_task(command_task("up", action={"kind": "command", "argv": [
        "sh", "-c", f"[ -e {gate} ] || sleep 30"]}, retries=1, retry_delay=0))
    service.create_task(command_task("down", depends_on=["up"], **down))
    up = cli("task", "run", "up", "--json").json()["id"]
    wait_until(lambda: _shown(cli, up)["status"] == "running", 15)
    run = cli("task", "run", "down", "--json").json()["id"]
    wait_until(lambda: _shown(cli, run)["status"] == "waiting", 15)
    return up, run


def _shown(cli: Any, run: int) -> dict[str, Any]:
    return dict(cli("run", "show", str(run), "--json").json())


def _waited(cli: Any, run: int, seconds: float) -> None:
    """Until `run` has waited `seconds` since it was queued, by its stored time."""
    queued = datetime.fromisoformat(_shown(cli, run)["queued_at"])
    wait_until(lambda: (datetime.now(UTC) - queued).total_seconds() >= seconds, 30)


def test_a_wait_cut_off_by_a_kill_counts_from_when_it_began_after_the_restart(
        spawn: Any, cli: Any, service: Any, tmp_path: Path) -> None:
    """"waited N s for up" says the whole wait: it counted from the restart."""
    gate = tmp_path / "gate"
    engine = spawn()
    engine.wait_for("engine running")
    _up, run = _upstream_and_waiter(service, cli, gate)
    _waited(cli, run, 3.0)
    engine.kill9()
    gate.touch()  # (up's retry, at the next start, succeeds at once)
    spawn("again").wait_for("engine running")
    shown = wait_until(lambda: (r := _shown(cli, run))["status"] == "succeeded" and r, 20)
    found = re.search(r"waited (\d+\.\d) s for up", shown["reason"] or "")
    assert found is not None, shown
    assert float(found.group(1)) >= 3.0, shown  # (from the restart: about 1 s)


def test_a_dependency_timeout_counts_from_the_wait_s_start_across_a_kill(
        spawn: Any, cli: Any, service: Any, tmp_path: Path) -> None:
    """A run that waited past its dependency timeout before and while no engine ran is
    skipped for it at the next start (its timeout began again with the new engine, and it
    ran once up's retry succeeded)."""
    gate = tmp_path / "gate"
    engine = spawn()
    engine.wait_for("engine running")
    _up, run = _upstream_and_waiter(service, cli, gate, dependency_timeout=3)
    engine.kill9()
    _waited(cli, run, 3.5)
    gate.touch()  # (up's retry, at the next start, succeeds at once)
    spawn("again").wait_for("engine running")
    shown = wait_until(lambda: (r := _shown(cli, run))["status"] not in (
        "queued", "waiting") and r, 20)
    assert shown["status"] == "skipped", shown
    assert "waited longer than its dependency timeout (3 s)" in (shown["reason"] or ""), shown
    wait_until(lambda: [r["status"] for r in _runs(cli, "up")] == ["interrupted",
                                                                   "succeeded"], 20)


def test_run_list_says_no_engine_runs_the_runs_it_shows_in_progress(
        spawn: Any, cli: Any, service: Any, tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    engine = spawn()
    engine.wait_for("engine running")
    assert cli("task", "add", "done", "--command", "true").code == 0
    cli("task", "run", "done", "--wait", "20")
    _up, run = _upstream_and_waiter(service, cli, gate)
    listed = cli("run", "list")  # an engine holds them: no word of it
    assert listed.code == 0 and "no engine" not in listed.err, listed.err
    engine.kill9()
    listed = cli("run", "list")
    assert listed.code == 0 and "running" in listed.out and "waiting" in listed.out
    hint = ("tickwork: no engine is running on this store (start one: `tickwork engine`, or "
            "the window): the next engine to start takes up the 2 runs shown waiting or "
            "running")
    assert listed.err.splitlines() == [hint], listed.err
    items = cli("run", "list", "--json").json()  # (a list, as before: a key added)
    by_status = {r["status"]: r for r in items}
    assert set(by_status) == {"succeeded", "running", "waiting"}, items
    assert by_status["running"]["no_engine"] == hint.removeprefix("tickwork: ")
    assert by_status["waiting"]["no_engine"] == hint.removeprefix("tickwork: ")
    assert "no_engine" not in by_status["succeeded"]
    gate.touch()
    spawn("again").wait_for("engine running")
    wait_until(lambda: _shown(cli, run)["status"] == "succeeded", 20)
    assert "no engine" not in cli("run", "list").err


@pytest.mark.parametrize(("away", "ends"), [(100.0, "succeeded"), (400.0, "skipped")])
def test_a_wait_given_back_by_a_stop_counts_from_its_start_on_the_next_engine_s_clock(
        store: Any, service: Any, tmp_path: Path, away: float, ends: str) -> None:
    """A graceful stop gives a waiting run back; the next engine, `away` seconds later by
    its clock, counts the wait (300 s at most) from when the run was queued: "waited 10x s",
    or past the timeout at once (it counted from the restart: "waited 0.x s", and ran)."""
    from app.engine.clock import ShiftedClock
    from app.engine.engine import Engine

    gate = tmp_path / "gate"
    first = Engine(store, workers=4, metrics=False, backups=False)
    service.subscribe(first.on_service_change)
    first.start()
    service.create_task(command_task("up", action={"kind": "command", "argv": [
        "sh", "-c", f"[ -e {gate} ] || sleep 30"]}, retries=1, retry_delay=0))
    service.create_task(command_task("down", depends_on=["up"], dependency_timeout=300))
    up = service.run_now("up")
    wait_until(lambda: service.get_run(up.id).status == "running", 15)
    run = service.run_now("down").id
    wait_until(lambda: service.get_run(run).status == "waiting", 15)
    first.stop(grace=2)
    service.unsubscribe(first.on_service_change)
    assert service.get_run(run).status == "queued"  # (given back: the next engine runs it)
    gate.touch()
    later = ShiftedClock()
    later.shift = away
    second = Engine(store, workers=4, metrics=False, backups=False, clock=later)
    service.subscribe(second.on_service_change)
    second.start()
    try:
        shown = wait_until(lambda: (r := service.get_run(run)).status == ends and r, 20)
    finally:
        second.stop(grace=2)
    if ends == "skipped":
        assert "waited longer than its dependency timeout (300 s)" in (shown.note or "")
    else:
        found = re.search(r"waited (\d+\.\d) s for up", shown.note or "")
        assert found is not None and away <= float(found.group(1)) < away + 60, shown.note


def test_a_paused_fallback_does_not_run_after_a_stop_cut_its_task_off(
        engine: Any, service: Any) -> None:
    engine.start()
    service.create_task(command_task("rescue"))
    service.set_enabled("rescue", False)
    service.create_task(command_task("main", action={"kind": "command",
                                                     "argv": ["sleep", "30"]},
                                     fallback="rescue"))
    run = service.run_now("main").id
    wait_until(lambda: service.get_run(run).status == "running", 15)
    engine.stop(grace=0.5)
    shown = service.get_run(run)
    assert shown.status == "interrupted" and PAUSED_NOTE in (shown.note or ""), shown.note
    assert service.list_runs(task="rescue") == []
