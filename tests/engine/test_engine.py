"""The engine in this process: firing, lifecycle, retries, timeouts, cancel, output."""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any

import psutil

from app.engine.events import Notification, RunChanged, RunOutput
from tests.conftest import command_task
from tests.engine.conftest import Recorder, finished_runs, soon, wait_until


def py_task(name: str, target: str, **extra: Any) -> dict[str, Any]:
    kwargs = extra.pop("kwargs", {})
    return {"name": name, "timezone": "UTC",
            "action": {"kind": "python", "target": f"tests.support.actions:{target}",
                       "kwargs": kwargs}, **extra}


def test_one_shot_fires_on_time_and_is_recorded(engine: Any, service: Any, events: Recorder,
                                                tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    engine.start()
    service.create_task(py_task("once", "append", kwargs={"path": str(out), "text": "ran"},
                                schedule={"kind": "date", "at": soon(1.0)}))
    (run,) = wait_until(lambda: finished_runs(service, "once"), 5)
    assert run.status == "succeeded"
    assert out.read_text() == "ran\n"
    assert run.lateness_ms is not None and 0 <= run.lateness_ms < 500
    # Listeners hear an end once it is committed, so the event may trail the row briefly.
    wait_until(lambda: [e.status for e in events.of(RunChanged) if e.run_id == run.id]
               == ["queued", "running", "succeeded"], 5)
    assert service.get_task("once").next_run_at is None


def test_interval_task_fires_repeatedly(engine: Any, service: Any) -> None:
    engine.start()
    service.create_task(command_task("tick", schedule={"kind": "interval", "seconds": 1}))
    runs = wait_until(lambda: (r := finished_runs(service, "tick")) and len(r) >= 2 and r, 6)
    assert all(r.status == "succeeded" for r in runs)
    times = sorted(r.scheduled_for for r in runs)
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    assert all(abs(g - 1.0) < 1e-3 for g in gaps)


def test_command_output_is_captured_in_order(engine: Any, service: Any,
                                             events: Recorder) -> None:
    engine.start()
    service.create_task(command_task("talk", action={
        "kind": "command", "argv": ["sh", "-c", "echo one; echo two >&2; echo three"]}))
    run = service.run_now("talk")
    wait_until(lambda: service.get_run(run.id).status == "succeeded", 5)
    chunks = service.run_output(run.id)
    text = "".join(c[2] for c in chunks)
    assert "one" in text and "two" in text and "three" in text
    streams = {c[1] for c in chunks}
    assert {"stdout", "stderr"} <= streams
    assert any(isinstance(e, RunOutput) and e.run_id == run.id for e in events.events)
    assert service.get_run(run.id).exit_code == 0


def test_big_output_keeps_head_and_tail_and_says_so(engine: Any, service: Any) -> None:
    engine.start()
    script = "i=0; while [ $i -lt 40000 ]; do echo line-$i; i=$((i+1)); done"
    service.create_task(command_task("loud", action={"kind": "command", "argv": [script],
                                                     "shell": True}))
    run = service.run_now("loud")
    wait_until(lambda: service.get_run(run.id).status == "succeeded", 20)
    text = "".join(c[2] for c in service.run_output(run.id))
    assert text.startswith("line-0\n")
    assert text.rstrip().endswith("line-39999")
    assert "characters of output omitted" in text
    assert len(text) < 400_000


def test_a_live_log_says_when_output_is_held_back_while_the_run_goes_on(
        engine: Any, service: Any) -> None:
    """Past the head, a run's log does not just stop while the run prints on (it looked
    frozen): it says, as it happens, that the rest is held back until the end."""
    engine.start()
    script = "head -c 300000 /dev/zero | tr '\\0' x; echo; sleep 30"
    service.create_task(command_task("chatty", action={"kind": "command", "argv": [script],
                                                       "shell": True}))
    run = service.run_now("chatty")

    def said() -> str:
        return "".join(c[2] for c in service.run_output(run.id) if c[1] == "tickwork")

    wait_until(lambda: "held back while the run goes on" in said(), 20)
    assert service.get_run(run.id).status == "running"
    assert said().count("held back") == 1
    service.cancel_run(run.id)
    wait_until(lambda: service.get_run(run.id).status == "cancelled", 20)
    printed = "".join(c[2] for c in service.run_output(run.id) if c[1] == "stdout")
    assert printed == "x" * 300_000 + "\n"  # what was held back came at the end (< its tail)


def test_failure_is_retried_with_backoff_then_notifies(engine: Any, service: Any,
                                                       events: Recorder) -> None:
    engine.start()
    service.create_task(command_task("flaky", action={"kind": "command", "argv": ["false"]},
                                     retries=2, retry_delay=0.3))
    run = service.run_now("flaky")
    runs = wait_until(lambda: (r := finished_runs(service, "flaky")) and len(r) == 3 and r, 10)
    by_attempt = sorted(runs, key=lambda r: r.attempt)
    assert [r.attempt for r in by_attempt] == [1, 2, 3]
    assert all(r.status == "failed" and r.exit_code == 1 for r in by_attempt)
    assert by_attempt[1].trigger == "retry" and by_attempt[1].parent_run_id == run.id
    gap = (by_attempt[1].started_at - by_attempt[0].finished_at).total_seconds()
    assert 0.2 <= gap < 2.0
    wait_until(lambda: events.of(Notification), 3)
    (note,) = events.of(Notification)
    assert note.kind == "failure" and note.run_id == by_attempt[2].id


def test_fallback_runs_after_the_last_attempt_fails(engine: Any, service: Any,
                                                    tmp_path: Path) -> None:
    marker = tmp_path / "fallback.txt"
    engine.start()
    service.create_task(py_task("cleanup", "append", kwargs={"path": str(marker),
                                                             "text": "fallback"}))
    service.create_task(py_task("main", "boom", fallback="cleanup"))
    failed = service.run_now("main")
    (fb,) = wait_until(lambda: finished_runs(service, "cleanup"), 5)
    assert fb.status == "succeeded" and fb.trigger == "fallback"
    assert fb.parent_run_id == failed.id
    assert marker.read_text() == "fallback\n"
    main = service.get_run(failed.id)
    assert main.status == "failed" and "RuntimeError: boom" in (main.error or "")
    stderr = "".join(text for _seq, stream, text in service.run_output(failed.id)
                     if stream == "stderr")  # the action's traceback, not Tickwork's frames
    assert stderr.startswith("Traceback (most recent call last):\n  File ")
    assert "tests/support/actions.py" in stderr and "pyworkers" not in stderr


def test_timeout_kills_the_whole_process_group(engine: Any, service: Any,
                                               tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    engine.start()
    script = f"sleep 60 & echo $! > {pids}; sleep 60"
    service.create_task(command_task("slow", action={"kind": "command", "argv": [script],
                                                     "shell": True}, timeout=0.5))
    run = service.run_now("slow")
    done = wait_until(lambda: (r := service.get_run(run.id)).status == "timed_out" and r, 8)
    assert "timed out after 0.5 s" in (done.error or "")
    child = int(pids.read_text())
    wait_until(lambda: not psutil.pid_exists(child) or
               psutil.Process(child).status() == psutil.STATUS_ZOMBIE, 5)


def test_cancel_a_running_command(engine: Any, service: Any) -> None:
    engine.start()
    service.create_task(command_task("long", action={"kind": "command",
                                                     "argv": ["sleep", "30"]}))
    run = service.run_now("long")
    wait_until(lambda: service.get_run(run.id).status == "running", 5)
    service.cancel_run(run.id)
    done = wait_until(lambda: (r := service.get_run(run.id)).status == "cancelled" and r, 5)
    assert done.finished_at is not None


def test_python_action_timeout_is_cooperative(engine: Any, service: Any) -> None:
    engine.start()
    service.create_task(py_task("nap", "sleepy", kwargs={"seconds": 20}, timeout=0.3))
    run = service.run_now("nap")
    done = wait_until(lambda: (r := service.get_run(run.id)).status == "timed_out" and r, 5)
    assert done.error and "timed out" in done.error


def test_overlap_skip_records_the_skipped_fire(engine: Any, service: Any) -> None:
    engine.start()
    service.create_task(command_task("busy", action={"kind": "command", "argv": ["sleep", "3"]},
                                     schedule={"kind": "interval", "seconds": 1},
                                     overlap="skip"))
    skipped = wait_until(lambda: [r for r in service.list_runs(task="busy")
                                  if r.status == "skipped"], 5)
    assert "overlap: skip" in (skipped[0].reason or "")
    service.set_enabled("busy", False)


def test_secret_reaches_the_action_but_never_the_store(engine: Any, service: Any,
                                                       home: Path, tmp_path: Path) -> None:
    service.set_secret("tok", "very-secret-123")
    out = tmp_path / "seen"
    engine.start()
    service.create_task(command_task("uses-secret", action={
        "kind": "command", "argv": [f'printf %s "$TOKEN" > {out}; echo done'], "shell": True},
        secret_env={"TOKEN": "tok"}))
    run = service.run_now("uses-secret")
    wait_until(lambda: service.get_run(run.id).status == "succeeded", 5)
    assert out.read_text() == "very-secret-123"
    engine.writer.flush()
    for path in home.iterdir():
        if path.is_file():
            assert b"very-secret-123" not in path.read_bytes(), path


def test_edits_from_another_connection_are_picked_up(engine: Any, service: Any,
                                                     cli: Any) -> None:
    engine.start()
    result = cli("task", "add", "from-cli", "--command", "true", "--at", soon(1.5))
    assert result.code == 0, result.err
    (run,) = wait_until(lambda: finished_runs(service, "from-cli"), 6)
    assert run.status == "succeeded"
    manual = cli("task", "run", "from-cli", "--json").json()
    wait_until(lambda: service.get_run(manual["id"]).status == "succeeded", 5)


def test_checkpoint_is_handed_to_the_next_attempt(engine: Any, service: Any,
                                                  tmp_path: Path) -> None:
    steps = tmp_path / "steps"
    engine.start()
    # the command fails once after checkpointing 3, then resumes from it
    script = ('n=$(cat "$TICKWORK_CHECKPOINT_FILE" 2>/dev/null || echo 0); '
              f'echo attempt-$TICKWORK_ATTEMPT-from-$n >> {steps}; '
              'if [ "$n" = 0 ]; then echo 3 > "$TICKWORK_CHECKPOINT_FILE"; exit 1; fi')
    service.create_task(command_task("resumable", action={"kind": "command", "argv": [script],
                                                          "shell": True},
                                     retries=1, retry_delay=0.1))
    service.run_now("resumable")
    wait_until(lambda: len(finished_runs(service, "resumable")) == 2, 8)
    assert steps.read_text().split() == ["attempt-1-from-0", "attempt-2-from-3"]


def test_stop_interrupts_what_does_not_finish_in_grace(store: Any, service: Any) -> None:
    """The engine's own stop (the GUI quitting takes this path too): what it cuts off is
    `interrupted`, never `cancelled`, and its retry waits for the next start; what had not
    started is given back for the next start to run."""
    from app.engine.engine import Engine

    eng = Engine(store, workers=3, metrics=False)
    service.subscribe(eng.on_service_change)
    eng.start()
    service.create_task(command_task("stuck", action={"kind": "command",
                                                      "argv": ["sleep", "30"]}, retries=1))
    service.create_task(py_task("stubborn", "stubborn", kwargs={"seconds": 8}, retries=1))
    runs = [service.run_now("stuck"), service.run_now("stubborn")]
    wait_until(lambda: all(service.get_run(r.id).status == "running" for r in runs), 5)
    held = service.run_now("stuck")  # max instances 1: it waits for the first
    wait_until(lambda: service.get_run(held.id).status == "waiting", 5)
    started = time.monotonic()
    eng.stop(grace=0.5)
    assert time.monotonic() - started < 10
    for run in runs:
        done = service.get_run(run.id)
        assert done.status == "interrupted", done
        assert "engine stopped" in (done.reason or "") and "was running" in (done.reason or "")
        (retry,) = [r for r in service.list_runs(task=done.task_name)
                    if r.parent_run_id == run.id]
        assert retry.status == "retrying" and retry.attempt == 2
    given_back = service.get_run(held.id)  # never started: given back, run as it is next
    assert given_back.status == "queued" and given_back.attempt == 1
    assert "the next start runs it" in (given_back.reason or "")
