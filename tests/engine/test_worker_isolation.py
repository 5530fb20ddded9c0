"""A Python worker serves many runs of many tasks, one after another: nothing one run leaves
behind reaches the next — not its output, not its checkpoints, not its secrets (a worker
whose run left threads or processes running is killed with them), not the process state it
changed (fds, environment, umask, signals) — and what a run wrote before its worker died,
or forked out of the worker's group, is still its own. One worker (`workers=1`), so every
run after the first is handed to the worker the first one left."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]
import pytest

from app.engine.engine import Engine
from tests.engine.conftest import wait_until
from tests.engine.process_trees import gone, proc_in

ACTIONS = "tests.engine.isolation_actions"
SETTINGS = "tests.engine.isolation_settings"  # another module: another task's settings


@pytest.fixture
def one_worker(store: Any, service: Any) -> Iterator[Engine]:
    eng = Engine(store, workers=1, metrics=False)
    service.subscribe(eng.on_service_change)
    eng.start()
    yield eng
    eng.stop(grace=0.5)


def task(name: str, target: str, module: str = ACTIONS, **extra: Any) -> dict[str, Any]:
    return {"name": name, "timezone": "UTC", "action": {
        "kind": "python", "target": f"{module}:{target}", "kwargs": extra.pop("kwargs", {})},
        **extra}


def ended(service: Any, name: str) -> Any:
    """Run `name` now and wait for its end."""
    run = service.run_now(name)
    return wait_until(lambda: (r := service.get_run(run.id)).finished_at and r, 20)


def output(service: Any, run: Any) -> str:
    return "".join(chunk[2] for chunk in service.run_output(run.id))


def test_what_a_run_leaves_running_never_reaches_a_later_run(
        one_worker: Engine, service: Any, home: Path) -> None:
    """A child that prints the run's secret after the run returned, a thread that
    checkpoints after it: the worker goes with them, and the next run (another task, no
    secrets) sees neither; the secret is nowhere in the store."""
    service.set_secret("tok", "S3cr3tValue!")
    service.create_task(task("leaky", "leaky", secret_env={"TOK": "tok"}))
    service.create_task(task("thready", "late_checkpoint"))
    service.create_task(task("later", "patient", kwargs={"seconds": 1.0}))
    for name, left in (("leaky", "child processes"), ("thready", "1 thread")):
        first = ended(service, name)
        later = ended(service, "later")  # it outlasts what the first one left
        assert later.status == "succeeded", later.error
        text = output(service, later)
        assert "late-token" not in text and "returned: 'resume_state=None'" in text
        assert service.get_run(later.id).checkpoint is None
        assert first.status == "succeeded", first.error
        assert f"the action left {left} running: stopped with its worker" in output(
            service, first)
    assert not [f for f in home.glob("tickwork.db*") if b"S3cr3tValue!" in f.read_bytes()]


def test_the_context_of_a_run_that_ended_refuses(one_worker: Engine, service: Any,
                                                 tmp_path: Path) -> None:
    """A run kept its context in module state (which lives on); a later run of another task
    that uses it is refused, and nothing reaches either run."""
    said = tmp_path / "said"
    service.create_task(task("keeper", "keep_context"))
    service.create_task(task("user", "use_kept_context", kwargs={"path": str(said)}))
    keeper = ended(service, "keeper")
    user = ended(service, "user")
    assert (keeper.status, user.status) == ("succeeded", "succeeded")
    closed = f"run {keeper.id} has ended: its context is closed"
    assert json.loads(said.read_text()) == [closed] * 3
    assert "from the past" not in output(service, keeper) + output(service, user)
    assert service.get_run(user.id).checkpoint is None


def test_a_timeout_ends_the_run_and_kills_a_child_forked_out_of_the_group(
        one_worker: Engine, service: Any, tmp_path: Path) -> None:
    """fork + setsid without exec: the child holds what the worker held and carries no run
    token in its /proc environment; the run still ends `timed_out`, and the child goes."""
    marker = tmp_path / "marker"
    service.create_task(task("forker", "fork_daemon", kwargs={"path": str(marker)},
                             timeout=1))
    run = service.run_now("forker")
    forked = [proc_in(Path(f"{marker}.{which}")) for which in ("pid", "grandchild")]
    try:
        done = wait_until(lambda: (r := service.get_run(run.id)).finished_at and r, 10)
        assert done.status == "timed_out"
        wait_until(lambda: all(gone(p) for p in forked), 10)
    finally:
        _kill(forked)
    after = ended(service, "forker")  # the next worker serves it as usual
    assert after.status == "timed_out"


def test_a_worker_that_dies_takes_what_its_run_forked_along(
        one_worker: Engine, service: Any, tmp_path: Path) -> None:
    """The worker dies (os._exit) after forking a child out of its group: the engine kills
    the child and the grandchild it forked, which it heard of as they were forked."""
    marker = tmp_path / "marker"
    service.create_task(task("forker", "fork_daemon",
                             kwargs={"path": str(marker), "then": "die"}))
    done = ended(service, "forker")
    # the engine may have taken them before this test looks: their pids, not live processes
    pids = [int(Path(f"{marker}.{which}").read_text()) for which in ("pid", "grandchild")]
    try:
        assert done.status == "interrupted" and "exit code 3" in (done.error or "")
        wait_until(lambda: all(_pid_gone(pid) for pid in pids), 10)
    finally:
        for pid in pids:
            if not _pid_gone(pid):
                os.kill(pid, 9)


def _pid_gone(pid: int) -> bool:
    try:
        return gone(psutil.Process(pid))
    except psutil.NoSuchProcess:
        return True


def _kill(procs: list[Any]) -> None:
    for proc in procs:
        if not gone(proc):
            proc.kill()


def test_a_kill_9_of_the_engine_takes_a_child_forked_out_of_the_group_along(
        spawn: Any, cli: Any, tmp_path: Path) -> None:
    """The worker whose engine died kills its children and their orphans before it goes:
    the next engine's recovery could not find a forked child by token."""
    marker = tmp_path / "marker"
    engine = spawn()
    engine.wait_for("engine running")
    assert cli("task", "add", "forker", "--python", f"{ACTIONS}:fork_daemon", "--kwargs",
               json.dumps({"path": str(marker)}), "--manual").code == 0
    assert cli("task", "run", "forker").code == 0
    forked = [proc_in(Path(f"{marker}.{which}")) for which in ("pid", "grandchild")]
    try:
        engine.kill9()
        wait_until(lambda: all(gone(p) for p in forked), 10)
    finally:
        _kill(forked)


def test_all_a_run_wrote_before_its_worker_died_is_its_output(one_worker: Engine,
                                                              service: Any) -> None:
    service.create_task(task("dying", "dies_after_printing"))
    for _ in range(5):
        run = ended(service, "dying")
        assert run.status == "interrupted" and "exit code 3" in (run.error or "")
        streams = {stream: "" for stream in ("stdout", "stderr")}
        for chunk in service.run_output(run.id):
            streams[chunk[1]] = streams.get(chunk[1], "") + chunk[2]
        assert streams["stdout"] == "line before _exit\n"
        assert streams["stderr"] == "stderr before _exit\n"


def test_process_state_one_task_changed_is_put_back_for_the_next(
        one_worker: Engine, service: Any, tmp_path: Path) -> None:
    """fd 0 and 1 closed, sys.stdout replaced, an environment variable set, umask 0, SIGTERM
    ignored, SIGUSR1 blocked: the next task, in the same worker, gets none of it."""
    broke, seen = tmp_path / "broke", tmp_path / "seen"
    service.create_task(task("breaker", "break_process", kwargs={"path": str(broke)}))
    service.create_task(task("reporter", "report_process", kwargs={"path": str(seen)}))
    assert ended(service, "breaker").status == "succeeded"
    reported = ended(service, "reporter")
    assert reported.status == "succeeded", reported.error
    assert "printed as usual" in output(service, reported)
    state = json.loads(seen.read_text())
    umask = os.umask(0o022)
    os.umask(umask)
    assert state == {"proxy": os.environ.get("HTTP_PROXY"), "umask": umask, "sigterm": True,
                     "blocked": [], "stdin": True, "pid": int(broke.read_text())}


def test_the_environment_one_task_put_behind_os_environ_is_not_the_next_ones(
        one_worker: Engine, service: Any, tmp_path: Path) -> None:
    """`os.putenv` and `os.unsetenv` (C code's `setenv`) change what a started process
    gets, not os.environ: a variable one task put there reached the processes of the next
    task in its worker, and one it took away was missing for them."""
    put, seen = tmp_path / "put", tmp_path / "seen"
    service.create_task(task("putter", "put_env", kwargs={"path": str(put)}))
    service.create_task(task("reporter", "report_child_env", kwargs={"path": str(seen)}))
    assert ended(service, "putter").status == "succeeded"
    reported = ended(service, "reporter")
    assert reported.status == "succeeded", reported.error
    state = json.loads(seen.read_text())
    assert state["pid"] == int(put.read_text())  # the same worker
    assert state["leaked"] == ""
    assert state["home"] == state["own_home"] != ""


def test_a_task_that_moved_home_leaves_the_next_one_starting_in_the_engines_home(
        one_worker: Engine, service: Any, tmp_path: Path) -> None:
    """HOME set elsewhere (os.environ and behind it) and gone there, by a task with a
    working folder (the worker's first run) and then again: each later task with none starts
    in the engine's home folder, in the same worker (which looks its home folder up once)."""
    moved, seen, elsewhere = tmp_path / "moved", tmp_path / "seen", tmp_path / "elsewhere"
    elsewhere.mkdir()
    mover = task("mover", "move_home", kwargs={"path": str(moved), "to": str(elsewhere)})
    mover["action"]["cwd"] = str(tmp_path)
    service.create_task(mover)
    service.create_task(task("reporter", "report_cwd", kwargs={"path": str(seen)}))
    for _ in range(2):
        assert ended(service, "mover").status == "succeeded"
        reported = ended(service, "reporter")
        assert reported.status == "succeeded", reported.error
        state = json.loads(seen.read_text())
        assert state["pid"] == int(moved.read_text())  # the same worker
        assert os.path.realpath(state["cwd"]) == os.path.realpath(os.environ["HOME"])


def test_settings_one_task_changed_are_put_back_for_the_next(
        one_worker: Engine, service: Any, tmp_path: Path) -> None:
    """A 1 GiB memory cap (it made the next task fail with MemoryError), the garbage
    collector off and debugging, a recursion limit, a trace function, an exception hook,
    warnings as errors, a small thread stack, another time zone, decimal's precision (and
    its default, which a later task's threads start from: a review), a
    socket timeout, the locale: the next task, of another module, in the same worker, gets
    the process as the worker had it."""
    seen = tmp_path / "seen"
    service.create_task(task("changer", "change_settings", module=SETTINGS))
    service.create_task(task("reporter", "report_settings", kwargs={"path": str(seen)}))
    assert ended(service, "reporter").status == "succeeded"  # (the worker as it was)
    before = json.loads(seen.read_text())
    changed = ended(service, "changer")
    assert changed.status == "succeeded", changed.error
    reported = ended(service, "reporter")
    assert reported.status == "succeeded", reported.error
    assert "a later task's warning" in output(service, reported)
    after = json.loads(seen.read_text())
    assert after["pid"] == before["pid"]  # the same worker, not a new one
    assert after == before
    here = _fresh()  # and as a new interpreter has them
    kept = ("memory", "gc", "zone", "precision", "thread_precision", "timeout", "nice")
    assert {k: after[k] for k in kept} == {k: here[k] for k in kept}


def test_a_setting_that_cannot_be_put_back_retires_its_worker(
        one_worker: Engine, service: Any, tmp_path: Path) -> None:
    """`warnings.filters = ()`: putting the list back failed and killed the worker, and the
    next task's run with it (`interrupted`). The run says so; the next runs in a new one."""
    seen = tmp_path / "seen"
    service.create_task(task("breaker", "unsettable", module=SETTINGS))
    service.create_task(task("reporter", "report_settings", kwargs={"path": str(seen)}))
    assert ended(service, "reporter").status == "succeeded"
    first = json.loads(seen.read_text())["pid"]
    run = ended(service, "breaker")
    assert run.status == "succeeded", run.error
    assert "the action changed its worker's warnings filters (TypeError: " in output(service, run)
    reported = ended(service, "reporter")
    assert reported.status == "succeeded", reported.error
    assert json.loads(seen.read_text())["pid"] != first


def test_what_a_module_sets_at_import_holds_for_each_of_its_runs(
        one_worker: Engine, service: Any, tmp_path: Path) -> None:
    """`sys.setrecursionlimit(5000)` at a module's top (its import, once per worker) held
    for its task's first run only: the second failed with RecursionError. It holds for each
    of its runs, and another module's task still gets the worker's own limit."""
    seen = tmp_path / "seen"
    service.create_task(task("deep", "deep", module="tests.engine.isolation_import"))
    service.create_task(task("reporter", "report_settings", kwargs={"path": str(seen)}))
    for _ in range(2):
        run = ended(service, "deep")
        assert run.status == "succeeded", run.error
        assert "returned: 3000" in output(service, run)
        assert ended(service, "reporter").status == "succeeded"
        assert json.loads(seen.read_text())["recursion"] == sys.getrecursionlimit()


def test_a_limit_a_run_cannot_take_back_retires_its_worker(
        one_worker: Engine, service: Any, tmp_path: Path) -> None:
    """A hard memory limit lowered and the nice value raised are for good in a process
    without the privilege to raise them again (as the tests run here: root without
    CAP_SYS_RESOURCE can lower its nice value, not lift a hard limit): the run says which,
    and the next task runs in a new worker, as the engine's own. Where both can be taken
    back, they are, in the same worker."""
    lowered, seen = tmp_path / "lowered", tmp_path / "seen"
    service.create_task(task("lowerer", "lower_for_good", kwargs={"path": str(lowered)}))
    service.create_task(task("reporter", "report_settings", kwargs={"path": str(seen)}))
    run = ended(service, "lowerer")
    assert run.status == "succeeded", run.error
    said = output(service, run)
    for_good = [words for words, undo in (
        ("hard limit on address space (memory)", "resource.setrlimit(resource.RLIMIT_AS, "
         "(2**30, 2**30)); resource.setrlimit(resource.RLIMIT_AS, (-1, -1))"),
        ("nice value (0 → 5)", "import os; os.nice(5); os.setpriority(os.PRIO_PROCESS, 0, 0)"))
        if not _can(undo)]
    replaced = f"the action changed its worker's {', '.join(for_good)}, which no later run " \
        "may inherit: the worker is replaced\n"
    assert (replaced in said) if for_good else ("the worker is replaced" not in said)
    reported = ended(service, "reporter")
    assert reported.status == "succeeded", reported.error
    state = json.loads(seen.read_text())
    assert (state["pid"] != int(lowered.read_text())) == bool(for_good)
    here = _fresh()
    assert (state["memory"], state["nice"]) == (here["memory"], here["nice"])


def _fresh() -> dict[str, Any]:
    """The settings of a new interpreter with this environment (this test process's own may
    have been changed by an earlier test in it: its zone, its garbage collector)."""
    done = subprocess.run([sys.executable, "-c", "import json; from tests.engine."
                           "isolation_actions import settings; print(json.dumps(settings()))"],
                          capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout))


def _can(code: str) -> bool:
    """Whether a new process here may run `code` (it undoes what it did)."""
    return subprocess.run([sys.executable, "-c", f"import resource; {code}"],
                          capture_output=True).returncode == 0


def test_a_result_after_output_without_a_newline_starts_its_own_line(
        one_worker: Engine, service: Any) -> None:
    service.create_task(task("unended", "no_newline"))
    run = ended(service, "unended")
    assert run.status == "succeeded"
    assert "éé\nreturned: 'fine'\n" in output(service, run)


@pytest.mark.parametrize(("then", "code"), [("return", 0), ("raise", 1)])
def test_a_forked_child_that_returns_out_of_the_action_ends_there(
        one_worker: Engine, service: Any, then: str, code: int) -> None:
    """The child went on as the worker: a traceback of the worker's own ("Bad file
    descriptor") in the run's log (a fault hunt). It ends where it leaves the action; the
    run is the parent's, and the next run is served as usual."""
    service.create_task(task("forks", "fork_and_return", kwargs={"then": then}))
    run = ended(service, "forks")
    text = output(service, run)
    assert run.status == "succeeded", (run.error, text)
    assert "the child says hello" in text
    assert f"parent; child exit {code}" in text
    assert "Traceback" not in text and "Bad file descriptor" not in text
    assert "the child's" not in text  # its result or error: never the run's
    assert ended(service, "forks").status == "succeeded"
