"""Trivial actions for the benchmarks (module-level, importable by reference), and the cost
of handing one to a Python worker: `python -m benchmarks.actions [--runs N] [--threads T]`
prints the round trip of `noop` through `PythonWorkers` (hand it over as an executor thread
does, until the sink hears its end) next to calling it in-process, as JSON: runs a second
with T runs in flight, the engine's CPU per run and the workers' CPU per run.
"""

from __future__ import annotations

import argparse
import threading
import time
from datetime import UTC, datetime
from typing import Any


def noop() -> None:
    return None


class _Sink:
    """A sink that keeps nothing: the round trip alone is measured. A run's end wakes the
    thread that handed it over."""

    def __init__(self) -> None:
        self.waiting: dict[int, tuple[threading.Event, list[Any]]] = {}

    def on_started(self, attempt: Any) -> None: ...
    def on_output(self, attempt: Any, stream: str, text: str) -> None: ...
    def on_checkpoint(self, attempt: Any, state: Any) -> None: ...
    def on_progress(self, attempt: Any, fraction: float | None, message: str) -> None: ...

    def on_finished(self, attempt: Any, outcome: Any) -> None:
        event, box = self.waiting.pop(attempt.run_id)
        box.append(outcome)
        event.set()

    def secret(self, name: str) -> str | None:
        return None


def _workers_cpu(pids: list[int]) -> float:
    import psutil

    total = 0.0
    for pid in pids:
        t = psutil.Process(pid).cpu_times()
        total += t.user + t.system
    return total


def _round_trips(runs: int, threads: int) -> dict[str, Any]:
    from app.core.task import Action
    from app.engine.attempts import Attempt
    from app.engine.executor import RunContext
    from app.engine.pyworkers.pool import PythonWorkers

    sink = _Sink()
    workers = PythonWorkers(sink, RunContext)
    action = Action("python", target="benchmarks.actions:noop")
    now = datetime.now(UTC)
    per_thread = runs // threads
    failures: list[str] = []
    latencies: list[float] = []

    ids = iter(range(1 << 40))

    def lane(warm: int, count: int) -> None:
        mine: list[float] = []
        event = threading.Event()
        for i in range(warm + count):
            attempt = Attempt(run_id=next(ids), task_id=1, task_name="noop", scheduled_for=now,
                              attempt=1, action=action)
            box: list[Any] = []
            event.clear()
            sink.waiting[attempt.run_id] = (event, box)
            t = time.perf_counter()
            workers.hand(attempt)
            event.wait()
            outcome = box[0]
            if i >= warm:
                mine.append(time.perf_counter() - t)
            if outcome.status != "succeeded":
                failures.append(f"{outcome.status}: {outcome.error}")
        latencies.extend(mine)

    warmers = [threading.Thread(target=lane, args=(20, 0)) for _ in range(threads)]
    for t in warmers:
        t.start()
    for t in warmers:
        t.join()  # every worker started and warm
    pids = workers.pids()
    cpu0, t0, wcpu0 = time.process_time(), time.perf_counter(), _workers_cpu(pids)
    lanes = [threading.Thread(target=lane, args=(0, per_thread)) for _ in range(threads)]
    for t in lanes:
        t.start()
    for t in lanes:
        t.join()
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    wcpu = _workers_cpu(pids) - wcpu0
    workers.close()
    latencies.sort()
    done = len(latencies)
    return {"threads": threads, "runs": done, "failures": len(failures),
            "runs_per_s": round(done / wall), "engine_cpu_us_per_run": round(cpu / done * 1e6, 1),
            "workers_cpu_us_per_run": round(wcpu / done * 1e6, 1),
            "round_trip_us": {"p50": round(latencies[done // 2] * 1e6, 1),
                              "p99": round(latencies[int(done * 0.99)] * 1e6, 1)}}


def _in_process(runs: int) -> float:
    t = time.perf_counter()
    for _ in range(runs):
        noop()
    return (time.perf_counter() - t) / runs * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20000)
    parser.add_argument("--threads", type=str, default="1,8")
    args = parser.parse_args()
    import json

    cases = [_round_trips(args.runs, int(t)) for t in args.threads.split(",")]
    print(json.dumps({"benchmark": "python_worker_round_trip",
                      "in_process_call_us": round(_in_process(args.runs), 3),
                      "cases": cases}, indent=2))


if __name__ == "__main__":
    main()
