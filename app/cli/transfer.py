"""`tickwork export` and `import`: every task to and from a JSON file."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.parser import EXIT_OK
from app.cli.store import service


def cmd_export(args: argparse.Namespace) -> int:
    count = service(args).export_tasks(Path(args.file))
    print(f"exported {count} tasks to {args.file}")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    report = service(args).import_tasks(Path(args.file), verify=args.verify)
    print(f"imported {len(report.created)} tasks: {', '.join(report.created) or '-'}")
    return EXIT_OK
