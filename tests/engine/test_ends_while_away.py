"""A command that ends while no engine runs keeps its end (app/engine/launcher/ends.py).

The engine is killed (kill -9) while a command runs; the command goes on and ends before
the next engine starts. Its exit code, end and last output were lost: the next engine's
recovery found the run `running`, marked it `interrupted` and ran it again by its task's
retry policy — a command that had succeeded ran twice. Now its launcher stays until the
command ends, leaves its end in `<home>/ends/`, and the next engine records the run as it
really ended. When the launcher is killed too, or the file is damaged or not the run's, the
run is `interrupted` and retried as before (at-least-once, as README says).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.engine.conftest import wait_until
from tests.engine.process_trees import gone, proc_in


def _job(tmp_path: Path, code: int) -> str:
    """Says it started, waits for the test's word, prints its last line and exits `code`."""
    return (f"echo $$ > {tmp_path / 'leader'}; echo x >> {tmp_path / 'starts'}; "
            f"echo begun; while [ ! -e {tmp_path / 'go'} ]; do sleep 0.02; done; "
            f"echo finished late; echo oops >&2; exit {code}")


def _runs(cli: Any) -> list[dict[str, Any]]:
    return sorted(cli("run", "list", "--task", "job", "--json").json(),
                  key=lambda r: r["attempt"])


def _killed_mid_run(spawn: Any, cli: Any, tmp_path: Path, code: int, retries: int,
                    *, launcher_too: bool = False) -> tuple[int, psutil.Process]:
    """A run of `job` going when its engine is killed -9; the command then ends while no
    engine runs (its launcher too is killed first when `launcher_too`). The run's id and
    the command's launcher (gone by now)."""
    first = spawn("first")
    first.wait_for("engine running")
    assert cli("task", "add", "job", "--command", _job(tmp_path, code), "--shell",
               "--retries", str(retries), "--retry-delay", "0.1", "--manual").code == 0
    run = cli("task", "run", "job", "--json").json()
    leader = proc_in(tmp_path / "leader")
    wait_until(lambda: _runs(cli)[0]["status"] == "running", 10)
    launcher = psutil.Process(leader.ppid())
    first.kill9()
    if launcher_too:
        launcher.kill()
    (tmp_path / "go").touch()
    wait_until(lambda: gone(leader) and gone(launcher), 10)
    return int(run["id"]), launcher


@pytest.mark.parametrize(("code", "status", "error"), [(0, "succeeded", None),
                                                        (3, "failed", "exit code 3")])
def test_a_command_that_ends_while_no_engine_runs_is_recorded_as_it_ended(
        spawn: Any, cli: Any, home: Path, tmp_path: Path, code: int, status: str,
        error: str | None) -> None:
    run_id, _launcher = _killed_mid_run(spawn, cli, tmp_path, code, retries=0 if code else 1)
    second = spawn("second")
    second.wait_for("engine running")
    ended = wait_until(lambda: (rs := _runs(cli)) and rs[0]["status"] not in (
        "running", "queued") and rs, 10)
    shown = cli("run", "show", str(run_id), "--json").json()
    assert (shown["status"], shown["exit_code"], shown["error"]) == (status, code, error)
    assert [r["attempt"] for r in ended] == [1], "it ran again"
    assert (tmp_path / "starts").read_text() == "x\n"
    log = cli("run", "show", "--log", str(run_id)).out
    assert "begun" in log and "finished late" in log and "oops" in log, log
    assert not list((home / "ends").iterdir()), "the file is removed once recorded"
    assert second.stop() == 0
    assert "Traceback" not in second.text()


def test_a_timeout_that_passes_while_no_engine_runs_is_recorded(
        spawn: Any, cli: Any, home: Path, tmp_path: Path) -> None:
    """The launcher still enforces the timeout of a command whose engine is gone."""
    first = spawn("first")
    first.wait_for("engine running")
    assert cli("task", "add", "job", "--command", f"echo $$ > {tmp_path / 'leader'}; "
               "echo begun; exec sleep 30", "--shell", "--timeout", "2s", "--manual").code == 0
    run = cli("task", "run", "job", "--json").json()
    leader = proc_in(tmp_path / "leader")
    wait_until(lambda: _runs(cli)[0]["status"] == "running", 10)
    first.kill9()
    wait_until(lambda: gone(leader) and (home / "ends" / f"{run['id']}.json").exists(), 15)
    second = spawn("second")
    second.wait_for("engine running")
    shown = wait_until(lambda: (r := cli("run", "show", str(run["id"]), "--json").json())[
        "status"] != "running" and r, 10)
    assert (shown["status"], shown["error"]) == ("timed_out", "timed out after 2 s")
    assert len(_runs(cli)) == 1
    assert second.stop() == 0


def test_a_failure_while_no_engine_runs_is_retried_by_its_policy(
        spawn: Any, cli: Any, home: Path, tmp_path: Path) -> None:
    run_id, _launcher = _killed_mid_run(spawn, cli, tmp_path, 3, retries=1)
    second = spawn("second")
    second.wait_for("engine running")
    runs = wait_until(lambda: (rs := _runs(cli)) and len(rs) == 2
                      and rs[1]["status"] == "failed" and rs, 15)
    assert [(r["attempt"], r["status"], r["exit_code"]) for r in runs] == [
        (1, "failed", 3), (2, "failed", 3)]
    assert runs[1]["reason"].startswith(f"retry of run {run_id} (attempt 1 failed: exit code 3)")
    assert second.stop() == 0


def _garble(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])  # a half-written file


def _someone_elses(path: Path) -> None:
    data = json.loads(path.read_text())
    data["token"] = "1@another-engine"
    path.write_text(json.dumps(data))


def _linked(path: Path) -> None:
    real = path.with_name("elsewhere.json")
    path.rename(real)
    path.symlink_to(real)


@pytest.mark.parametrize("harm", ["launcher-killed", "half-written", "someone-elses",
                                  "symlink"])
def test_without_a_sound_end_of_its_own_the_run_is_interrupted_and_retried(
        spawn: Any, cli: Any, home: Path, tmp_path: Path, harm: str) -> None:
    """README: at-least-once when the launcher died with the engine; a file that is damaged,
    another run's, or not a plain file of ours is ignored."""
    run_id, _launcher = _killed_mid_run(spawn, cli, tmp_path, 0, retries=1,
                                        launcher_too=harm == "launcher-killed")
    end = home / "ends" / f"{run_id}.json"
    if harm == "launcher-killed":
        assert not end.exists()
    else:
        {"half-written": _garble, "someone-elses": _someone_elses, "symlink": _linked}[harm](end)
    second = spawn("second")
    second.wait_for("engine running")
    runs = wait_until(lambda: (rs := _runs(cli)) and len(rs) == 2
                      and rs[1]["status"] == "succeeded" and rs, 15)
    assert [(r["attempt"], r["status"]) for r in runs] == [(1, "interrupted"), (2, "succeeded")]
    assert (tmp_path / "starts").read_text() == "x\nx\n"
    assert not end.exists() or (harm == "symlink" and end.is_symlink())
    assert second.stop() == 0
    assert "Traceback" not in second.text()


def test_a_launcher_of_a_dead_engine_still_watching_a_command_is_killed_at_the_next_start(
        spawn: Any, cli: Any, home: Path, tmp_path: Path) -> None:
    """The command still runs when the next engine starts: its launcher and it are stopped
    and the run retried, as before."""
    first = spawn("first")
    first.wait_for("engine running")
    assert cli("task", "add", "job", "--command", _job(tmp_path, 0), "--shell",
               "--retries", "1", "--retry-delay", "0.1", "--manual").code == 0
    assert cli("task", "run", "job").code == 0
    leader = proc_in(tmp_path / "leader")
    wait_until(lambda: _runs(cli)[0]["status"] == "running", 10)
    launcher = psutil.Process(leader.ppid())
    first.kill9()
    assert not gone(launcher) and not gone(leader)
    second = spawn("second")
    second.wait_for("engine running")
    assert gone(launcher) and gone(leader)
    (tmp_path / "go").touch()
    runs = wait_until(lambda: (rs := _runs(cli)) and len(rs) == 2
                      and rs[1]["status"] == "succeeded" and rs, 15)
    assert [(r["attempt"], r["status"]) for r in runs] == [(1, "interrupted"), (2, "succeeded")]
    assert not (home / "ends").exists() or not list((home / "ends").iterdir())
    assert second.stop() == 0
