"""A task with a Python action and `runs_on: celery` runs on a real `tickwork worker`, in a
Python worker process there, with the local semantics: its output and result, a timeout
that kills a `while True: pass`, a cancel, a checkpoint carried to the retry, its secret
masked, a crash that ends only its run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from faults.harness import wait_until
from tests.celery.test_celery_runs import ended, gone, output


def python_task(name: str, target: str, **extra: Any) -> dict[str, Any]:
    from tests.conftest import command_task

    action = {"kind": "python", "target": target, "kwargs": extra.pop("kwargs", {}),
              "cwd": extra.pop("cwd", None)}
    return command_task(name, action=action, runs_on="celery", **extra)


def test_a_python_action_runs_on_a_worker_with_output_result_and_secret(
        engine: Any, service: Any, start_worker: Any) -> None:
    start_worker()
    service.set_secret("my-secret", "hush-hush-value")
    service.create_task(python_task("leaky", "tests.support.actions:leak_secret",
                                    secret_env={"MYSECRET": "my-secret"}))
    run = service.run_now("leaky")
    done = ended(service, run.id)
    assert done.status == "succeeded", done
    text = output(service, run.id)
    assert "running on Celery worker w1@test" in text
    assert "the token is ***" in text and "returned: '***'" in text and "using ***" in text
    assert "hush-hush" not in text


def test_a_python_action_that_raises_fails_with_its_traceback(
        engine: Any, service: Any, start_worker: Any) -> None:
    start_worker()
    service.create_task(python_task("boom", "tests.support.actions:boom",
                                    kwargs={"message": "kaput"}))
    done = ended(service, service.run_now("boom").id)
    assert done.status == "failed" and "kaput" in (done.error or "")
    assert "Traceback" in output(service, done.id)


def test_a_busy_loop_with_a_timeout_is_killed_on_the_worker(
        engine: Any, service: Any, start_worker: Any, tmp_path: Path) -> None:
    start_worker()
    code = tmp_path / "spin.py"
    code.write_text("import os\n\ndef spin(path):\n"
                    "    open(path, 'w').write(str(os.getpid()))\n    while True:\n        pass\n")
    pid_file = tmp_path / "pid"
    service.create_task(python_task("spin", "spin:spin", kwargs={"path": str(pid_file)},
                                    timeout=1, cwd=str(tmp_path)))
    done = ended(service, service.run_now("spin").id)
    assert done.status == "timed_out" and "timed out after 1 s" in (done.error or ""), done
    wait_until(lambda: pid_file.exists() and gone(int(pid_file.read_text())), 10)


def test_a_cancel_stops_the_python_action_on_the_worker(
        engine: Any, service: Any, start_worker: Any) -> None:
    start_worker()
    service.create_task(python_task("nap", "tests.support.actions:stubborn",
                                    kwargs={"seconds": 60}))
    run = service.run_now("nap")
    wait_until(lambda: "running on Celery worker" in output(service, run.id), 30)
    service.cancel_run(run.id)
    done = ended(service, run.id)
    assert done.status == "cancelled", done


def test_a_callable_sees_cancelled_on_the_worker(
        engine: Any, service: Any, start_worker: Any, tmp_path: Path) -> None:
    start_worker()
    (tmp_path / "polite.py").write_text(
        "import time\n\ndef polite(path, context):\n"
        "    open(path + '.started', 'w').close()\n"
        "    while not context.cancelled:\n        time.sleep(0.02)\n"
        "    open(path, 'w').write('saw the cancel')\n")
    seen = tmp_path / "seen"
    service.create_task(python_task("polite", "polite:polite", kwargs={"path": str(seen)},
                                    cwd=str(tmp_path)))
    run = service.run_now("polite")
    wait_until(lambda: (tmp_path / "seen.started").exists(), 30)  # the callable runs
    service.cancel_run(run.id)
    assert ended(service, run.id).status == "cancelled"
    assert seen.read_text() == "saw the cancel"  # it returned by itself, within the grace


def test_a_checkpoint_is_carried_to_the_retry_on_the_worker(
        engine: Any, service: Any, start_worker: Any, tmp_path: Path) -> None:
    worker = start_worker()
    steps = tmp_path / "steps"
    service.create_task(python_task(
        "counter", "tests.support.actions:count_to", retries=1, retry_delay=0,
        kwargs={"n": 40, "path": str(steps), "pause": 0.1}))
    run = service.run_now("counter")
    wait_until(lambda: steps.exists() and len(steps.read_text().split()) >= 3, 30)
    worker.proc.kill()  # the worker and its Python process go: the run is lost
    worker.proc.wait(10)
    lost = ended(service, run.id)
    assert lost.status == "interrupted", lost
    start_worker("w2@test")
    retry = wait_until(lambda: [r for r in service.list_runs(task="counter")
                                if r.attempt == 2], 30)[0]
    again = ended(service, retry.id, 60)
    assert again.status == "succeeded", again
    done = [int(x) for x in steps.read_text().split()]
    assert done[-1] == 40 and sorted(set(done)) == list(range(1, 41))
    # each step was checkpointed before the next: the retry repeats at most the one step
    # the worker was in when it was killed
    assert len(done) - 40 <= 1, done
    assert "progress: " in output(service, retry.id)


def test_a_checkpoint_holding_a_secret_is_refused_on_the_worker_before_redis_sees_it(
        engine: Any, service: Any, start_worker: Any, broker: str) -> None:
    import threading

    from app.remote.broker import redis_client

    start_worker()
    service.set_secret("api-token", "never-in-redis-value")
    service.create_task(python_task("keeper", "tests.engine.worker_actions:checkpoint_secret",
                                    secret_env={"TOKEN": "api-token"}))
    seen: list[str] = []
    watching = redis_client(broker).monitor()
    ready = threading.Event()

    def watch() -> None:  # every command the broker serves, as `redis-cli monitor` shows it
        with watching as monitor:
            ready.set()
            for command in monitor.listen():
                seen.append(str(command.get("command", "")))
                if "kept the step" in seen[-1]:
                    return
    threading.Thread(target=watch, daemon=True).start()
    ready.wait(10)
    run = service.run_now("keeper")
    done = ended(service, run.id)
    assert done.status == "succeeded", done
    text = output(service, run.id)
    assert "refused: CheckpointError: the checkpoint holds the value of a secret" in text
    wait_until(lambda: any("kept the step" in c for c in seen), 10)
    assert any("checkpoint" in c for c in seen)  # the safe one went through the broker
    # the run's secret environment goes to its worker under its own key, read once (by
    # design); no other message may carry the value
    assert [c for c in seen if "never-in-redis" in c and "tickwork:secret:" not in c] == []


def test_progress_and_log_say_what_utf8_cannot_hold_on_the_worker_as_at_home(
        engine: Any, service: Any, start_worker: Any) -> None:
    """A file name os.listdir decoded with a lone surrogate, given to progress() or log(),
    and a progress message of several lines: said on a Celery worker as the engine's own
    workers say them (tests/engine/test_python_workers.py), the run not failed for it."""
    start_worker()
    actions = {"named": "undecodable_name", "logged": "log_undecodable_name",
               "lines": "progress_over_lines"}
    for name, target in actions.items():
        service.create_task(python_task(name, f"tests.engine.worker_actions:{target}"))
    runs = {name: service.run_now(name).id for name in actions}
    said = {}
    for name, run_id in runs.items():
        done = ended(service, run_id)
        assert done.status == "succeeded", (name, done)
        said[name] = [line for line in output(service, run_id).splitlines()
                      if "Celery worker" not in line and not line.startswith("returned")]
    assert said["named"][:3] == ["before", "progress: 50% copying caf\\udce9.txt", "after"]
    assert said["logged"][:2] == ["copying caf\\udce9.txt", "copied"]
    assert said["lines"][:3] == [
        "before", "progress: 50% copying the second line and the third and more", "after"]


def test_with_no_working_folder_a_run_on_a_worker_starts_in_its_home_folder(
        engine: Any, service: Any, start_worker: Any, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """As a local run does (tests/engine/test_home_folder.py): the home folder of the
    worker's user, not the folder the worker was started in (Tickwork's)."""
    from tests.conftest import command_task

    user = tmp_path / "user"
    user.mkdir()
    monkeypatch.setenv("HOME", str(user))
    start_worker()
    service.create_task(python_task("py", "os:getcwd"))
    service.create_task(command_task("where", action={"kind": "command", "argv": ["pwd"]},
                                     runs_on="celery"))
    py, where = ended(service, service.run_now("py").id), ended(
        service, service.run_now("where").id)
    assert (py.status, where.status) == ("succeeded", "succeeded"), (py, where)
    assert f"returned: {str(user)!r}" in output(service, py.id)
    assert f"{user}\n" in output(service, where.id)
