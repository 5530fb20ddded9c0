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
import signal
import sqlite3
from pathlib import Path
from typing import Any

import psutil
import pytest

from app.store.home import DB_NAME
from tests.engine.conftest import wait_until
from tests.engine.process_trees import gone, proc_in


def _job(tmp_path: Path, code: int, last: str = "", before: str = "") -> str:
    """Does `before`, says it started, waits for the test's word, prints its last line and
    exits `code` (or does `last`)."""
    return (f"{before}echo $$ > {tmp_path / 'leader'}; echo x >> {tmp_path / 'starts'}; "
            f"echo begun; while [ ! -e {tmp_path / 'go'} ]; do sleep 0.02; done; "
            f"echo finished late; echo oops >&2; {last or f'exit {code}'}")


def _runs(cli: Any) -> list[dict[str, Any]]:
    return sorted(cli("run", "list", "--task", "job", "--json").json(),
                  key=lambda r: r["attempt"])


def _killed_mid_run(spawn: Any, cli: Any, tmp_path: Path, code: int, retries: int,
                    *, launcher_too: bool = False, last: str = "", before: str = "",
                    flags: tuple[str, ...] = ()) -> tuple[int, psutil.Process]:
    """A run of `job` going when its engine is killed -9; the command then ends while no
    engine runs (its launcher too is killed first when `launcher_too`). The run's id and
    the command's launcher (gone by now)."""
    first = spawn("first")
    first.wait_for("engine running")
    assert cli("task", "add", "job", "--command", _job(tmp_path, code, last, before), "--shell",
               "--retries", str(retries), "--retry-delay", "0.1", "--manual", *flags).code == 0
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


def _out_of_time(path: Path) -> None:
    data = json.loads(path.read_text())
    data["at"] = 1e300  # (no datetime holds it: the next engine's start failed on it)
    path.write_text(json.dumps(data))


def _linked(path: Path) -> None:
    real = path.with_name("elsewhere.json")
    path.rename(real)
    path.symlink_to(real)


@pytest.mark.parametrize("harm", ["launcher-killed", "half-written", "someone-elses",
                                  "symlink", "time-out-of-range"])
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
        {"half-written": _garble, "someone-elses": _someone_elses, "symlink": _linked,
         "time-out-of-range": _out_of_time}[harm](end)
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


def test_a_command_killed_by_a_signal_without_a_name_while_no_engine_runs_is_recorded(
        spawn: Any, cli: Any, home: Path, tmp_path: Path) -> None:
    """A real-time signal (40) has no name: saying it raised, and the next engine's start
    stopped halfway, at every start."""
    run_id, _launcher = _killed_mid_run(spawn, cli, tmp_path, 0, retries=0, last="kill -40 $$")
    second = spawn("second")
    second.wait_for("engine running")
    shown = wait_until(lambda: (r := cli("run", "show", str(run_id), "--json").json())[
        "status"] != "running" and r, 10)
    assert (shown["status"], shown["exit_code"], shown["error"]) == (
        "failed", -40, "killed by signal 40")
    assert second.stop() == 0
    assert "Traceback" not in second.text()


def test_a_run_whose_start_the_dead_engine_never_recorded_gets_the_start_its_launcher_saw(
        spawn: Any, cli: Any, home: Path, tmp_path: Path) -> None:
    """A kill between the command's start and the commit of its `running` row leaves the row
    `queued` with no start: recorded from its end alone, it read "succeeded" with no start
    and no duration."""
    run_id, _launcher = _killed_mid_run(spawn, cli, tmp_path, 0, retries=0)
    with sqlite3.connect(home / DB_NAME) as db:  # as the kill there leaves it
        db.execute("UPDATE run SET status = 'queued', started_at = NULL, pgid = NULL "
                   "WHERE id = ?", (run_id,))
    second = spawn("second")
    second.wait_for("engine running")
    shown = wait_until(lambda: (r := cli("run", "show", str(run_id), "--json").json())[
        "status"] == "succeeded" and r, 10)
    assert shown["started_at"] is not None and shown["duration_s"] > 0, shown
    assert second.stop() == 0


def test_a_checkpoint_kept_while_no_engine_ran_is_recorded_with_its_secrets_masked(
        spawn: Any, cli: Any, home: Path, tmp_path: Path) -> None:
    """Its checkpoint was copied into the store with the secret in clear: the run recorded
    from its kept end had no secrets to mask it with."""
    assert cli("secret", "set", "tok", stdin="s3cr3t-value\n").code == 0
    run_id, _launcher = _killed_mid_run(
        spawn, cli, tmp_path, 0, retries=0, flags=("--secret-env", "TOKEN=tok"),
        before='printf \'{"token": "%s"}\' "$TOKEN" > "$TICKWORK_CHECKPOINT_FILE"; ')
    second = spawn("second")
    second.wait_for("engine running")
    shown = wait_until(lambda: (r := cli("run", "show", str(run_id), "--json").json())[
        "status"] == "succeeded" and r, 10)
    assert shown["checkpoint"] is not None and "s3cr3t-value" not in json.dumps(shown), shown
    with sqlite3.connect(home / DB_NAME) as db:
        assert not db.execute("SELECT 1 FROM run WHERE checkpoint LIKE '%s3cr3t%'").fetchall()
    assert second.stop() == 0


def test_a_restore_that_stops_before_its_rename_leaves_a_kept_end_for_the_next_start(
        spawn: Any, cli: Any, home: Path, tmp_path: Path) -> None:
    """A restore stops what a dead engine left first, in the store it is about to replace:
    it marked the run whose end was kept `interrupted` and claimed its retry, and when the
    restore then stopped (a Ctrl-C before its rename) the next engine ran the command that
    had succeeded again."""
    from tests.store.test_restore_interrupted import _restore_stopped_at, _signalled

    _killed_mid_run(spawn, cli, tmp_path, 0, retries=1)
    kept = tmp_path / "backup.db"
    backed = cli("backup", str(kept))
    assert backed.code == 0, backed.err
    (tmp_path / "restore").mkdir()
    restore = _restore_stopped_at(home, kept, "copied", tmp_path / "restore")
    assert _signalled(restore, signal.SIGINT) != 0
    second = spawn("second")
    second.wait_for("engine running")
    runs = wait_until(lambda: (rs := _runs(cli)) and rs[0]["status"] == "succeeded" and rs, 10)
    assert [(r["attempt"], r["status"]) for r in runs] == [(1, "succeeded")], runs
    assert (tmp_path / "starts").read_text() == "x\n"
    assert second.stop() == 0


def test_a_retry_recorded_from_its_kept_end_is_late_from_its_backoff_not_its_fire(
        spawn: Any, cli: Any, home: Path, tmp_path: Path) -> None:
    """A retry due 5 s after its fire, whose start the dead engine never stored: its
    lateness counted from the fire read 5,000 ms late."""
    first = spawn("first")
    first.wait_for("engine running")
    job = _job(tmp_path, 0, before='[ "$TICKWORK_ATTEMPT" = 1 ] && exit 1; ')
    assert cli("task", "add", "job", "--command", job, "--shell", "--retries", "1",
               "--retry-delay", "5", "--manual").code == 0
    assert cli("task", "run", "job").code == 0
    leader = proc_in(tmp_path / "leader")  # (the retry, 5 s after the first attempt)
    retry = wait_until(lambda: [r for r in _runs(cli) if r["attempt"] == 2
                                and r["status"] == "running"], 10)[0]
    launcher = psutil.Process(leader.ppid())
    first.kill9()
    (tmp_path / "go").touch()
    wait_until(lambda: gone(leader) and gone(launcher), 10)
    with sqlite3.connect(home / DB_NAME) as db:  # its start never stored (as above)
        db.execute("UPDATE run SET status = 'queued', started_at = NULL, pgid = NULL, "
                   "lateness_ms = NULL WHERE id = ?", (retry["id"],))
    second = spawn("second")
    second.wait_for("engine running")
    shown = wait_until(lambda: (r := cli("run", "show", str(retry["id"]), "--json").json())[
        "status"] == "succeeded" and r, 10)
    assert shown["lateness_ms"] is not None and shown["lateness_ms"] < 2_000, shown
    assert second.stop() == 0
