"""Per-run CPU and memory count the run's whole process tree; the sampler slows down while
the engine idles and nobody watches."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]  # no stubs installed

from app.engine.metrics import MetricsSampler, RunTree
from tests.conftest import command_task
from tests.engine.conftest import Recorder, metered_engine, wait_until

# a grandchild of the command's shell: allocates ~120 MB (written, so resident) and burns CPU
BURN = ("import time\nblob = b'x' * 120_000_000\nend = time.time() + 30\n"
        "while time.time() < end:\n    sum(range(10_000))\n")


def test_a_run_samples_show_its_childs_cpu_and_memory(store: Any, service: Any) -> None:
    from app.engine.engine import Engine

    engine = Engine(store, workers=2, metrics=True)
    service.subscribe(engine.on_service_change)
    events = Recorder()
    engine.subscribe(events)
    engine.start()
    script = f"{sys.executable} -c \"$BURN\" & wait"  # the shell itself only waits
    service.create_task(command_task("tree", env={"BURN": BURN}, action={
        "kind": "command", "argv": [script], "shell": True}))
    run = service.run_now("tree")

    try:
        wait_until(lambda: events.busy_samples(run.id), 20)
        values = events.busy_samples(run.id)[0]
        assert values["processes"] >= 2  # the shell and its python child
    finally:
        engine.cancel(run.id)
        wait_until(lambda: service.get_run(run.id).status == "cancelled", 15)
        engine.stop(grace=2)


def test_processes_that_come_and_go_never_break_a_sample() -> None:
    # a shell that starts and reaps a short-lived child again and again: children vanish
    # between the listing and the reading
    proc = subprocess.Popen(["sh", "-c", "while :; do /bin/true; done"])
    try:
        tree = RunTree(proc.pid)
        samples = [tree.sample(float(i)) for i in range(1, 200)]
        assert all(s is not None and s["processes"] >= 1 for s in samples)
        assert all(s is not None and s["cpu"] >= 0 for s in samples)
    finally:
        proc.kill()
        proc.wait()
    assert tree.sample(1000.0) is None  # the leader is gone


def test_sampler_is_busy_only_while_runs_go_or_a_window_watches(store: Any) -> None:
    from app.engine.engine import Engine

    engine = Engine(store, workers=1, metrics=False)
    sampler = MetricsSampler(engine)
    assert not sampler.busy()  # nothing runs, nobody watches: the idle interval ...
    assert sampler.idle_interval == 30.0  # ... README's "every 30 s otherwise"
    log = Recorder()
    engine.subscribe(log, watches=False)  # a log (the headless engine's) does not watch
    assert not sampler.busy()
    window = Recorder()
    engine.subscribe(window)
    assert sampler.busy()
    engine.hub.unsubscribe(window)  # the window closed
    assert not sampler.busy()


def _samples_of_one_run(store: Any, service: Any, task: dict[str, Any]) -> list[Any]:
    """Run `task` once on a real engine until it succeeds; its resource samples."""
    from app.engine.events import MetricsSampled

    with metered_engine(store, service, workers=1) as events:
        service.create_task(task)
        run = service.run_now(task["name"])
        wait_until(lambda: service.get_run(run.id).status == "succeeded", 20)
    return [e.values for e in events.of(MetricsSampled) if e.run_id == run.id]


def test_a_sample_just_after_a_run_starts_reads_no_clock_tick_as_a_rate() -> None:
    """A run's first sample comes as it starts (the sampler is woken by the run), and a
    process's CPU time counts in clock ticks of 10 ms: one tick over the few milliseconds
    since the start read as 120 %. A Python action that kept one CPU busy showed 107 %, 120 %
    and 124 % in three runs of six ("peak CPU 124 %" in its details); a window that starts
    watching wakes the sampler between its seconds alike. Too short a span says no CPU and
    leaves it to the next sample, which counts it all."""
    proc = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        spinner = psutil.Process(proc.pid)
        wait_until(lambda: sum(spinner.cpu_times()[:2]) >= 0.05, 10)
        early = []
        for _ in range(40):  # as a Python run on a busy worker: counted from its start
            times = spinner.cpu_times()
            started = time.time()
            tree = RunTree(proc.pid)
            tree.since(times.user + times.system + times.children_user
                       + times.children_system, datetime.fromtimestamp(started, UTC))
            while time.time() < started + 0.005:
                pass
            values = tree.sample(time.time())
            assert values is not None
            early.append(values["cpu"])
        assert max(early) <= 100, early  # one thread: one CPU at most
        time.sleep(1.0)
        # nothing lost: the span from the run's start counts all the CPU it had meanwhile,
        # however much a loaded machine gave it (a shuffled run of tests/engine: 26 %, not >= 30)
        def used() -> float:
            t = spinner.cpu_times()
            return float(t.user + t.system + t.children_user + t.children_system)

        counted_from = times.user + times.system + times.children_user + times.children_system
        before = used()
        at = time.time()
        values = tree.sample(at)
        after = used()
        assert values is not None and values["cpu"] > 0
        assert ((before - counted_from) / (at - started) * 100 - 0.01 <= values["cpu"]
                <= (after - counted_from) / (at - started) * 100 + 0.01), values
    finally:
        proc.kill()
        proc.wait()


def test_a_run_counts_what_its_shell_left_running_in_its_group(store: Any,
                                                               service: Any) -> None:
    """`sh -c 'x &'` leaves x without its parent: the launcher adopts it, but it is still in
    the run's group, carries its token and a timeout stops it. Its CPU and memory counted
    nothing (README: only processes that left with `setsid` are not counted)."""
    script = (f"sh -c '{sys.executable} -c \"$BURN\" &'; "
              "while [ ! -e \"$TICKWORK_CHECKPOINT_FILE.x\" ]; do sleep 0.1; done")
    burn = ("import os, time\nblob = b'x' * 120_000_000\nend = time.process_time() + 1.5\n"
            "while time.process_time() < end:\n    sum(range(10_000))\n"
            "open(os.environ['TICKWORK_CHECKPOINT_FILE'] + '.x', 'w').close()\n")
    samples = _samples_of_one_run(store, service, command_task("leaves", env={"BURN": burn},
                                  action={"kind": "command", "argv": [script], "shell": True}))
    # (its memory is what tells it counted: the shell's loop is a few MB and ~1 % CPU; the
    # CPU it gets is the machine's to give — 14–20 % in a fresh-clone run at load 20)
    assert any(v["cpu"] >= 5 and v["rss_mb"] >= 100 for v in samples), samples
    assert max(v["processes"] for v in samples) >= 2, samples


def test_run_show_says_a_runs_peak_cpu_and_memory_as_the_window_does(
        spawn: Any, cli: Any, tmp_path: Path) -> None:
    """`tickwork run show` (and its --json) give a run's sampled peaks — the window's Runs
    view showed them and the command line did not; a run with no samples says so."""
    script = tmp_path / "burn.py"
    script.write_text("import time\nblob = b'x' * 120_000_000\nend = time.process_time() + 1.5\n"
                      "while time.process_time() < end:\n    sum(range(10_000))\n")
    assert cli("task", "add", "burns", "--manual", "--command",
               f"{sys.executable} {script}").code == 0
    assert cli("task", "add", "quick", "--manual", "--command", "true").code == 0
    engine = spawn()
    engine.wait_for("engine running")
    for name in ("burns", "quick"):
        ran = cli("task", "run", name, "--wait", "60")
        assert ran.code == 0, ran.out + ran.err
    runs = {r["task_name"]: r["id"] for r in cli("run", "list", "--json").json()}
    shown = cli("run", "show", str(runs["burns"]), "--json").json()["resources"]
    assert shown["samples"] >= 1 and shown["peak_memory_mib"] >= 100, shown
    assert 20 <= shown["peak_cpu_percent"] <= 100 * (os.cpu_count() or 1), shown
    line = [x for x in cli("run", "show", str(runs["burns"])).out.splitlines()
            if x.strip().startswith("resources")]
    assert line and f"memory {shown['peak_memory_mib']:.1f} MiB" in line[0], line
    assert cli("run", "show", str(runs["quick"]), "--json").json()["resources"] is None
