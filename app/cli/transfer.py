"""`tickwork export` and `import`: every task to and from a JSON file, and tasks from a crontab
(`import --crontab FILE|-`) or from systemd user timers (`import --systemd [DIR]`).

A crontab or a timer folder is read into an `ImportPlan` (app/core), whose tasks go through the
same bulk import, checks and audit as an export file's, all or nothing. `--dry-run` prints the
plan's preview table and what was not mapped, and creates nothing; a task whose program, module
or folder is not on this machine is named under the table ("would be refused: …", exit 2, as
the import would be refused), not in place of it. With `--skip-existing` the
table (and `--json`'s tasks) holds only what is (or would be) created; the tasks already
here are named on the line below it.

What was imported (or would be) goes to stdout, alone; the notes beside it (renamed,
already here, not mapped, would be refused, nothing imported) go to stderr: mixed into
stdout, a script reading the result read them as part of it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.cli.arguments import file_arg
from app.cli.output import print_json, shown, table
from app.cli.store import service
from app.core.errors import ValidationError
from app.core.nouns import some_of

if TYPE_CHECKING:
    pass

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


def add_transfer_commands(sub: Any) -> None:
    """Add `export` and `import` to the top-level subparsers (`parser.Commands`)."""
    sub.add_command("export", lambda p: p.add_argument(
        "file", type=file_arg("file"),
        help="the file to write (- for standard output; a link is written through)"),
        help="write every task to a JSON file")
    sub.add_command("import", _import_options, help="create tasks from an export file, a "
                    "crontab or systemd user timers (all or nothing)")


def _import_options(imp: argparse.ArgumentParser) -> None:
    imp.add_argument("file", nargs="?", type=file_arg("file"),
                     help="an export file written by `tickwork export`")
    imp.add_argument("--crontab", metavar="FILE", type=file_arg("crontab"),
                     help="a user crontab (- for standard input, e.g. crontab -l | tickwork "
                     "import --crontab -)")
    imp.add_argument("--systemd", metavar="DIR", nargs="?", const="",
                     help="systemd user timers and their services (default ~/.config/systemd/user)")
    imp.add_argument("--dry-run", action="store_true",
                     help="with --crontab or --systemd: show what would be created, create "
                          "nothing")
    imp.add_argument("--json", action="store_true",
                     help="print JSON instead of text: what was (or, with --dry-run, would "
                     "be) created, each task whole, and what is not mapped")
    imp.add_argument("--no-verify", dest="verify", action="store_false",
                     help="import even if programs, modules or folders are not there (yet)")
    imp.add_argument("--trust-owner", action="store_true",
                     help="import a file of another user all the same (an export, a "
                          "crontab, a folder's units: their commands run as you)")
    imp.add_argument("--skip-existing", action="store_true",
                     help="leave out the tasks whose names this home has (they stay as they "
                          "are here) and import the others, e.g. a deleted task back from an "
                          "export")


def named(file: str) -> Path:
    """The path a FILE argument names: `-` alone is the standard stream; `./-` is a file
    called `-` (a Path drops the `./`, and the `-` left read as the stream)."""
    path = Path(file)
    return path if file == "-" or str(path) != "-" else Path.cwd() / "-"


def cmd_export(args: argparse.Namespace) -> int:
    from app.transfer import is_stdout

    path = named(args.file)
    count, unread = service(args).export_tasks(path)
    print(f"exported {_tasks(count)} to "
          f"{'standard output' if args.file == '-' else shown(args.file)}",
          file=sys.stderr if is_stdout(path) else sys.stdout)
    if unread:  # written, but not whole: a script that exports nightly must hear it (as tar)
        print(f"tickwork: error: the export lacks {_tasks(unread)} this version cannot read "
              "(named above)", file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    sources = [s for s in (args.file, args.crontab, args.systemd) if s is not None]
    if len(sources) != 1:
        raise ValidationError("import", "give one of FILE, --crontab FILE or --systemd [DIR]")
    if args.file is not None:
        if args.dry_run:
            raise ValidationError("dry-run", "goes with --crontab or --systemd")
        report = service(args).import_tasks(named(args.file), verify=args.verify,
                                            skip_existing=args.skip_existing,
                                            trust_owner=args.trust_owner)
        if args.json:
            print_json({"created": report.created, "not_mapped": [], "notes": report.notes,
                        "already_here": report.kept})
        else:
            names = some_of([shown(name) for name in report.created])
            print(f"imported {_tasks(len(report.created))}" + (f": {names}" if names else ""))
            _say_kept(report.kept)
            for note in report.notes:
                _note(f"note: {shown(note)}")
        return EXIT_OK
    from app import transfer
    from app.core.import_plan import PREVIEW_HEADERS

    if args.crontab is None:
        plan = transfer.systemd_plan(args.systemd, trust_owner=args.trust_owner)
    elif args.crontab == "-":
        plan = transfer.crontab_plan_of(transfer.stdin_text("crontab"),
                                        "crontab (standard input)")
    else:
        plan = transfer.crontab_plan(Path(args.crontab), trust_owner=args.trust_owner)
    now = datetime.now(UTC)
    specs = plan.specs(now)
    # a preview shows the tasks and names each one this machine lacks a program, module or
    # folder for (the import would be refused); the import itself stops at the first
    tasks_here = service(args)
    engine = tasks_here.engine_path() if args.verify else None
    refused = (list(transfer.unverified(specs, plan.label, engine))
               if args.verify and args.dry_run else [])
    if args.verify and not args.dry_run:
        transfer.verify_all(specs, plan.label, engine)
    report = tasks_here.import_specs(specs, plan.source, now, plan.label,
                                     dry_run=args.dry_run, skip_existing=args.skip_existing,
                                     trusted=plan.trusted)
    kept = set(report.kept)  # (--skip-existing: left as they are, so neither shown nor made)
    made = [spec.name not in kept for spec in specs]
    if args.json:
        print_json({"source": plan.source, "dry_run": args.dry_run,
                    "tasks": [{"origin": t.origin, **spec.to_json(), "notes": list(t.notes)}
                              for t, spec, m in zip(plan.tasks, specs, made, strict=True) if m],
                    "not_mapped": plan.notes, "already_here": report.kept,
                    **({"refused": [str(e) for e in refused]} if args.dry_run else {})})
        return _say_refused(refused)
    if args.dry_run:
        rows: list[Sequence[str]] = [row for row, m in zip(plan.preview_rows(), made,
                                                            strict=True) if m]
        print(f"would create {_tasks(len(rows))} from {shown(plan.source)}:")
        if rows:
            table(PREVIEW_HEADERS, rows)
    else:
        names = some_of([shown(name) for name in report.created])  # (as a file's import)
        print(f"imported {_tasks(len(report.created))} from {shown(plan.source)}"
              + (f": {names}" if names else ""))
    _say_kept(report.kept)
    for note in plan.notes:
        _note(f"not mapped: {shown(note)}")
    for problem in refused:
        _note(f"would be refused: {shown(str(problem))}")
    if args.dry_run:
        _note("nothing was imported (--dry-run)")
    return _say_refused(refused)


def _say_refused(refused: list[ValidationError]) -> int:
    """A preview whose import would be refused (a program, module or folder not here): one
    line on stderr and exit 2, as the import would, after the preview that names them all."""
    if not refused:
        return EXIT_OK
    said = (f"the import would be refused: {refused[0]}; --no-verify stores it anyway"
            if len(refused) == 1 else f"the import would be refused for {_tasks(len(refused))} "
            "(named above); --no-verify stores them anyway")
    print(f"tickwork: error: {shown(said)}", file=sys.stderr)
    return EXIT_USAGE


def _say_kept(kept: list[str]) -> None:
    if kept:
        _note(f"already here, left as they are: {some_of([shown(name) for name in kept])}")


def _note(line: str) -> None:
    """A note beside the result (what was renamed, skipped, not mapped, would be refused):
    on stderr, so stdout holds the result alone for a script to read, as `--json` does."""
    print(line, file=sys.stderr)


def _tasks(count: int) -> str:
    return f"{count} task" if count == 1 else f"{count} tasks"
