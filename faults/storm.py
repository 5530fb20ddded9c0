"""`make faults`: kill -9 storms and single faults against real engine processes (and,
in half of an engine's lives, a kill -9 of one of its Python workers).

Each scenario returns the same verdict: runs committed then lost, (task, fire time, attempt)
executed twice, two copies of a command at once, fires that fell due and have no ledger row,
runs stuck active, processes left behind, `integrity_check`, `audit --verify`. The report is
JSON (`faults/results/latest.json`) plus a Markdown table for the README (`latest.md`).
`tests/faults/` runs the same scenarios, small, in `make test`.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]  # no stubs installed

from faults import scenarios
from faults.harness import Home, kill_marked
from faults.verdict import check, settle
from faults.workload import build

RESULTS = Path(__file__).resolve().parent / "results"


def storm(folder: Path, *, tasks: int, kills: int, seed: int,
          life: tuple[float, float] = (0.3, 2.5), log: Callable[[str], None] = print,
          lead: float = 3.0) -> dict[str, Any]:
    """`kills` kill -9 of the engine at random moments over a workload of `tasks` tasks, its
    fires starting `lead` seconds (plus a second per 200 tasks) from now: fires that fall due
    before the first engine is up are caught up (catch-up `all`) and checked all the same."""
    rng = random.Random(seed)
    home = Home(folder / "home")
    # The workload asks for ~18 runs at once on average (its long commands alone hold 7):
    # its engines get room for that, or its queue would grow without kills too.
    home.env["TICKWORK_WORKERS"] = "24"
    mark = f"storm-{seed}-{time.time_ns()}"
    started = time.monotonic()
    est = kills * (sum(life) / 2 + 1.0)  # an engine's life plus its start-up
    t0 = datetime.now(UTC) + timedelta(seconds=lead + tasks / 200)
    work = build(folder / "work", tasks, t0, t0 + timedelta(seconds=est), mark, rng)
    home.import_tasks(work.tasks)
    committed: dict[tuple[str, str, int], str] = {}
    worker_kills = 0
    try:
        for k in range(kills):
            eng = home.engine()
            if rng.random() < 0.8:  # mostly once it runs; sometimes mid-start-up
                eng.wait_for("engine running")
            pause = rng.uniform(*life)
            if rng.random() < 0.5:  # one of its Python workers dies mid-life
                time.sleep(pause / 2)
                worker_kills += kill_a_worker(eng.proc.pid, rng)
                pause /= 2
            time.sleep(pause)
            committed.update(home.ledger())  # what is committed now must survive the kill
            eng.kill9()
            if k % 20 == 0:
                log(f"kill {k + 1}/{kills}: {len(committed)} runs committed")
        final = home.engine(grace=10)
        final.wait_for("engine running")
        unsettled = settle(home, work, 120)
        code = final.stop()
        verdict = check(home, work, committed, unsettled)
        given = home.query("SELECT count(*) FROM run WHERE reason LIKE ?",
                           "%no worker had it%")[0][0]  # a dead engine's backlog, run later
        verdict.update(kills=kills, worker_kills=worker_kills, tasks=tasks, final_exit=code,
                       seconds=round(time.monotonic() - started, 1), given_back=given)
        shown = ", ".join(f"{n:,} {s}" for s, n in verdict["statuses"].items())
        verdict["summary"] = (f"{kills} kill -9 (and {worker_kills} of a Python worker) "
                              f"over {tasks} tasks in "
                              f"{verdict['seconds']:.0f} s: {verdict['runs']:,} runs ({shown}); "
                              f"{given:,} of a killed engine's backlog run at the next start")
        verdict["ok"] = verdict["ok"] and code == 0
        if not verdict["ok"]:  # what a failure on CI needs to be understood from its output
            verdict["evidence"] = evidence(home, verdict)
        return verdict
    finally:
        home.stop_all()
        kill_marked(mark)


def evidence(home: Home, verdict: dict[str, Any]) -> dict[str, Any]:
    """The engines' warnings and the ledger rows of the tasks the verdict names."""
    named = {str(k[0]) if isinstance(k, list) else str(k)
             for examples in verdict["examples"].values() if isinstance(examples, list)
             for k in examples}
    return {"warnings": home.warnings(), "runs": {name: home.runs_of(name)
                                                  for name in sorted(named)[:5]}}


def kill_a_worker(engine_pid: int, rng: random.Random) -> int:
    """kill -9 one of an engine's Python worker processes, if it has one; 1 if it did."""
    try:
        workers = [p for p in psutil.Process(engine_pid).children()
                   if any("pyworkers.worker" in a or a == "--tickwork-worker"
                          for a in p.cmdline())]
        if workers:
            rng.choice(workers).kill()
            return 1
    except psutil.Error:
        pass
    return 0


def table(report: dict[str, Any]) -> str:
    cols = ["committed_then_lost", "executed_twice", "two_copies_at_once",
            "fires_without_a_run", "stuck_active", "orphaned_processes"]
    lines = ["| scenario | what happened | lost | run twice | two copies at once | fires "
             "missed | stuck | orphans | store | audit | verdict |", "|---" * 11 + "|"]
    for name, v in report["scenarios"].items():
        if "error" in v:
            lines.append(f"| {name} | error: {v['error']} |" + " |" * 9)
            continue
        if "skipped" in v:
            lines.append(f"| {name} | skipped: {v['skipped']} |" + " |" * 9)
            continue
        cells = [str(v.get(c, "—")) for c in cols]
        store = "ok" if v.get("integrity_ok") else ("damaged, as made" if name ==
                                                     "damaged pages" else "BAD")
        lines.append(f"| {name} | {v.get('summary', '')} | " + " | ".join(cells)
                     + f" | {store} | {'ok' if v.get('audit_ok') else 'BAD'}"
                     + f" | {'pass' if v.get('ok') else 'FAIL'} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m faults.storm", description=__doc__)
    parser.add_argument("--tasks", type=int, default=500)
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", help="run one scenario (storm or one of scenarios.ALL)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    report: dict[str, Any] = {"when": datetime.now(UTC).isoformat(timespec="seconds"),
                              "tasks": args.tasks, "kills": args.kills, "seed": args.seed,
                              "scenarios": {}}
    plan: dict[str, Callable[[Path], dict[str, Any]]] = {
        "storm": lambda d: storm(d, tasks=args.tasks, kills=args.kills, seed=args.seed,
                                 log=say),
        **scenarios.ALL,
    }
    for name, run in plan.items():
        if args.only and name != args.only:
            continue
        say(f"== {name}")
        with tempfile.TemporaryDirectory(prefix=f"tickwork-faults-{name}-") as tmp:
            try:
                report["scenarios"][name] = run(Path(tmp))
            except Exception as exc:  # one broken scenario must not hide the others
                report["scenarios"][name] = {"ok": False, "error": f"{type(exc).__name__}: "
                                             f"{exc}"[:500]}
        say(json.dumps(report["scenarios"][name]))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    (args.out / "latest.md").write_text(table(report))
    print(table(report))
    return 0 if all(v.get("ok") for v in report["scenarios"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
