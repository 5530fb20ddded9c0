"""`make bench`: the whole performance suite in one run, side by side with stock APScheduler.

Runs each benchmark script as its own process (so one cannot warm or pollute another),
collects their JSON, writes it all to `benchmarks/results/latest.json`, and prints a
summary table (Markdown) with the targets from the issues and the ratios against stock
APScheduler measured in the same run. `--quick` shortens every window for a smoke run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks._common import compile_app, environment_info, log

RESULTS = Path(__file__).resolve().parent / "results"


def run(module: str, *args: str) -> dict[str, Any]:
    log(f"== {module} {' '.join(args)}")
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", f"benchmarks.{module}", *args],
                          stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        return {"error": f"{module} exited {proc.returncode}"}
    text = proc.stdout
    try:
        data: dict[str, Any] = json.loads(text[text.index("{"):])
    except (ValueError, json.JSONDecodeError) as exc:
        return {"error": f"{module} printed no JSON: {exc}"}
    data["seconds"] = round(time.perf_counter() - started, 1)
    return data


def fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.1f}{unit}"
    if isinstance(value, int):
        return f"{value:,}{unit}"
    return f"{value}{unit}"


def ratio(ours: Any, theirs: Any) -> str:
    if not isinstance(ours, int | float) or not isinstance(theirs, int | float) or not ours:
        return "—"
    return f"{theirs / ours:,.1f}×"


def burst_rows(burst: dict[str, Any], spawn: dict[str, Any]) -> list[str]:
    """Rows for `engine_burst`: a burst every second, and the top of the hour."""
    rows = []
    case = burst.get("burst")
    if case:
        lat = case.get("lateness_ms", {})
        rows.append(
            f"| burst: {fmt(case.get('tasks'))} Python tasks due together every second "
            f"({fmt(case.get('minutes'))} min): lateness p50 / p99 / p99.9 / max ms, runs over "
            f"1 s, missed | {fmt(lat.get('p50'))} / {fmt(lat.get('p99'))} / "
            f"{fmt(lat.get('p99_9'))} / {fmt(lat.get('max'))}, {fmt(case.get('over_1s'))} of "
            f"{fmt(case.get('runs'))}, {fmt(case.get('missed'))} | | p99 ≤ 100 ms, max ≤ 1 s |")
    bare = spawn.get("starts_per_s") if isinstance(spawn, dict) else None
    for key, kind, target in (
            ("python", "python", "all started ≤ 2 s after, 0 missed"),
            ("command", "command", "≥ 75 % of the bare posix_spawn rate, 0 missed"),
            ("command_default", "command", "—")):
        case = burst.get(f"top_of_hour_{key}")
        if not case:
            continue
        share = (f" ({100 * case['starts_per_s'] / bare:.0f} % of bare {fmt(bare)}/s)"
                 if bare and case.get("starts_per_s") else "")
        rows.append(
            f"| top of the hour, {fmt(case.get('tasks'))} {kind} tasks due at once, "
            f"{fmt(case.get('workers'))} at once: all started within s / starts per s / "
            f"missed | {fmt(case.get('all_started_within_s'))} / "
            f"{fmt(case.get('starts_per_s'))}{share} / {fmt(case.get('missed'))} | | {target} |")
    return rows


def summary(results: dict[str, Any]) -> str:
    lines = ["| measure | Tickwork | stock APScheduler (SQLAlchemy / memory) | target |",
             "|---|---|---|---|"]
    fire = results.get("engine_fire", {}).get("cases", {})
    base = results.get("baseline_apscheduler", {})

    def baseline(store: str, rate: str) -> dict[str, Any]:
        for case in base.get("results", []):
            if case.get("store") == store and str(case.get("rate_per_min")) == rate:
                found: dict[str, Any] = case
                return found
        return {}

    targets = {"10000": "0 missed", "100000": "0 missed, p99 ≤ 25 ms",
               "300000": "0 missed, p99 ≤ 100 ms"}
    for rate, case in fire.items():
        sql, mem = baseline("sqlalchemy", rate), baseline("memory", rate)
        lines.append(
            f"| {int(rate):,}/min: fired / missed | {fmt(case.get('fired'))} / "
            f"{fmt(case.get('missed'))} | {fmt(sql.get('fired'))} / {fmt(sql.get('missed'))} ; "
            f"{fmt(mem.get('fired'))} / {fmt(mem.get('missed'))} | {targets.get(rate, '')} |")
        ours = case.get("lateness_ms", {})
        theirs = sql.get("lateness_ms", {})
        lines.append(
            f"| {int(rate):,}/min: lateness p50 / p99 / max (ms) | {fmt(ours.get('p50'))} / "
            f"{fmt(ours.get('p99'))} / {fmt(ours.get('max'))} | {fmt(theirs.get('p50'))} / "
            f"{fmt(theirs.get('p99'))} / {fmt(theirs.get('max'))} "
            f"(p99 ratio {ratio(ours.get('p99'), theirs.get('p99'))}) ; mem p99 "
            f"{fmt(mem.get('lateness_ms', {}).get('p99'))} | |")
        lines.append(
            f"| {int(rate):,}/min: CPU s / peak RSS MB | {fmt(case.get('cpu_seconds'))} / "
            f"{fmt(case.get('peak_rss_mb'))} | {fmt(sql.get('cpu_seconds'))} / "
            f"{fmt(sql.get('peak_rss_mb'))} | |")
    for rate, case in results.get("engine_fire_command", {}).get("cases", {}).items():
        lat = case.get("lateness_ms", {})
        lines.append(f"| /bin/true at {int(rate):,}/min: missed, p50/p99/max ms | "
                     f"{fmt(case.get('missed'))}, {fmt(lat.get('p50'))} / {fmt(lat.get('p99'))}"
                     f" / {fmt(lat.get('max'))} | | 0 missed, p99 ≤ 1 s |")
        lines.append(f"| /bin/true at {int(rate):,}/min: CPU s engine / launchers / commands |"
                     f" {fmt(case.get('cpu_seconds'))} / {fmt(case.get('launcher_cpu_seconds'))}"
                     f" / {fmt(case.get('commands_cpu_seconds'))} | | |")
    bare = results.get("spawn_baseline", {}).get("bare_per_s")
    for case in results.get("engine_fire_command_burst", {}).get("cases", {}).values():
        starts = case.get("starts_per_s")
        share = f" ({starts / bare:.0%} of it)" if starts and bare else ""
        lines.append(f"| commands: starts/s in a burst vs bare `posix_spawn` loop | "
                     f"{fmt(starts)} vs {fmt(bare)}{share} | | ≥ 75 % |")
    lines.extend(burst_rows(results.get("engine_burst", {}), results.get("spawn_baseline", {})))
    for n, case in results.get("engine_idle", {}).get("cases", {}).items():
        lines.append(f"| {int(n):,} tasks: start s / idle CPU % / RSS MB | "
                     f"{fmt(case.get('start_s'))} / {fmt(case.get('idle_cpu_percent'))} / "
                     f"{fmt(case.get('rss_mb_end'))} | | start ≤ 2 s, RSS ≤ 300 MB (100k); "
                     "idle ≤ 0.1 % (10k) |")
    jump = results.get("clock_jump", {})
    if jump.get("case"):
        case = jump["case"]
        lines.append(f"| {fmt(case.get('tasks'))} cron tasks: the dispatcher busy at a clock set "
                     f"back {fmt(jump.get('jump_s'))} s / set forward again / a day asleep (s); "
                     f"every catch-up run ended (s) | {fmt(case.get('back_s'))} / "
                     f"{fmt(case.get('forward_s'))} / {fmt(case.get('day_asleep_s'))}; "
                     f"{fmt(case.get('day_asleep_all_ran_s'))} | | — |")
    cli = results.get("cli_list", {}).get("results", {})
    if cli:
        lines.append(f"| `tickwork task list`, 1,000 tasks (median ms) | "
                     f"{fmt(cli.get('task list', {}).get('median_ms'))} | | ≤ 150 ms (issue 12) |")
    asked = results.get("run_now", {}).get("results", {})
    for key, words in (("cli", "from another process (`tickwork task run`, `run cancel`)"),
                       ("window", "from the engine's process (a window)")):
        idle, busy = asked.get(f"{key}_idle", {}), asked.get(f"{key}_busy", {})
        if idle and busy:
            lines.append(
                f"| run by hand / cancel {words}, engine resting / busy: commit to the run's "
                f"start / end, p50 ms | {fmt(idle['start_ms']['p50'])} / "
                f"{fmt(busy['start_ms']['p50'])}; {fmt(idle['cancel_ms']['p50'])} / "
                f"{fmt(busy['cancel_ms']['p50'])} | | — |")
    for n, case in results.get("import_tasks", {}).get("results", {}).items():
        lines.append(f"| `tickwork import`, {int(n):,} linked tasks (s) | "
                     f"{fmt(case.get('seconds'))} | | {'≤ 3 s' if n == '10000' else ''} |")
    audit = results.get("audit_append", {}).get("results", {})
    if audit:
        lines.append(f"| audit event: append CPU µs / commit of one event median µs | "
                     f"{fmt(audit.get('append_in_bulk_cpu_us'))} / "
                     f"{fmt(audit.get('commit_of_one_event_median_us'))} | | |")
    for name, kind in (("gui_stall", "Python"), ("gui_stall_command", "command")):
        for rate, case in results.get(name, {}).items():
            if isinstance(case, dict) and "stall_p99_ms" in case:
                lat = case.get("lateness_ms", {})
                lines.append(
                    f"| window open, {int(rate):,} {kind} fires/min: GUI stall p99 / max ms; "
                    f"fire lateness p99 ms; missed | {fmt(case['stall_p99_ms'])} / "
                    f"{fmt(case['stall_max_ms'])}; {fmt(lat.get('p99'))}; "
                    f"{fmt(case.get('missed'))} | | stall p99 ≤ 50, max ≤ 200; lateness "
                    "p99 ≤ 25 |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short windows (smoke run)")
    parser.add_argument("--skip", default="", help="comma-separated benchmarks to leave out")
    args = parser.parse_args()
    quick = ["--quick"] if args.quick else []
    skip = set(filter(None, args.skip.split(",")))
    compile_app()  # every script's processes start as an installed package's would
    # each engine notes its (throwaway) home in the state folder (app/store/kept_homes.py):
    # the benchmarks' notes go with the run, not into the user's ~/.local/state
    state = tempfile.mkdtemp(prefix="tickwork-bench-state-")
    os.environ["XDG_STATE_HOME"] = state
    plan: list[tuple[str, str, list[str]]] = [
        ("baseline_apscheduler", "baseline_apscheduler", ["--rates", "10000,100000,300000",
                                                          *quick]),
        ("engine_fire", "engine_fire", ["--rates", "10000,100000,300000", *quick]),
        # commands: 64 runs at once (the engine's default is 8 workers), because a command's
        # round trip through a launcher process is latency, not CPU; then the yardstick
        ("engine_fire_command", "engine_fire", ["--command", "--rates", "10000,60000,100000",
                                                "--window", "60", "--workers", "64", *quick]),
        ("spawn_baseline", "spawn_baseline", [*quick]),
        ("engine_fire_command_burst", "engine_fire", ["--command", "--burst", "5000",
                                                      "--workers", "64"]),
        ("engine_burst", "engine_burst", [*quick]),  # a 2-minute burst (the issue's: 20)
        ("engine_idle", "engine_idle", [*quick]),
        ("clock_jump", "clock_jump", [*quick]),
        ("cli_list", "cli_list", []),
        ("run_now", "run_now", []),
        ("import_tasks", "import_tasks", []),
        ("audit_append", "audit_append", []),
        ("gui_stall", "gui_stall", ["--rates", "10000,100000", *quick]),
        # commands 64 at once, as headless (a command's round trip is latency: the
        # window's default 8 cannot turn 1,667 a second around whatever the CPUs do)
        ("gui_stall_command", "gui_stall", ["--command", "--rates", "100000", "--workers",
                                            "64", *quick]),
        # several engines on one PostgreSQL store, the leader killed mid-window: on their own
        # workers, then on two Celery workers (issue 14); skipped where the servers are absent
        ("shared_store", "shared_store", ["--rates", "10000,100000", "--kill-leader",
                                          *quick]),
        ("shared_store_celery", "shared_store", ["--rates", "10000,100000", "--kill-leader",
                                                 "--runs-on", "celery", "--workers", "2",
                                                 *quick]),
        ("leader_fence", "leader_fence", []),
    ]
    if (Path(__file__).parent / "views.py").exists():
        plan.append(("views", "views", []))
    results: dict[str, Any] = {"environment": environment_info(), "quick": args.quick}
    for name, module, extra in plan:
        if name not in skip:
            results[name] = run(module, *extra)
    shutil.rmtree(state, ignore_errors=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    table = summary(results)
    (RESULTS / "latest.md").write_text(table + "\n")
    print(json.dumps(results, indent=2))
    log("summary (also in benchmarks/results/latest.md):\n" + table)


if __name__ == "__main__":
    main()
