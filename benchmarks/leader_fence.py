"""What the leader's fence costs the engine's writer on a shared PostgreSQL store.

The engine's write pattern — a group commit of N claims, then N starts, then N ends (one
statement per row for starts and ends, as app/store/ledger.py sends them) — timed three
ways on one server: with the fence trigger and the writer's epoch set (a leader), with the
trigger but no epoch (the CLI's writes: it returns at once), and with no trigger at all.
Prints one JSON object: microseconds per run (claim + start + end) for each, and the ratio.

Needs Debian's PostgreSQL server binaries (it starts its own throwaway server, as the tests
do): `python -m benchmarks.leader_fence [--runs N] [--rounds R]`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=500, help="runs per batch")
    parser.add_argument("--rounds", type=int, default=20, help="batches per way")
    args = parser.parse_args()

    from tests.support.postgres import PgServer, server_bin

    bindir = server_bin()
    if bindir is None:
        raise SystemExit("PostgreSQL server binaries not found (Debian's `postgresql`)")
    server = PgServer(bindir)
    server.start()
    try:
        result = measure(server.new_database(), args.runs, args.rounds)
    finally:
        server.stop()
    print(json.dumps(result, indent=2))


def measure(url: str, runs: int, rounds: int) -> dict[str, object]:
    from app.service import Service
    from app.store import ledger
    from app.store.connection import write_batch
    from app.store.database import Store
    from app.store.leader import LeaderLease
    from app.store.models import db

    home = Path(tempfile.mkdtemp(prefix="tickwork-bench-"))
    store = Store.open(home, url=url)
    task = Service(store, "cli").create_task(
        {"name": "t", "action": {"kind": "command", "argv": ["true"]}, "timezone": "UTC"})
    lease = LeaderLease(url)
    assert lease.try_acquire("bench:1:1")
    base = datetime(2030, 1, 1, tzinfo=UTC)
    counter = [0]

    def one_round(epoch: int | None) -> float:
        fires = []
        for _ in range(runs):
            counter[0] += 1
            fires.append(base + timedelta(seconds=counter[0]))
        now = datetime.now(UTC).isoformat()
        started = time.perf_counter()
        with write_batch(epoch):
            ids = ledger.claim_many([(task.id, f.isoformat(), 1, "queued", "schedule", now,
                                      None, None, "bench:1:1", None) for f in fires])
        with write_batch(epoch):
            ledger.start_many([(i, now, 1.0, None, None) for i in ids if i is not None])
        with write_batch(epoch):
            ledger.finish_many([(i, "succeeded", now, 0, None) for i in ids if i is not None])
        return time.perf_counter() - started

    ways: dict[str, list[float]] = {"leader (trigger, epoch set)": [],
                                    "cli (trigger, no epoch)": [], "no trigger": []}
    for _ in range(2):  # warm up
        one_round(lease.epoch)
    for _ in range(rounds):  # interleaved, so load on the machine falls on all three
        ways["leader (trigger, epoch set)"].append(one_round(lease.epoch))
        ways["cli (trigger, no epoch)"].append(one_round(None))
        for table in ("run", "run_output", "task"):
            db.execute_sql(f"ALTER TABLE {table} DISABLE TRIGGER tickwork_fence")
        ways["no trigger"].append(one_round(None))
        for table in ("run", "run_output", "task"):
            db.execute_sql(f"ALTER TABLE {table} ENABLE TRIGGER tickwork_fence")
    lease.release()
    store.close()
    per_run = {k: round(statistics.median(v) / runs * 1e6, 1) for k, v in ways.items()}
    bare = per_run["no trigger"]
    return {"runs_per_batch": runs, "rounds": rounds, "us_per_run_median": per_run,
            "leader_over_no_trigger": round(per_run["leader (trigger, epoch set)"] / bare, 3),
            "note": "claim + start + end of one run; starts and ends are one statement "
                    "per row (pipelined), so the statement trigger runs twice per run"}


if __name__ == "__main__":
    main()
