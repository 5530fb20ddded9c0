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

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
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
             kill_leader: bool, action: dict[str, Any], tail: float = 30.0) -> dict[str, Any]:
    from app.store.database import Store

    n = int(rate * window / 60)
    base = Path(tempfile.mkdtemp(prefix="tw-shared-"))
    store = Store.open(base / "writer", url=url)
    t_write = time.perf_counter()
    start = datetime.now(UTC) + timedelta(seconds=lead + n / 4000)
    _tasks.one_shots(n, start, window, action)
    store.close()
    log(f"{n:,} tasks written in {time.perf_counter() - t_write:.1f} s; first fire at "
        f"{start.isoformat(timespec='seconds')}")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    procs = {f"e{i}": _engine(base / f"e{i}", url, env) for i in range(engines)}
    pids = {name: p.pid for name, p in procs.items()}
    killed_at: float | None = None
    killed: str | None = None
    end = start.timestamp() + window + tail
    try:
        while time.time() < end:
            time.sleep(0.2)
            if kill_leader and killed_at is None and time.time() > start.timestamp() + window / 2:
                lead_id = _leader(url)
                victim = next((name for name, pid in pids.items()
                               if lead_id and f":{pid}:" in lead_id), None)
                if victim is not None:
                    os.kill(pids[victim], signal.SIGKILL)
                    killed_at, killed = time.time(), victim
                    log(f"killed the leader {victim} (pid {pids[victim]})")
            rows = _ledger(url) if time.time() > start.timestamp() + window else None
            if rows is not None and sum(1 for r in rows if r[3] in ("succeeded", "failed")) >= n:
                break
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs.values():
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
    rows = _ledger(url)
    ended = [r for r in rows if r[3] in ("succeeded", "failed")]
    started = Counter((r[0], r[1]) for r in rows if r[6] is not None)
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
        "tasks": n, "fired": len({(r[0], r[1]) for r in ended}),
        "missed": n - len({(r[0], r[1]) for r in ended}),
        "twice": sum(1 for c in started.values() if c > 1),
        "lateness_ms": percentiles([r[7] / 1000.0 for r in rows if r[7] is not None]),
        "engines_claiming": len(by_engine), "claims_by_engine_pid": dict(by_engine),
        "killed_leader": killed, "takeover_s": takeover,
    }


def main() -> None:
    parser = common_parser(__doc__.splitlines()[0], default_rates=[100_000],
                           default_window=30.0)
    parser.add_argument("--engines", type=int, default=2)
    parser.add_argument("--lead", type=float, default=15.0,
                        help="seconds from the engines' start to the first fire")
    parser.add_argument("--kill-leader", action="store_true")
    parser.add_argument("--command", action="store_true", help="/bin/true instead of Python")
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
    cases = {}
    try:
        for rate in args.rates:
            url = server.new_database()
            cases[str(rate)] = run_case(
                url, rate, effective_window(args), engines=args.engines, lead=args.lead,
                kill_leader=args.kill_leader,
                action=_tasks.TRUE_CMD if args.command else _tasks.PY_NOOP)
            log(f"{rate}/min: {cases[str(rate)]}")
    finally:
        server.stop()
    emit({"benchmark": "shared_store", "engines": args.engines,
          "kill_leader": args.kill_leader, "window_s": effective_window(args),
          "environment": environment_info(), "cases": cases}, args.out)


if __name__ == "__main__":
    main()
