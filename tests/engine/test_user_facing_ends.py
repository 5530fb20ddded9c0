"""What a fault hunt found a user would be told wrong, through the CLI and a real engine:
- `task pause` let the fires held behind the task's overlap `queue` start afterwards: now
  they end `skipped` ("its task was paused before it started"); what runs goes on, and a
  run started by hand while it is paused runs;
- a command's checkpoint file over 64 KiB was logged "not JSON": now the log and the run's
  output say it is larger than the limit;
- `PYSIDE6_OPTION_PYTHON_ENUM`, set by the Qt library in the engine's own process, reached
  every command's environment;
- `run cancel` of a `retrying` run printed `run N: retrying`: it says the cancel was asked."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from app.engine.control import PAUSED
from app.engine.executor import MAX_CHECKPOINT
from tests.engine.conftest import wait_until


def _runs(cli: Any, task: str) -> list[dict[str, Any]]:
    return sorted((r for r in cli("run", "list", "--json").json() if r["task_name"] == task),
                  key=lambda r: r["id"])


def test_pausing_a_task_skips_its_fires_held_behind_its_overlap_queue(
        spawn: Any, cli: Any, tmp_path: Path) -> None:
    engine = spawn()
    engine.wait_for("engine running")
    starts, go = tmp_path / "starts", tmp_path / "go"
    command = (f"echo $TICKWORK_RUN_ID >> {starts}; "
               f"until [ -e {go} ]; do sleep 0.02; done")
    assert cli("task", "add", "ovq", "--every", "1s", "--overlap", "queue", "--shell",
               "--command", command).code == 0
    # one runs (waiting for `go`), two more fires held behind it
    wait_until(lambda: sum(r["status"] == "waiting" for r in _runs(cli, "ovq")) >= 2, 15)
    assert cli("task", "pause", "ovq").code == 0
    held = wait_until(lambda: len(h := [r for r in _runs(cli, "ovq")  # (their skips may be
                                        if r["status"] == "skipped"]) >= 2 and h, 10)  # 2 commits)
    go.touch()
    wait_until(lambda: all(r["status"] in ("succeeded", "skipped") for r in _runs(cli, "ovq")),
               10)
    time.sleep(0.5)  # (a held fire would start at once once the running one ended)
    runs = _runs(cli, "ovq")
    assert [r["status"] for r in runs] == ["succeeded"] + ["skipped"] * (len(runs) - 1), runs
    assert len(held) >= 2 and all(r["reason"] == PAUSED for r in runs[1:]), runs
    assert starts.read_text().split() == [str(runs[0]["id"])]
    # a run started by hand while it is paused runs
    by_hand = cli("task", "run", "ovq", "--json").json()
    wait_until(lambda: cli("run", "show", str(by_hand["id"]), "--json").json()["status"]
               == "succeeded", 10)
    assert starts.read_text().split() == [str(runs[0]["id"]), str(by_hand["id"])]


def test_a_checkpoint_file_over_the_limit_is_told_too_large(
        spawn: Any, cli: Any, tmp_path: Path) -> None:
    engine = spawn()
    engine.wait_for("engine running")
    size = MAX_CHECKPOINT + 10  # a number: JSON, were it not too large
    command = f'head -c {size} /dev/zero | tr "\\0" 7 > "$TICKWORK_CHECKPOINT_FILE"'
    assert cli("task", "add", "big", "--manual", "--shell", "--command", command).code == 0
    run = cli("task", "run", "big", "--json").json()
    shown = wait_until(lambda: (r := cli("run", "show", str(run["id"]), "--json", "--log")
                                .json())["status"] == "succeeded" and r, 10)
    why = f"is larger than its limit of {MAX_CHECKPOINT:,} bytes; not recorded"
    assert shown["checkpoint"] is None
    assert [e["text"] for e in shown["log"]] == [f"tickwork: the checkpoint file {why}\n"]
    wait_until(lambda: f"checkpoint file of run {run['id']} {why}" in engine.text(), 5)
    assert "not JSON" not in engine.text()


def test_a_command_gets_no_variable_the_engine_libraries_set_for_themselves(
        spawn: Any, cli: Any, tmp_path: Path) -> None:
    engine = spawn()
    engine.wait_for("engine running")
    seen = tmp_path / "env"
    assert cli("task", "add", "env", "--manual", "--shell", "--command",
               f"env > {seen}").code == 0
    assert cli("task", "run", "env").code == 0
    names = {line.partition("=")[0] for line in wait_until(
        lambda: seen.exists() and seen.read_text(), 10).splitlines()}
    assert "TICKWORK_RUN_ID" in names and "PATH" in names
    assert "PYSIDE6_OPTION_PYTHON_ENUM" not in names


def test_cancelling_a_retrying_run_says_the_cancel_was_asked(
        spawn: Any, cli: Any, tmp_path: Path) -> None:
    assert cli("task", "add", "flaky", "--manual", "--command", "false", "--retries", "1",
               "--retry-delay", "60s").code == 0
    queued = cli("task", "run", "flaky", "--json").json()  # no engine yet: ended here
    assert cli("run", "cancel", str(queued["id"])).out == f"run {queued['id']}: cancelled\n"
    engine = spawn()
    engine.wait_for("engine running")
    assert cli("task", "run", "flaky").code == 0
    retry = wait_until(lambda: [r for r in _runs(cli, "flaky") if r["status"] == "retrying"],
                       10)[0]
    out = cli("run", "cancel", str(retry["id"])).out
    assert out == (f"run {retry['id']}: cancel requested — it was retrying; its engine stops "
                   f"it (`tickwork run show {retry['id']}` says how it ended)\n")
    wait_until(lambda: cli("run", "show", str(retry["id"]), "--json").json()["status"]
               == "cancelled", 10)


def test_cancelled_says_who_a_person_or_a_newer_fire_under_overlap_replace(
        spawn: Any, cli: Any) -> None:
    """README: `cancelled` means a person cancelled the run, or the task's overlap `replace`
    made it give way to a newer fire — its note says which (only a simulation checked the
    second, nothing the first). A real engine, through the CLI."""
    engine = spawn()
    engine.wait_for("engine running")
    assert cli("task", "add", "asked", "--manual", "--command", "sleep 30").code == 0
    assert cli("task", "add", "newer", "--every", "1s", "--overlap", "replace",
               "--command", "sleep 30").code == 0
    run = cli("task", "run", "asked", "--json").json()
    wait_until(lambda: cli("run", "show", str(run["id"]), "--json").json()["status"]
               == "running", 10)
    assert cli("run", "cancel", str(run["id"])).code == 0
    replaced = wait_until(lambda: [r for r in cli("run", "list", "--task", "newer", "--json")
                                   .json() if r["status"] == "cancelled"], 10)
    assert cli("task", "pause", "newer").code == 0
    asked = wait_until(lambda: (r := cli("run", "show", str(run["id"]), "--json").json())
                       ["status"] == "cancelled" and r, 10)
    assert engine.stop() == 0
    said = " ".join(filter(None, [asked["error"], asked["reason"]]))
    assert "cancelled on request" in said and "replaced" not in said, asked
    for row in replaced:
        said = " ".join(filter(None, [row["error"], row["reason"]]))
        assert "replaced by the fire at " in said and "on request" not in said, row
