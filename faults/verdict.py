"""The verdict of a run of the fault suite: what the ledger, the workload's own records, the
process table and the store say after the fault, as counts (every one should be 0)."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from faults.harness import Home, marked_processes, wait_until
from faults.workload import Workload, expected_fires


def fires_without_a_run(ledger: dict[tuple[str, str, int], str], work: Workload,
                        created: dict[str, datetime]) -> list[tuple[str, str]]:
    """(task, fire time) of every fire of the workload, from its task's creation on, that
    has no run in the ledger."""
    fires = {(name, fire) for name, fire, _attempt in ledger}
    return [(t["name"], f) for t in work.tasks
            for f in sorted(expected_fires(t, work.end, created.get(t["name"])))
            if (t["name"], f) not in fires]


def settle(home: Home, work: Workload, timeout: float, limit: float = 1800.0) -> int:
    """Wait until the workload's end has passed, every fire up to it has a run and no run is
    active: while the engine works through what is left (its count of active runs falls),
    up to `limit` seconds past the end; once it has not fallen for `timeout` seconds, what
    never came is the verdict's to say. (A killed engine's backlog is run at the next start,
    not thrown away, so the last engine may have much to do.) Polls the ledger read-only;
    it never moves on before the engine is done. The runs still active when it gave up (0
    when it settled): the verdict fails on them, whatever the engine's stop makes of them
    (a run cut off by it ends `interrupted`, which is not counted as stuck)."""
    wait_until(lambda: datetime.now(UTC) > work.end, timeout + max(
        (work.end - datetime.now(UTC)).total_seconds(), 0.0), 0.05)
    created = home.created()
    end = time.monotonic() + limit
    fewest, since = home.active_runs(), time.monotonic()
    while True:
        active = home.active_runs()
        if active == 0 and not fires_without_a_run(home.ledger(), work, created):
            return 0
        if active < fewest:
            fewest, since = active, time.monotonic()
        if time.monotonic() >= end or time.monotonic() - since >= timeout:
            return active
        time.sleep(0.2)


def check(home: Home, work: Workload, committed: dict[tuple[str, str, int], str],
          unsettled: int = 0) -> dict[str, Any]:
    """The counts; `unsettled`: runs still active when `settle` gave up."""
    ledger = home.ledger()
    lost = [k for k in committed if k not in ledger]
    finished = ("succeeded", "failed", "timed_out", "cancelled", "skipped")
    rewritten = [k for k, s in committed.items() if s in finished and ledger.get(k) != s]
    missing = fires_without_a_run(ledger, work, home.created())
    lines = work.executions.read_text().split("\n") if work.executions.exists() else []
    runs = Counter(tuple(line.split()[:3]) for line in lines if line)
    twice = [key for key, n in runs.items() if n > 1]
    overlaps = work.overlaps.read_text().split() if work.overlaps.exists() else []
    stuck = [k for k, s in ledger.items() if s in ("queued", "waiting", "running", "retrying")]
    retries = {t["name"]: t.get("retries", 0) for t in work.tasks}
    unretried = [k for k, s in ledger.items() if s == "interrupted" and k[2] <= retries[k[0]]
                 and (k[0], k[1], k[2] + 1) not in ledger]
    orphans = [p.pid for p in marked_processes(work.mark)]
    integrity = home.integrity()
    audit = home.audit_verify()
    statuses = Counter(ledger.values())
    verdict = {
        "runs": len(ledger), "statuses": dict(sorted(statuses.items())),
        "committed_then_lost": len(lost) + len(rewritten),
        "executed_twice": len(twice), "two_copies_at_once": len(overlaps),
        "fires_without_a_run": len(missing), "stuck_active": max(len(stuck), unsettled),
        "interrupted_not_retried": len(unretried),
        "orphaned_processes": len(orphans), "integrity_ok": not integrity,
        "audit_ok": bool(audit.get("ok")),
        "examples": {"lost": [list(k) for k in (lost + rewritten)[:5]],
                     "twice": [list(k) for k in twice[:5]], "overlaps": overlaps[:5],
                     "missing": [list(m) for m in missing[:5]],
                     "stuck": [list(k) for k in stuck[:5]],
                     "unretried": [list(k) for k in unretried[:5]], "integrity": integrity[:5],
                     "audit": audit.get("problem")},
    }
    verdict["ok"] = (not lost and not rewritten and not twice and not overlaps and not missing
                     and not stuck and not unsettled and not unretried and not orphans
                     and not integrity and verdict["audit_ok"])
    return verdict
