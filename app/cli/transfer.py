"""`tickwork export` and `import`: every task to and from a JSON file, and tasks from a crontab
(`import --crontab FILE|-`) or from systemd user timers (`import --systemd [DIR]`).

A crontab or a timer folder is read into an `ImportPlan` (app/core), whose tasks go through the
same bulk import, checks and audit as an export file's, all or nothing. `--dry-run` prints the
plan's preview table and what was not mapped, and creates nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.cli.output import table
from app.cli.store import service
from app.core.errors import ValidationError

if TYPE_CHECKING:
    from app.core.import_plan import ImportPlan

EXIT_OK = 0
DEFAULT_FOLDER = "$XDG_CONFIG_HOME/systemd/user"  # ~/.config/systemd/user without it


def add_transfer_commands(sub: Any) -> None:
    """Add `export` and `import` to the top-level subparsers."""
    exp = sub.add_parser("export", help="write every task to a JSON file")
    exp.add_argument("file")
    imp = sub.add_parser("import", help="create tasks from an export file, a crontab or "
                         "systemd user timers (all or nothing)")
    imp.add_argument("file", nargs="?", help="an export file written by `tickwork export`")
    imp.add_argument("--crontab", metavar="FILE", help="a user crontab (- for standard input, "
                     "e.g. crontab -l | tickwork import --crontab -)")
    imp.add_argument("--systemd", metavar="DIR", nargs="?", const=DEFAULT_FOLDER,
                     help="systemd user timers and their services (default ~/.config/systemd/user)")
    imp.add_argument("--dry-run", action="store_true",
                     help="with --crontab or --systemd: show what would be created, create "
                          "nothing")
    imp.add_argument("--no-verify", dest="verify", action="store_false",
                     help="import even if programs, modules or folders are not there (yet)")


def cmd_export(args: argparse.Namespace) -> int:
    count = service(args).export_tasks(Path(args.file))
    print(f"exported {count} tasks to {args.file}")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    sources = [s for s in (args.file, args.crontab, args.systemd) if s is not None]
    if len(sources) != 1:
        raise ValidationError("import", "give one of FILE, --crontab FILE or --systemd [DIR]")
    if args.file is not None:
        if args.dry_run:
            raise ValidationError("dry-run", "goes with --crontab or --systemd")
        report = service(args).import_tasks(Path(args.file), verify=args.verify)
        print(f"imported {len(report.created)} tasks: {', '.join(report.created) or '-'}")
        return EXIT_OK
    from app import transfer
    from app.core.import_plan import PREVIEW_HEADERS

    plan = _crontab_plan(args.crontab) if args.crontab is not None else _systemd_plan(
        args.systemd)
    now = datetime.now(UTC)
    specs = plan.specs(now)
    if args.verify:
        transfer.verify_all(specs, plan.label)
    report = service(args).import_specs(specs, plan.source, now, plan.label,
                                        dry_run=args.dry_run)
    if args.dry_run:
        print(f"would create {len(specs)} tasks from {plan.source}:")
        if specs:
            table(PREVIEW_HEADERS, [list(row) for row in plan.preview_rows()])
    else:
        print(f"imported {len(report.created)} tasks from {plan.source}")
    for note in plan.notes:
        print(f"not mapped: {note}")
    if args.dry_run:
        print("nothing was imported (--dry-run)")
    return EXIT_OK


def _crontab_plan(file: str) -> ImportPlan:
    from app.core.crontab import read_crontab

    if file == "-":
        try:
            text = sys.stdin.read()
        except UnicodeDecodeError as exc:
            raise ValidationError("crontab", f"standard input is not UTF-8 text: "
                                  f"{exc.reason}") from None
        return read_crontab(text, "crontab (standard input)")
    path = Path(file)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValidationError("crontab", f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ValidationError("crontab", f"{path} is not UTF-8 text: {exc.reason}") from None
    return read_crontab(text, f"crontab {path}")


def _systemd_plan(folder: str) -> ImportPlan:
    from app.core.systemd_units import read_timers

    if folder == DEFAULT_FOLDER:
        config = os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
        folder = os.path.join(config, "systemd", "user")
    path = Path(folder).expanduser()
    if not path.is_dir():
        raise ValidationError("systemd", f"no such folder: {path}")
    units: dict[str, str] = {}
    for unit in sorted(path.iterdir()):
        if unit.suffix in (".timer", ".service") and unit.is_file():
            try:
                units[unit.name] = unit.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise ValidationError("systemd", f"cannot read {unit}: {exc}") from None
    return read_timers(units, f"systemd units in {path}")
