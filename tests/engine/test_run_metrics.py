"""Per-run CPU and memory count the run's whole process tree; the sampler slows down while
the engine idles and nobody watches."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from app.engine.metrics import MetricsSampler, RunTree
from tests.conftest import command_task
from tests.engine.conftest import Recorder, wait_until

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
