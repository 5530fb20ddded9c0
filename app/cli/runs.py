"""`tickwork run …`: the run history, one run with its output, cancelling; and `tickwork task
cancel`, which cancels a task's runs in progress and says each as `run cancel` says it."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from app.cli.arguments import BIGGEST
from app.cli.output import local, print_json, run_rows, show_run, table
from app.cli.parser import EXIT_OK
from app.cli.run_log import write_log
from app.cli.store import NO_ENGINE, engine_running, service, stop_left_behind
from app.core.errors import ValidationError
from app.core.nouns import plural
from app.core.run import Run, peaks, peaks_text
from app.core.task import FINISHED_STATUSES

if TYPE_CHECKING:
    from app.service import Service

# waiting for an engine, or in progress, and no engine holds them: said (`_unheld`)
UNHELD = ("queued", "waiting", "running", "retrying")


def cmd_run(args: argparse.Namespace) -> int:
    svc = service(args)
    if args.run_cmd == "list":
        # one more than asked: whether --limit left older runs out (50 rows read as all)
        found = svc.list_runs(task=args.task, status=args.status,
                              limit=min(args.limit + 1, BIGGEST))
        items = [r.to_json() for r in found[:args.limit]]
        hint = _unheld(svc, items)
        if args.json:
            for item in items if hint else ():  # (a key added to each: the list stays)
                if item["status"] in UNHELD:
                    item["no_engine"] = hint
            print_json(items)
        else:
            table(["ID", "TASK", "STATUS", "TRY", "SCHEDULED", "STARTED", "LATE MS", "EXIT",
                    "NOTE"], run_rows(items))
            if len(found) > args.limit:
                print(f"note: the newest {plural(args.limit, 'run')} only; older ones are "
                      "left out (--limit N shows more)", file=sys.stderr)
            if hint:
                print(f"tickwork: {hint}", file=sys.stderr)
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
        return cancel_run(svc, args.run)
    return EXIT_OK


def cancel_run(svc: Service, run_id: int) -> int:
    """`tickwork run cancel RUN`: said as `_said_cancelled` says it; a run that has already
    ended is no error, as none in progress is none for `task cancel` (exit 0, said in one
    line with how and when it ended): it was exit 2, as bad input, though the run may have
    ended a moment before. A run that does not exist is bad input (exit 2)."""
    stop_left_behind(svc, [run_id])
    try:
        run = svc.cancel_run(run_id)
    except ValidationError:  # (ended: before this command, or as it read the run)
        run = svc.get_run(run_id)
        if run.status not in FINISHED_STATUSES:
            raise
        at = f" at {local(run.finished_at)}" if run.finished_at is not None else ""
        print(f"run {run.id} already ended: {run.status}{at}; nothing to cancel")
        return EXIT_OK
    _said_cancelled(run)
    return EXIT_OK


def _unheld(svc: Service, items: list[dict[str, Any]]) -> str | None:
    """With runs listed queued, waiting, running or retrying and no engine holding the store
    (a kill -9 left them so; a graceful stop gives back runs it had not started queued;
    `task run` with no engine queues one): that no engine runs them, and what becomes of
    them; None otherwise. `run list` showed them so with no hint that nothing did — queued
    ones too, which `task run` had said only once, when it queued one, and a stop never."""
    statuses = [s for s in UNHELD if any(item["status"] == s for item in items)]
    if not statuses or engine_running(svc.store):
        return None
    n = sum(item["status"] in UNHELD for item in items)
    them = "the run" if n == 1 else f"the {n} runs"
    return f"{NO_ENGINE}: the next engine to start takes up {them} shown {_or(statuses)}"


def _or(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _said_cancelled(run: Run, of: str = "") -> None:
    """What a cancel did to `run` (`of`: its task, named as `task run` names it)."""
    if run.status == "cancelled":  # no engine held it: ended here
        print(f"run {run.id}{of}: cancelled")
    else:  # what its engine is asked to stop still shows as it was
        print(f"run {run.id}{of}: cancel requested — it was {run.status}; its engine stops it "
              f"(`tickwork run show {run.id}` says how it ended)")


def cancel_task_runs(svc: Service, ref: str) -> int:
    """`tickwork task cancel TASK`: each of its runs in progress cancelled, said in a line as
    `run cancel` says it; none in progress is no error (exit 0, said in one line): the last
    may have ended a moment before."""
    task_id, name = svc.task_id_name(ref)  # (not found: the usual one line, exit 2)
    stop_left_behind(svc, task_id=task_id)  # (what a dead engine left running, as `run cancel`)
    stopped = svc.cancel_runs_of([task_id])
    of = f" of {name!r}"
    for run in stopped.cancelled:
        _said_cancelled(run, of)
    for run in stopped.asked_before:
        print(f"run {run.id}{of}: cancel already requested — it is {run.status}; its engine "
              f"stops it (`tickwork run show {run.id}` says how it ended)")
    if not stopped.cancelled and not stopped.asked_before:
        print(f"task {task_id} {name!r} has no run in progress: nothing cancelled")
    return EXIT_OK
