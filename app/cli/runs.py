"""`tickwork run …`: the run history, one run with its output, cancelling."""

from __future__ import annotations

import argparse
import sys

from app.cli.arguments import BIGGEST
from app.cli.output import print_json, run_rows, show_run, table
from app.cli.parser import EXIT_OK
from app.cli.run_log import write_log
from app.cli.store import service, stop_left_behind
from app.core.nouns import plural
from app.core.run import peaks, peaks_text


def cmd_run(args: argparse.Namespace) -> int:
    svc = service(args)
    if args.run_cmd == "list":
        # one more than asked: whether --limit left older runs out (50 rows read as all)
        found = svc.list_runs(task=args.task, status=args.status,
                              limit=min(args.limit + 1, BIGGEST))
        items = [r.to_json() for r in found[:args.limit]]
        if args.json:
            print_json(items)
        else:
            table(["ID", "TASK", "STATUS", "TRY", "SCHEDULED", "STARTED", "LATE MS", "EXIT",
                    "NOTE"], run_rows(items))
            if len(found) > args.limit:
                print(f"note: the newest {plural(args.limit, 'run')} only; older ones are "
                      "left out (--limit N shows more)", file=sys.stderr)
    elif args.run_cmd == "show":
        run = svc.get_run(args.run).to_json()
        chunks = svc.run_output(args.run) if args.log else []
        samples = svc.run_samples(args.run)  # (the window's Runs view shows them too)
        if args.json:
            cpu, memory = peaks(samples) if samples else (0.0, 0.0)
            run["resources"] = {"samples": len(samples), "peak_cpu_percent": round(cpu, 1),
                                "peak_memory_mib": round(memory, 1)} if samples else None
            if args.log:
                run["log"] = [{"seq": s, "stream": st, "text": tx} for s, st, tx in chunks]
            print_json(run)
        else:
            show_run(run, f"{peaks_text(samples)} ({plural(len(samples), 'sample')}, one a "
                          "second while it ran)" if samples else "-")
            if args.log:
                print("-" * 12 + " output")
                write_log(chunks)
    elif args.run_cmd == "cancel":
        stop_left_behind(svc, [args.run])
        run = svc.cancel_run(args.run)
        if run.status == "cancelled":  # no engine held it: ended here
            print(f"run {run.id}: cancelled")
        else:  # what its engine is asked to stop still shows as it was
            print(f"run {run.id}: cancel requested — it was {run.status}; its engine stops it "
                  f"(`tickwork run show {run.id}` says how it ended)")
    return EXIT_OK
