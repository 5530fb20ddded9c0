"""Several engines on one shared PostgreSQL store: fires a minute, lateness, and the leader's
takeover when it is killed mid-burst.

A PostgreSQL server is started in a temp folder (the tests' own `PgServer`), one-shot tasks
are written straight into it (spread uniformly over the window, the first `--lead` seconds
after the engines are up), then `--engines` real `tickwork engine --store URL` processes
start, each with its own home, as engines on different machines would. With `--kill-leader`
the engine that leads is killed (SIGKILL) in the middle of the window. With
`--runs-on celery` the tasks run on `--workers` real `tickwork worker` processes over a
Redis broker the benchmark starts too.

Every figure comes from the ledger: fired = runs recorded as ended, missed = tasks that never
ran, twice = fires with more than one run started, lateness = started_at - scheduled_for,
`engines_claiming` = how many engines claimed runs (one, or two across a takeover), and the
takeover = from the kill to the first run the new leader claimed.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks import _tasks
from benchmarks._common import (
    common_parser,
    effective_window,
    emit,
    environment_info,
    log,
    percentiles,
)

ROOT = Path(__file__).resolve().parent.parent


def _engine(home: Path, url: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    log_file = open(home.parent / f"{home.name}.log", "wb")  # noqa: SIM115 (the child's)
    return subprocess.Popen([sys.executable, "-m", "app.cli", "--home", str(home), "--store",
                             url, "engine"], stdout=log_file, stderr=subprocess.STDOUT,
                            env=env, cwd=ROOT, start_new_session=True)


def _worker_keys(base: Path, engines: int) -> list[str]:
    """A worker's `--key-file` for each engine's home (its workers' key, made now as its
    engine would), for it runs only the jobs they sign; `--unsigned` where the keyring
    cannot keep them (the engines then send their runs unsigned)."""
    from app.remote import sealing
    from app.secrets import Keyring

    options: list[str] = []
    try:
        for i in range(engines):
            key = sealing.home_key(Keyring(base / f"e{i}"), make=True)
            if key is None:
                raise LookupError("the keyring did not keep the workers' key")
            path = base / f"e{i}.key"
            path.touch(0o600)  # (one others can read is said as the worker starts)
            path.write_text(sealing.key_text(key) + "\n")
            options += ["--key-file", str(path)]
    except Exception as exc:  # (no keyring backend, locked)
        log(f"no workers' keys ({exc}): the workers run unsigned jobs (--unsigned)")
        return ["--unsigned"]
    return options


def _worker(base: Path, name: str, env: dict[str, str], concurrency: int,
            keys: list[str]) -> subprocess.Popen[bytes]:
    """A `tickwork worker` (its log beside the engines'); returns once it says it is ready."""
    path = base / f"{name}.log"
    with path.open("wb") as log_file:
        proc = subprocess.Popen([sys.executable, "-m", "app.cli", "worker", "--name", name,
                                 "--concurrency", str(concurrency), *keys], stdout=log_file,
                                stderr=subprocess.STDOUT, env=env, cwd=ROOT,
                                start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if f"{name} ready." in path.read_text(errors="replace"):
            return proc
        time.sleep(0.2)
    raise RuntimeError(f"worker {name} did not start: {path.read_text(errors='replace')}")


def _cpu_seconds(pids: list[int]) -> float:
    """CPU seconds of these processes and their children (those still there)."""
    import psutil  # type: ignore[import-untyped]

    total = 0.0
    for pid in pids:
        try:
            proc = psutil.Process(pid)
            for p in [proc, *proc.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    times = p.cpu_times()
                    total += times.user + times.system
        except psutil.Error:
            continue
    return total


def verdict(rows: list[tuple[Any, ...]], n: int) -> dict[str, Any]:
    """The ledger's word on a burst of `n` one-shot fires: fired, missed, twice (a fire with
    two runs of one attempt, or two that succeeded), retried (interrupted, then retried by
    policy), still active."""
    ended = {(r[0], r[1]) for r in rows if r[3] in ("succeeded", "failed")}
    per_attempt = Counter((r[0], r[1], r[2]) for r in rows)
    succeeded = Counter((r[0], r[1]) for r in rows if r[3] == "succeeded")
    twice = ({(t, f) for (t, f, _a), c in per_attempt.items() if c > 1}
             | {k for k, c in succeeded.items() if c > 1})
    return {
        "tasks": n, "fired": len(ended), "missed": n - len(ended), "twice": len(twice),
        "retried": len({(r[0], r[1]) for r in rows if r[2] > 1}),
        "active": sum(1 for r in rows if r[3] in ("queued", "running", "retrying")),
        "statuses": dict(Counter(str(r[3]) for r in rows)),
    }


def _leader(url: str) -> str | None:
    """The engine id that leads the store now, as the store says (None: nobody)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'leader'").fetchone()
        except psycopg.Error:
            return None
    if not row or not row[0]:
        return None
    try:
        return str(json.loads(row[0]).get("engine") or "") or None
    except (ValueError, AttributeError):
        return None


def _ledger(url: str) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(
            "SELECT task_id, scheduled_for, attempt, status, engine, queued_at, started_at,"
            " lateness_ms FROM run").fetchall()


def run_case(url: str, rate: int, window: float, *, engines: int, lead: float,
             kill_leader: bool, action: dict[str, Any], tail: float = 30.0,
             runs_on: str = "local", broker: str | None = None, workers: int = 0,
             concurrency: int = 8, retries: int = 0,
             fault: Callable[[], None] | None = None, keep: Path | None = None,
             env_extra: dict[str, str] | None = None) -> dict[str, Any]:
    """One burst; `fault` is called once, in the middle of the window (a test's outage);
    `keep` is a folder the engines' and workers' logs are copied to."""
    from app.store.database import Store
    from app.store.models import TaskRow

    n = int(rate * window / 60)
    base = Path(tempfile.mkdtemp(prefix="tw-shared-"))
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env_extra or {})}
    if broker is not None:
        env["TICKWORK_BROKER"] = broker
    # the workers are up before the first fire is chosen: their start is not lateness
    keys = _worker_keys(base, engines) if workers else []
    working = [_worker(base, f"w{i}@bench", env, concurrency, keys) for i in range(workers)]
    store = Store.open(base / "writer", url=url)
    t_write = time.perf_counter()
    start = datetime.now(UTC) + timedelta(seconds=lead + n / 4000)
    _tasks.one_shots(n, start, window, action)
    if runs_on != "local" or retries:
        TaskRow.update(runs_on=runs_on, retries=retries, retry_delay=0.0).execute()
    store.close()
    log(f"{n:,} tasks written in {time.perf_counter() - t_write:.1f} s; first fire at "
        f"{start.isoformat(timespec='seconds')}")
    procs = {f"e{i}": _engine(base / f"e{i}", url, env) for i in range(engines)}
    pids = {name: p.pid for name, p in procs.items()}
    everyone = [*pids.values(), *(w.pid for w in working)]
    killed_at: float | None = None
    killed: str | None = None
    faulted = fault is None
    finished_at: float | None = None
    cpu_at_start: float | None = None
    cpu = 0.0
    end = start.timestamp() + window + tail
    try:
        while time.time() < end:
            time.sleep(0.2)
            if cpu_at_start is None and time.time() >= start.timestamp():
                cpu_at_start = _cpu_seconds(everyone)
            if cpu_at_start is not None:
                cpu = max(cpu, _cpu_seconds(everyone) - cpu_at_start)
            if not faulted and time.time() > start.timestamp() + window / 2:
                faulted = True
                assert fault is not None
                fault()
            if kill_leader and killed_at is None and time.time() > start.timestamp() + window / 2:
                lead_id = _leader(url)
                victim = next((name for name, pid in pids.items()
                               if lead_id and f":{pid}:" in lead_id), None)
                if victim is not None:
                    os.kill(pids[victim], signal.SIGKILL)
                    killed_at, killed = time.time(), victim
                    log(f"killed the leader {victim} (pid {pids[victim]})")
            rows = _ledger(url) if time.time() > start.timestamp() + window else None
            if rows is not None and len({(r[0], r[1]) for r in rows
                                         if r[3] in ("succeeded", "failed")}) >= n:
                break
    finally:
        finished_at = time.time()
        cpu = max(cpu, _cpu_seconds(everyone) - (cpu_at_start or 0.0))
        for p in [*procs.values(), *working]:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in [*procs.values(), *working]:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(10)
        if keep is not None:
            for found in base.glob("*.log"):
                shutil.copy(found, keep / found.name)
    rows = _ledger(url)
    by_engine = Counter(str(r[4]).split(":")[1] if r[4] and ":" in str(r[4]) else str(r[4])
                        for r in rows)
    takeover = None
    if killed_at is not None:
        after = [datetime.fromisoformat(r[5]).timestamp() for r in rows
                 if r[5] and f":{pids[killed]}:" not in str(r[4])  # type: ignore[index]
                 and datetime.fromisoformat(r[5]).timestamp() > killed_at]
        takeover = round(min(after) - killed_at, 2) if after else None
    shutil.rmtree(base, ignore_errors=True)
    return {
        **verdict(rows, n), "runs_on": runs_on, "workers": workers,
        "lateness_ms": percentiles([r[7] / 1000.0 for r in rows if r[7] is not None]),
        "engines_claiming": len(by_engine), "claims_by_engine_pid": dict(by_engine),
        "killed_leader": killed, "takeover_s": takeover,
        "cpu_s": round(cpu, 1),
        "cpu_cores": round(cpu / max(1.0, (finished_at or time.time()) - start.timestamp()), 2),
    }


def main() -> None:
    parser = common_parser(__doc__.splitlines()[0], default_rates=[100_000],
                           default_window=30.0)
    parser.add_argument("--engines", type=int, default=2)
    parser.add_argument("--lead", type=float, default=15.0,
                        help="seconds from the engines' start to the first fire")
    parser.add_argument("--kill-leader", action="store_true")
    parser.add_argument("--command", action="store_true", help="/bin/true instead of Python")
    parser.add_argument("--runs-on", default="local",
                        help="local (default) or celery[:QUEUE]: runs on `tickwork worker`s")
    parser.add_argument("--workers", type=int, default=2,
                        help="`tickwork worker` processes (with --runs-on celery)")
    parser.add_argument("--concurrency", type=int, default=8,
                        help="threads of each `tickwork worker`")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests.support.postgres import PgServer, _ensure_user, server_bin

    bindir = server_bin()
    if bindir is None:
        raise SystemExit("PostgreSQL server binaries not found: apt-get install postgresql")
    if os.getuid() == 0:
        _ensure_user()
    server = PgServer(bindir)
    server.start()
    celery = args.runs_on != "local"
    redis_server = _redis() if celery else None
    cases = {}
    try:
        for rate in args.rates:
            url = server.new_database()
            if redis_server is not None:
                redis_server.flush()
            cases[str(rate)] = run_case(
                url, rate, effective_window(args), engines=args.engines, lead=args.lead,
                kill_leader=args.kill_leader,
                action=_tasks.TRUE_CMD if args.command else _tasks.PY_NOOP,
                runs_on=args.runs_on, broker=redis_server.url if redis_server else None,
                workers=args.workers if celery else 0, concurrency=args.concurrency)
            log(f"{rate}/min: {cases[str(rate)]}")
    finally:
        server.stop()
        if redis_server is not None:
            redis_server.close()
    emit({"benchmark": "shared_store", "engines": args.engines, "runs_on": args.runs_on,
          "workers": args.workers if celery else 0,
          "kill_leader": args.kill_leader, "window_s": effective_window(args),
          "environment": environment_info(), "cases": cases}, args.out)


def _redis() -> Any:
    """The tests' Redis server (tests/support/redis.py), started for the benchmark."""
    from tests.support.redis import RedisServer

    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server not found: apt-get install redis-server")
    return RedisServer(binary)


if __name__ == "__main__":
    main()
