"""`tickwork task …`: create, change, list, show, delete, run, reschedule, pause, resume."""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sys
import time
from typing import Any

from app.cli.output import local_times, note_here, print_json, show_task, shown, table
from app.cli.parser import EXIT_FAILURE, EXIT_OK, UsageError
from app.cli.store import NO_ENGINE, engine_running, open_store, service, stop_left_behind
from app.core.errors import InUseError, NotFoundError, ValidationError
from app.core.next_due import next_due
from app.core.schedule import describe
from app.store import task_rows


def _group_before(svc: Any, changes: dict[str, Any]) -> tuple[str, int, list[str]] | None:
    """The group a change gives a limit to, as it is before: (name, limit, its tasks)."""
    name, limit = changes.get("group"), changes.get("group_limit")
    if not name or limit is None:
        return None
    from app.store.tasks import groups_in_use

    with svc.store.read():
        found = groups_in_use([name]).get(name)
    return None if found is None or found[0] == limit else (name, found[0], found[1])


def _note_group_limit(before: tuple[str, int, list[str]] | None, task: Any) -> None:
    """Say so when a group's new limit is also its other tasks' (stderr: a note)."""
    if before is None:
        return
    name, old, members = before
    others = [m for m in members if m != task.name]
    if others:
        others_named = ", ".join(repr(m) for m in others[:5]) + ("…" if len(others) > 5 else "")
        print(f"note: group {name!r} now lets {task.spec.group_limit} run at once (was "
              f"{old}) for all its tasks, also {others_named}", file=sys.stderr)


def cmd_task(args: argparse.Namespace) -> int:
    if args.task_cmd == "list" and not args.json:
        return _list(args)
    from app.cli.task_options import task_changes  # what a change needs, a list does not

    svc = service(args)
    sub = args.task_cmd
    if sub == "add":
        data = task_changes(args, None)
        data["name"] = args.name
        where_typed(data)
        # its secrets' values read before the store is held (a keyring that waits on its
        # unlock prompt then holds up this command, not the engine's writes)
        values = svc.secret_values((data.get("secret_env") or {}).values())
        with svc.store.write():  # the group's limit as this change finds it, not as it was
            shared = _group_before(svc, data)  # before another command's change committed
            task = svc.create_task(data, verify=args.verify, values=values)
        _note_shell_syntax(task)
        _note_group_limit(shared, task)
        if args.json:
            print_json(task.to_json())
        else:
            print(f"created task {task.id} {task.name!r}: {task.to_json()['schedule_text']}")
    elif sub == "update":
        # the task read, changed and written in one transaction: two updates at once (a tag
        # added in each of two shells) each keep the other's, where one was lost; its
        # secrets' values read before (as `add`)
        values = svc.secrets_of_update(args.task, {}, [pair.partition("=")[2] for pair in
                                                       args.secret_env or ()])
        with svc.store.write():
            before = svc.get_task(args.task)
            current = before.to_json()
            changes = task_changes(args, current)
            if not changes:
                raise UsageError("update: give at least one option to change")
            where_typed(changes)
            shared = _group_before(svc, changes)
            task = svc.update_task(args.task, changes, verify=args.verify, values=values)
        if "action" in changes:
            _note_shell_syntax(task)
        _note_group_limit(shared, task)
        if args.json:
            print_json(task.to_json())
        elif task.to_json() == current:  # as `task pause` of a paused task: not audited
            print(f"task {task.id} {task.name!r} already had that: nothing changed")
        elif {"schedule", "timezone", "start_at"} & set(changes):  # when it fires: said, as
            # `add` and `reschedule` say it (a new zone keeps its wall times: said in it)
            print(f"updated task {task.id} {task.name!r}: {task.to_json()['schedule_text']}")
        else:
            print(f"updated task {task.id} {task.name!r}")
    elif sub == "list":  # --json: whole tasks (the table is `_list`'s)
        print_json([t.to_json() for t in svc.list_tasks(search=args.search, sort=args.sort,
                                                         descending=args.sort == "priority")])
    elif sub == "show":
        task = svc.get_task(args.task)  # (its secrets the keyring lacks: its runs fail)
        data = {**task.to_json(), "missing_secrets": svc.missing_secrets(task)}
        if args.json:
            print_json(data)
        else:
            from app.settings import keep_default

            show_task(data, keep_default(svc.store), svc.first_retries([task.id]).get(task.id))
    elif sub == "delete":
        task_id, name = svc.task_id_name(args.task)  # (one this version cannot read too)
        try:
            if args.force:
                stop_left_behind(svc, task_id=task_id)
            svc.delete_task(task_id, force=args.force)
        except InUseError as exc:
            raise UsageError(f"{exc} (use --force)") from None
        print(f"deleted task {task_id} {name!r}")
    elif sub == "run":
        return _run_now(svc, args)
    elif sub == "cancel":
        from app.cli.runs import cancel_task_runs

        return cancel_task_runs(svc, args.task)
    elif sub == "reschedule":
        with svc.store.write():  # (read and written in one, as `update`)
            before = svc.get_task(args.task)
            current = before.to_json()
            changes = task_changes(args, current)
            if "schedule" not in changes:
                raise UsageError("reschedule: give one of --at, --every, --cron, --calendar, "
                                 "--after, --manual")
            task = svc.update_task(args.task, {k: v for k, v in changes.items()
                                               if k in ("schedule", "timezone", "start_at",
                                                        "end_at")})
        if task.to_json() == current:
            print(f"task {task.id} {task.name!r} already had that schedule: nothing changed "
                  f"({task.to_json()['schedule_text']})")
        else:
            print(f"rescheduled task {task.id} {task.name!r}: {task.to_json()['schedule_text']}")
    elif sub in ("pause", "resume"):
        before = svc.get_task(args.task)
        task = svc.set_enabled(args.task, sub == "resume")
        done = "resumed" if sub == "resume" else "paused"
        if before.spec.enabled == task.spec.enabled:  # nothing changed, nothing audited
            state = "is not paused" if sub == "resume" else "is already paused"
            print(f"task {task.id} {task.name!r} {state}: nothing changed")
        else:
            print(f"{done} task {task.id} {task.name!r}")
    return EXIT_OK


def _list(args: argparse.Namespace) -> int:
    """The table of tasks: the columns shown, read from the store (no service, no whole
    tasks; the words are `Task.schedule_text`'s)."""
    store = open_store(args)
    by_priority = args.sort == "priority"  # highest first, as they start, with the column
    with store.read():
        listed = task_rows.lines(search=args.search, sort=args.sort, descending=by_priority)
    nexts = [next_due(t.next_run_at, t.retry_due) for t in listed]
    table(["ID", "NAME", "ON", *(["PRIORITY"] if by_priority else []), "SCHEDULE", "NEXT RUN",
           "LAST RUN"], [
        [str(t.id), t.name, "yes" if t.enabled else "no",
         *([str(t.priority)] if by_priority else []),
         describe(t.schedule, t.timezone, start=t.anchor), at + (" (retry)" if retry else ""),
         t.last_status or "-"]
        for t, at, retry in zip(listed, local_times([when for when, _ in nexts]),
                                [retry for _, retry in nexts], strict=True)])
    return EXIT_OK


def _say(line: str) -> None:
    print(f"tickwork: {shown(line)}", file=sys.stderr)


GONE_AFTER = 3.0  # seconds without an engine holding the store before a wait gives up


def _run_now(svc: Any, args: argparse.Namespace) -> int:
    """`task run`: queue a run (the engine starts it); `--wait`: follow it to its end, exit 1
    unless it succeeded. With no engine holding the store nothing would start it: without
    --wait the run is queued all the same and starts with the next engine (said on stderr);
    with --wait an engine is given GONE_AFTER seconds to take the store (one started just
    before, as a script does) and otherwise nothing is queued and it exits 1, as it does
    when the engine goes away while it waits, rather than wait for one that may never come."""
    alive = engine_running(svc.store)
    if args.wait and not alive:
        svc.get_task(args.task)  # an unknown task says so first
        alive = _engine_within(svc, GONE_AFTER)
        if not alive:
            _say(f"{NO_ENGINE}: nothing was queued")
            return EXIT_FAILURE
    run = svc.run_now(args.task)
    if not alive:
        _say(f"{NO_ENGINE}: run {run.id} stays queued until one starts")

    def show(run: Any, follows: str = "") -> None:
        if args.json:
            print_json(run.to_json())
        else:
            print(f"run {run.id} of {run.task_name!r}: {_ended(run)}{follows}", flush=True)

    if not args.wait:
        show(run)
        return EXIT_OK
    if not args.json:  # (--json: one document, the run as it ended; piped too, the queued
        show(run)       # line is out before the wait)
    start = time.monotonic()
    ended = _wait_for(svc, run, args.wait, start)
    # an attempt that failed with retries left is not the run's end: its retry, claimed in
    # the commit that ended it, is followed within the same --wait (once said "failed" and
    # exited 1 while the retry went on to succeed)
    while ended is not None and ended.status != "succeeded" \
            and (retry := svc.follower_of(ended.id)) is not None:
        if not args.json:
            show(ended, f"; retry (attempt {retry.attempt}) follows as run {retry.id}")
        ended = _wait_for(svc, retry, args.wait, start)
    if ended is None:  # deleted with its task: no run to show, and it did not succeed
        return EXIT_FAILURE
    rescue = None if args.json or ended.status == "succeeded" \
        else svc.follower_of(ended.id, "fallback")
    # a fallback is named (it was not), or that it is paused, as the run's note says (it
    # said only the error); the exit is still the task's own failure
    show(ended, f"; its fallback {rescue.task_name!r} follows as run {rescue.id}" if rescue
         else "" if args.json or ended.status == "succeeded" else _paused_fallback(ended))
    return EXIT_OK if ended.status == "succeeded" else EXIT_FAILURE


def _paused_fallback(run: Any) -> str:
    """"; fallback “X” is paused: not run" when the run's note says so and its line does
    not already ("" otherwise)."""
    from app.core.run import paused_fallback_in

    paused = paused_fallback_in(run.note)
    return "" if paused is None or paused in _ended(run) else f"; {shown(paused)}"


def _ended(run: Any) -> str:
    """Its status, and how a run that ended without success ended ("failed (exit code 3)",
    as the window's Runs view says it): `--wait` said "failed" and not why. A run that ended
    with no error says its note ("skipped (upstream up (run 1 …) failed)": it said "skipped")."""
    from app.core.run import ending
    from app.core.task import FINISHED_STATUSES

    if run.status not in FINISHED_STATUSES or run.status == "succeeded":
        return str(run.status)
    why = note_here(ending(run.exit_code, run.error) or run.note)  # (its moments local)
    return f"{run.status} ({shown(why)})" if why else str(run.status)


def _wait_for(svc: Any, run: Any, seconds: float, start: float) -> Any:
    """The run once it has finished, or as it is when `seconds` have passed since `start`
    or no engine has held the store for GONE_AFTER seconds, or None when its task was
    deleted meanwhile (each said on stderr)."""
    from app.core.task import FINISHED_STATUSES

    seen = checked = time.monotonic()
    run_id = run.id
    while run.status not in FINISHED_STATUSES:
        now = time.monotonic()
        if now - start >= seconds:
            _say(f"run {run_id} is still {run.status} after --wait {seconds:g} s")
            return run
        if now - checked >= 1.0:
            checked = now
            if engine_running(svc.store):
                seen = now
            elif now - seen >= GONE_AFTER:
                _say(f"{NO_ENGINE}: run {run_id} is {run.status}; the next engine to start "
                     "takes it up")
                break
        time.sleep(0.1)
        try:
            run = svc.get_run(run_id)
        except NotFoundError:  # a task's runs go with it ("run not found", exit 2, said so)
            _say(f"task {run.task_name!r} was deleted while waiting for run {run_id}, and "
                 f"the run with it (last seen {run.status})")
            return None
    return run


def _engine_within(svc: Any, seconds: float) -> bool:
    """Does an engine take the store within `seconds` (one that is starting)?"""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.1)
        if engine_running(svc.store):
            return True
    return False


def where_typed(data: dict[str, Any]) -> None:
    """A path typed relative means the folder the command was typed in, as in a terminal:
    a relative `--cwd` is made absolute, and an action that names a file relative to here
    (`--command ./standup.sh`, a `--python` module beside it) without `--cwd` gets this
    folder as its working folder. A run starts in its working folder, else in the home folder,
    which is not where the command was typed (the check passed here, and every run failed
    with "No such file or directory")."""
    action = data.get("action")
    if not action or action.get("cwd") == "":  # `--cwd ""`: no folder, said so
        return
    try:
        here = os.getcwd()
    except FileNotFoundError:  # typed in a folder deleted since
        if action.get("cwd") and os.path.isabs(os.path.expanduser(action["cwd"])):
            return
        raise ValidationError("cwd", "the current folder no longer exists: give --cwd "
                              "as a full path, or run this from a folder that exists") from None
    if action.get("cwd"):
        action["cwd"] = os.path.join(here, os.path.expanduser(action["cwd"]))
        action["cwd"] = os.path.normpath(action["cwd"])
    elif _names_a_file_here(action, here):
        action["cwd"] = here


def _names_a_file_here(action: dict[str, Any], here: str) -> bool:
    if action.get("kind") == "python":
        from importlib.machinery import PathFinder

        top = str(action.get("target") or "").partition(":")[0].split(".")[0]
        try:
            return bool(top) and PathFinder.find_spec(top, [here]) is not None
        except (ImportError, ValueError):
            return False
    argv = [str(word) for word in action.get("argv") or [""]]
    if action.get("shell"):  # a line through the shell: its words as the shell splits them
        try:
            argv = shlex.split(argv[0], comments=True) or [""]
        except ValueError:  # an unclosed quote: the shell says so when it runs
            argv = argv[0].split() or [""]
        while len(argv) > 1 and re.match(r"[A-Za-z_]\w*=", argv[0]):  # `TZ=Europe/Berlin date`
            argv = argv[1:]
    program = argv[0]
    if "/" in program and not os.path.isabs(program) and not program.startswith(("~", "$")):
        return True
    # an argument that is a path relative to here (`python3 scripts/job.py`, `sh ./x.sh`),
    # or a file or folder here by its name alone (`python3 crunch.py`: every run failed)
    return any(word.startswith(("./", "../")) or (
        not word.startswith(("/", "~", "$", "-")) and word not in (".", "..")
        and os.path.exists(os.path.join(here, word))) for word in argv[1:])


def _note_shell_syntax(task: Any) -> None:
    """Say on stderr, as the editor does under the field, that a command stored without the
    shell uses shell syntax its program will get as literal words (`sleep 20; echo done`
    ran `sleep` with the arguments `20;`, `echo` and `done`). A note, not a refusal: `find
    … -exec rm {} ;` means its `;` literally."""
    from app.core.commandline import shell_syntax

    action = task.spec.action
    found = shell_syntax(action.line or "") if action.kind == "command" and not action.shell \
        else None
    if found is not None:
        words = shown(f"{found} … do" if found in ("for", "while", "until") else found)
        print(f"note: {task.name!r} runs without the shell, but its command uses shell syntax "
              f"(`{words}`): the program gets it as literal words; add --shell to run the line "
              "through /bin/sh", file=sys.stderr)
