"""How soon a run asked for by hand starts, and a cancel request ends a run: from the
request's commit to the engine's start (or end) of the run, as the store records it.

Cases: requests from another process, as `tickwork task run` and `tickwork run cancel` make
them, against a headless engine (`tickwork engine`), resting (nothing falls due, nothing
runs) and busy (a run going throughout, tasks firing every second); and a window's way, the
service in the engine's own process. The request's time is when its call returned (its
commit), the start or end the engine's `started_at` or `finished_at`: neither a CLI's own
start-up nor the look at the store here is counted. A cancel is of a running run (the engine
is busy then). The first run of each case is apart (`first_start_ms`), asked of an engine
that has started: it waited for the launcher processes to start (110–350 ms) until they
started with the engine.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks._common import compile_app, emit, environment_info, log, percentiles

BUSY_TASKS = 3  # tasks firing every second beside the one run by hand


def _cli(home: Path, *args: str) -> str:
    env = {**os.environ, "TICKWORK_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "app.cli", *args], env=env, check=True,
                          capture_output=True, text=True).stdout


def _at(con: sqlite3.Connection, sql: str, run_id: int, wait: float = 30.0) -> float:
    """The epoch seconds `sql` gives for the run once it is not NULL (looked for every 2 ms)."""
    end = time.monotonic() + wait
    while time.monotonic() < end:
        row = con.execute(sql, (run_id,)).fetchone()
        if row is not None and row[0] is not None:
            return float(row[0])
        time.sleep(0.002)
    raise TimeoutError(f"run {run_id}: {sql}")


def _started(con: sqlite3.Connection, run_id: int) -> float:
    return _at(con, "SELECT (julianday(started_at) - 2440587.5) * 86400.0 FROM run"
               " WHERE id = ?", run_id)


def _ended(con: sqlite3.Connection, run_id: int) -> float:
    return _at(con, "SELECT (julianday(finished_at) - 2440587.5) * 86400.0 FROM run"
               " WHERE id = ?", run_id)


class Requester:
    """Asks for runs and cancels through a `Service` — in another process, as `tickwork task
    run` and `tickwork run cancel` do (`remote`), or in the engine's, as a window does —
    and says when each request had committed (the time its call returned)."""

    def __init__(self, home: Path, service: Any = None) -> None:
        self.service = service
        self.proc = None if service is not None else subprocess.Popen(
            [sys.executable, "-m", "benchmarks.run_now", "--requester", str(home)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def ask(self, what: str, ref: str) -> tuple[int, float]:
        """(the run's id, when the request had committed)"""
        if self.service is not None:
            return _asked(self.service, what, ref)
        assert self.proc is not None and self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(f"{what} {ref}\n")
        self.proc.stdin.flush()
        run_id, at = self.proc.stdout.readline().split()
        return int(run_id), float(at)

    def close(self) -> None:
        if self.proc is not None and self.proc.stdin:
            self.proc.stdin.close()
            self.proc.wait(30)


def _asked(service: Any, what: str, ref: str) -> tuple[int, float]:
    run = service.run_now(ref) if what == "run" else service.cancel_run(int(ref))
    return run.id, time.time()


def requester(home: Path) -> None:
    """`--requester HOME`: a `Service` of the CLI's, asking what stdin says."""
    from app.service import Service
    from app.store.database import Store

    service = Service(Store.open(home, actor="cli"), "cli")
    for line in sys.stdin:
        what, ref = line.split()
        run_id, at = _asked(service, what, ref)
        print(run_id, repr(at), flush=True)


def _home(busy: bool) -> Path:
    home = Path(tempfile.mkdtemp(prefix="tw-runnow-")) / "home"
    _cli(home, "task", "add", "hand", "--command", "true", "--manual")
    _cli(home, "task", "add", "long", "--command", "sleep 60", "--manual")
    if busy:
        _cli(home, "task", "add", "going", "--command", "sleep 600", "--manual")
    for i in range(BUSY_TASKS if busy else 0):
        _cli(home, "task", "add", f"tick{i}", "--command", "true", "--every", "1s")
    return home


def _rounds(home: Path, asker: Requester, rounds: int, busy: bool) -> dict[str, Any]:
    """Manual runs, then cancels of running runs; the first run (the engine's first command)
    apart. Busy, a run goes throughout (the store thread polls)."""
    con = sqlite3.connect(home / "tickwork.db", isolation_level=None)
    starts, ends = [], []
    try:
        run_id, at = asker.ask("run", "hand")
        first = _started(con, run_id) - at
        if busy:
            _started(con, asker.ask("run", "going")[0])
        for _ in range(rounds):
            time.sleep(random.uniform(0.5, 1.5))  # (a resting engine is back at rest)
            run_id, at = asker.ask("run", "hand")
            starts.append(_started(con, run_id) - at)
        for _ in range(max(rounds // 2, 1)):
            run_id, _at = asker.ask("run", "long")
            _started(con, run_id)
            time.sleep(random.uniform(0.3, 0.8))
            _, at = asker.ask("cancel", str(run_id))
            ends.append(_ended(con, run_id) - at)
    finally:
        con.close()
    return {"first_start_ms": round(first * 1000, 3), "start_ms": percentiles(starts),
            "cancel_ms": percentiles(ends), "starts": len(starts), "cancels": len(ends)}


def _up(home: Path, wait: float = 60.0) -> None:
    """Once the engine holds the store, and a second more for its start to end: the first
    run is asked of a running engine, as in a window."""
    from app.store.lock import EngineLock

    end = time.monotonic() + wait
    while not EngineLock(home).holder() and time.monotonic() < end:
        time.sleep(0.05)
    time.sleep(1.0)


def cli_case(busy: bool, rounds: int) -> dict[str, Any]:
    """Requests from another process against `tickwork engine`, started afresh."""
    home = _home(busy)
    env = {**os.environ, "TICKWORK_HOME": str(home)}
    engine = subprocess.Popen([sys.executable, "-m", "app.cli", "engine", "--grace", "0"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    asker = Requester(home)
    try:
        _up(home)
        return _rounds(home, asker, rounds, busy)
    finally:
        asker.close()
        _cli(home, "engine", "stop")
        engine.wait(30)


def window_case(busy: bool, rounds: int) -> dict[str, Any]:
    """A window's way: its service in the engine's process, heard at once (no store look)."""
    from app.engine.engine import Engine
    from app.service import Service
    from app.store.database import Store

    home = _home(busy)
    store = Store.open(home)
    service = Service(store, "gui")
    engine = Engine(store, metrics=False, backups=False)
    service.subscribe(engine.on_service_change)
    engine.start()
    try:
        return _rounds(home, Requester(home, service), rounds, busy)
    finally:
        engine.stop(grace=0)
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--cases", default="cli_idle,cli_busy,window_idle,window_busy")
    parser.add_argument("--out")
    parser.add_argument("--requester", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.requester:
        requester(Path(args.requester))
        return
    compile_app()
    results: dict[str, Any] = {}
    for case in args.cases.split(","):
        kind, load = case.split("_")
        run = cli_case if kind == "cli" else window_case
        results[case] = run(load == "busy", args.rounds)
        log(f"{case}: {results[case]}")
    emit({"benchmark": "run_now", "rounds": args.rounds, "busy_tasks": BUSY_TASKS,
          "environment": environment_info(), "results": results}, args.out)


if __name__ == "__main__":
    main()
