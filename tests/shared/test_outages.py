"""Same guarantees, measured, on the shared setup (issue 14): a burst of one-shot fires on a
PostgreSQL store, run on a real `tickwork worker` through a real Redis, while Redis or
PostgreSQL is stopped for 6 s (longer than the limits an outage crosses: a lease's session,
3 s; a worker's heartbeats, ~3 s), or while the leading engine of two is killed. The ledger
is the verdict (as in faults/verdict.py): every fire ran (`missed`), none ran twice (two
runs of one attempt, or two that succeeded), nothing is left active; and the engines' and
workers' logs say the outage in a few lines, not a traceback a second."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from benchmarks.shared_store import run_case

RATE = 180  # fires a minute ...
WINDOW = 12.0  # ... over this many seconds: 36 fires, the fault in the middle
LEAD = 4.0  # seconds from the tasks' writing to the first fire (the engines start meanwhile)
OUTAGE = 6.0
ENV = {"TICKWORK_CELERY_BEAT": "0.5"}
# each run takes a while, so some are in flight on the worker when the fault comes
SLOW = {"kind": "command", "argv": ["/bin/sleep", "1.5"], "shell": False, "cwd": None}


def burst(url: str, broker: str, logs: Path, *, engines: int = 1, kill_leader: bool = False,
          fault: Any = None) -> dict[str, Any]:
    logs.mkdir(exist_ok=True)
    result = run_case(url, RATE, WINDOW, engines=engines, lead=LEAD, kill_leader=kill_leader,
                      action=SLOW, tail=90.0, runs_on="celery", broker=broker,
                      workers=1, concurrency=8, retries=2, fault=fault, keep=logs,
                      env_extra=ENV)
    print(result)
    return result


def assert_verdict(result: dict[str, Any]) -> None:
    assert (result["missed"], result["twice"], result["active"]) == (0, 0, 0), result


STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")  # a log record's first line
PER_RUN = ("] received", "] succeeded in", " tickwork.runs: run ")  # a line per run or job


def log_lines(logs: Path) -> dict[str, tuple[int, int]]:
    """Each log's (records that are not about one run, records with a traceback)."""
    out = {}
    for path in sorted(logs.glob("*.log")):
        lines = path.read_text(errors="replace").splitlines()
        records = [i for i, line in enumerate(lines) if STAMP.match(line)
                   and not any(p in line for p in PER_RUN)]
        out[path.name] = (len(records), sum(
            1 for i in records if i + 1 < len(lines) and lines[i + 1].startswith("Traceback")))
    return out


def assert_quiet(logs: Path, records: int = 40, tracebacks: int = 3) -> None:
    """An outage is said in a few log records: no record a second, no traceback loop."""
    counted = log_lines(logs)
    print(counted)
    for name, (n, tb) in counted.items():
        assert n <= records and tb <= tracebacks, (name, n, tb,
                                                   (logs / name).read_text()[-3000:])


def test_redis_stopped_for_6s_mid_burst(pg_server: Any, redis_server: Any,
                                        tmp_path: Path) -> None:
    def outage() -> None:
        redis_server.stop()  # its data goes with it (no persistence): queued jobs are lost
        time.sleep(OUTAGE)
        redis_server.start()

    url = pg_server.new_database()
    result = burst(url, redis_server.url, tmp_path / "logs", fault=outage)
    assert_verdict(result)
    assert_quiet(tmp_path / "logs")


def test_postgres_stopped_for_6s_mid_burst(pg_server: Any, redis_server: Any,
                                           tmp_path: Path) -> None:
    def outage() -> None:
        with pg_server.paused():
            time.sleep(OUTAGE)

    url = pg_server.new_database()
    result = burst(url, redis_server.url, tmp_path / "logs", fault=outage)
    assert_verdict(result)
    assert_quiet(tmp_path / "logs")


def test_the_leader_killed_mid_burst_the_standby_takes_over(pg_server: Any, redis_server: Any,
                                                           tmp_path: Path) -> None:
    url = pg_server.new_database()
    result = burst(url, redis_server.url, tmp_path / "logs", engines=2, kill_leader=True)
    assert result["killed_leader"] is not None, result
    assert result["takeover_s"] is not None and result["takeover_s"] <= 5.0, result
    assert_verdict(result)
