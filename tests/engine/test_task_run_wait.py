"""`task run --wait` with an engine: the queued line is out before the wait, piped too; the
exit says how the run ended; an engine that dies meanwhile ends the wait with a line, not at
its deadline. tests/cli/test_task_run_wait.py has the same without an engine."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from tests.conftest import ROOT
from tests.engine.conftest import wait_until
from tests.support import tickwork


def _waiting(home: Path, out: Path, err: Path, *args: str) -> Any:
    """`task run … --wait`, its output to files (block-buffered, as in a pipe)."""
    with out.open("w") as stdout, err.open("w") as stderr:
        return tickwork.start(["--home", str(home), "task", "run", *args], cwd=ROOT,
                              stdout=stdout, stderr=stderr)


def test_the_queued_line_comes_before_the_wait_and_the_exit_follows_the_run(
        spawn: Any, cli: Any, home: Path, tmp_path: Path) -> None:
    gate, out, err = tmp_path / "gate", tmp_path / "out", tmp_path / "err"
    engine = spawn()
    engine.wait_for("engine running on")
    assert cli("task", "add", "gated", "--manual", "--command",
               f"sh -c 'while [ ! -e {gate} ]; do sleep 0.05; done; exit 3'").code == 0
    proc = _waiting(home, out, err, "gated", "--wait", "1m")
    wait_until(lambda: out.read_text() == "run 1 of 'gated': queued\n", 10)
    assert proc.poll() is None  # still waiting, and its line already out
    gate.touch()
    assert proc.wait(30) == 1  # the run failed: exit 1
    assert out.read_text() == ("run 1 of 'gated': queued\n"
                               "run 1 of 'gated': failed (exit code 3)\n")
    assert err.read_text() == ""  # an engine holds the store: nothing to say
    assert cli("task", "add", "quick", "--manual", "--command", "true").code == 0
    done = cli("task", "run", "quick", "--wait", "30", "--json", timeout=40)
    assert done.code == 0 and done.json()["status"] == "succeeded" and done.err == ""


def test_a_wait_ends_soon_after_its_engine_dies(spawn: Any, cli: Any, home: Path,
                                               tmp_path: Path) -> None:
    out, err = tmp_path / "out", tmp_path / "err"
    engine = spawn()
    engine.wait_for("engine running on")
    assert cli("task", "add", "long", "--manual", "--command", "sleep 60").code == 0
    proc = _waiting(home, out, err, "long", "--wait", "10m")
    wait_until(lambda: out.read_text() == "run 1 of 'long': queued\n", 10)  # (queued now)
    wait_until(lambda: cli("run", "show", "1", "--json").json()["status"] == "running", 10)
    engine.kill9()
    killed = time.monotonic()
    assert proc.wait(30) == 1
    assert time.monotonic() - killed < 15  # not the 10 minutes asked for
    assert err.read_text() == ("tickwork: no engine is running on this store (start one: "
                               "`tickwork engine`, or the window): run 1 is running; the next "
                               "engine to start takes it up\n")
    assert cli("run", "cancel", "1").code == 0  # stops the `sleep` the dead engine left


def test_a_wait_begun_as_its_engine_starts_follows_the_run(spawn: Any, cli: Any, home: Path,
                                                           tmp_path: Path) -> None:
    """A script that starts `tickwork engine` and at once `task run T --wait` met "no engine
    is running … nothing was queued" (exit 1) while the engine was still opening the store:
    the wait gives an engine a few seconds to take it."""
    out, err = tmp_path / "out", tmp_path / "err"
    assert cli("task", "add", "t", "--manual", "--command", "echo hi").code == 0
    proc = _waiting(home, out, err, "t", "--wait", "1m")
    time.sleep(0.5)  # the wait has begun, no engine yet
    spawn().wait_for("engine running on")
    assert proc.wait(60) == 0, err.read_text()
    assert out.read_text() == "run 1 of 't': queued\nrun 1 of 't': succeeded\n"


def test_a_wait_whose_task_is_deleted_says_so_and_exits_1(spawn: Any, cli: Any, home: Path,
                                                          tmp_path: Path) -> None:
    """Deleting a task deletes its runs: the wait said "error: run not found: 1" (exit 2, as
    for a mistyped run id). It says what happened, with the exit of a run that did not
    succeed (README: `--wait` exits 1 unless it succeeded)."""
    out, err = tmp_path / "out", tmp_path / "err"
    engine = spawn()
    engine.wait_for("engine running on")
    assert cli("task", "add", "long", "--manual", "--command", "sleep 60").code == 0
    proc = _waiting(home, out, err, "long", "--wait", "10m")
    wait_until(lambda: out.read_text() == "run 1 of 'long': queued\n", 10)
    wait_until(lambda: cli("run", "show", "1", "--json").json()["status"] == "running", 10)
    assert cli("task", "delete", "long", "--force").code == 0
    assert proc.wait(30) == 1
    assert out.read_text() == "run 1 of 'long': queued\n"  # no second line: no run to show
    said = err.read_text()  # (the wait reads the run every 0.1 s: it may not have seen it start)
    assert said in (f"tickwork: task 'long' was deleted while waiting for run 1, and the run "
                    f"with it (last seen {status})\n" for status in ("running", "queued")), said


def test_a_wait_follows_the_retries_to_the_runs_end(spawn: Any, cli: Any, home: Path,
                                                    tmp_path: Path) -> None:
    """An attempt that fails with retries left is not the run's end: the wait said "failed"
    and exited 1 while the retry went on to succeed (a newcomer's `task run X --wait &&
    next-step`). Each failed attempt is said with the retry that follows; the exit is the
    last attempt's."""
    out, err = tmp_path / "out", tmp_path / "err"
    mark = tmp_path / "tried"
    engine = spawn()
    engine.wait_for("engine running on")
    # fails on its first two attempts, succeeds on the third
    script = (f"n=$(cat {mark} 2>/dev/null || echo 0); echo $((n+1)) > {mark}; "
              "[ $n -ge 2 ]")
    assert cli("task", "add", "flaky", "--manual", "--shell", "--command", script,
               "--retries", "2", "--retry-delay", "1s").code == 0
    proc = _waiting(home, out, err, "flaky", "--wait", "1m")
    assert proc.wait(60) == 0, err.read_text()
    assert out.read_text() == (
        "run 1 of 'flaky': queued\n"
        "run 1 of 'flaky': failed (exit code 1); retry (attempt 2) follows as run 2\n"
        "run 2 of 'flaky': failed (exit code 1); retry (attempt 3) follows as run 3\n"
        "run 3 of 'flaky': succeeded\n")
    # out of retries: the last attempt's failure is the exit; --json is that attempt alone
    assert cli("task", "add", "never", "--manual", "--command", "false", "--retries", "1",
               "--retry-delay", "1s").code == 0
    done = cli("task", "run", "never", "--wait", "1m", "--json", timeout=70)
    assert done.code == 1 and done.err == ""
    assert (done.json()["status"], done.json()["attempt"]) == ("failed", 2)


def test_a_wait_names_the_fallback_that_follows_a_failed_run(spawn: Any, cli: Any) -> None:
    """A run that failed with a fallback said "run 1 of 'f': failed" and no more, while its
    `run list` note read "fell back to “rescue”, run 2". The line says what follows; the exit
    is still the task's own failure."""
    engine = spawn()
    engine.wait_for("engine running on")
    assert cli("task", "add", "rescue", "--manual", "--command", "true").code == 0
    assert cli("task", "add", "f", "--manual", "--command", "false", "--fallback",
               "rescue").code == 0
    done = cli("task", "run", "f", "--wait", "1m", timeout=70)
    assert (done.code, done.out) == (1, "run 1 of 'f': queued\n"
                                        "run 1 of 'f': failed (exit code 1); its fallback "
                                        "'rescue' follows as run 2\n"), done.err
    assert cli("run", "show", "2", "--json").json()["task_name"] == "rescue"


def test_a_wait_says_the_fallback_that_is_paused_did_not_run(spawn: Any, cli: Any) -> None:
    """A run that failed, its fallback paused, said "run 1 of 'f': failed (exit code 1)" and
    no more, while `run show` and `run list` noted "fallback “rescue” is paused: not run": the
    line says that note after the error; the exit is still the task's own failure."""
    engine = spawn()
    engine.wait_for("engine running on")
    assert cli("task", "add", "rescue", "--manual", "--command", "true").code == 0
    assert cli("task", "pause", "rescue").code == 0
    assert cli("task", "add", "f", "--manual", "--command", "false", "--fallback",
               "rescue").code == 0
    done = cli("task", "run", "f", "--wait", "1m", timeout=70)
    assert (done.code, done.err) == (1, ""), done
    assert done.out == ("run 1 of 'f': queued\n"
                        "run 1 of 'f': failed (exit code 1); fallback “rescue” is paused: "
                        "not run\n"), done.out
    assert cli("run", "show", "1", "--json").json()["reason"] == \
        "fallback “rescue” is paused: not run"
    as_json = cli("task", "run", "f", "--wait", "1m", "--json", timeout=70)  # (one document)
    assert as_json.code == 1 and as_json.json()["reason"].endswith("is paused: not run")


def test_a_wait_says_why_the_run_did_not_succeed(spawn: Any, cli: Any) -> None:
    """`task run X --wait` said "run 1 of 'X': failed" (exit 1) and not why: a newcomer had
    to look the run up. The line says how it ended in the words of the window's Runs view
    ("Result / note"), which `run show` gives in full; the exit stays 1."""
    engine = spawn()
    engine.wait_for("engine running on")
    assert cli("task", "add", "three", "--manual", "--command", "sh -c 'exit 3'").code == 0
    assert cli("task", "add", "slow", "--manual", "--command", "sleep 30",
               "--timeout", "1s").code == 0
    failed = cli("task", "run", "three", "--wait", "1m", timeout=70)
    assert (failed.code, failed.err) == (1, "")
    assert failed.out.splitlines()[-1] == "run 1 of 'three': failed (exit code 3)"
    timed_out = cli("task", "run", "slow", "--wait", "1m", timeout=70)
    assert (timed_out.code, timed_out.err) == (1, "")
    assert timed_out.out.splitlines()[-1] == "run 2 of 'slow': timed_out (timed out after 1 s)"
    shown = cli("run", "show", "2").out  # the same words as the run's own card (a timeout is
    assert "why it ended: timed out after 1 s\n" in shown, shown  # not called an error)


def test_a_wait_says_why_its_run_was_skipped(spawn: Any, cli: Any) -> None:
    """A run skipped because its upstream failed said "run 2 of 'down': skipped" and no more,
    while the window's Runs view and `run list` named the upstream that failed: a skip's why
    is its note, where a failure's is its error."""
    engine = spawn()
    engine.wait_for("engine running on")
    assert cli("task", "add", "up", "--manual", "--command", "sh -c 'exit 4'").code == 0
    assert cli("task", "add", "down", "--manual", "--depends-on", "up", "--command",
               "true").code == 0
    assert cli("task", "run", "up", "--wait", "1m", timeout=70).code == 1
    skipped = cli("task", "run", "down", "--wait", "1m", timeout=70)
    assert (skipped.code, skipped.err) == (1, "")
    last = skipped.out.splitlines()[-1]
    assert re.fullmatch(r"run 2 of 'down': skipped \(upstream up \(run 1 at [^)]+\) failed\)",
                        last), last
    assert " UTC" not in last, last  # (its moment in local time, as every other the CLI says)
