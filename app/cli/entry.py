"""The `tickwork` entry point: parse, dispatch to the noun's command, and turn every failure
into one line and an exit code (0 success, 2 bad usage or input, 1 anything else)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from app.cli.audit import cmd_audit
from app.cli.engine import cmd_engine, cmd_simulate
from app.cli.parser import EXIT_FAILURE, EXIT_USAGE, UsageError, build_parser
from app.cli.runs import cmd_run
from app.cli.secrets import cmd_secret
from app.cli.settings import cmd_settings
from app.cli.store import cmd_backup, cmd_check, cmd_restore, store_fault_line
from app.cli.tasks import cmd_task
from app.cli.transfer import cmd_export, cmd_import
from app.cli.worker import cmd_worker
from app.core.errors import (
    EnvironmentCheckError,
    NotFoundError,
    SecretStoreUnavailable,
    StoreError,
    TickworkError,
    ValidationError,
)

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "task": cmd_task, "run": cmd_run, "audit": cmd_audit, "secret": cmd_secret,
    "export": cmd_export, "import": cmd_import, "engine": cmd_engine, "simulate": cmd_simulate,
    "check": cmd_check, "backup": cmd_backup, "restore": cmd_restore, "settings": cmd_settings,
    "worker": cmd_worker,
}


def _fail(code: int, message: str) -> int:
    print(f"tickwork: {message}", file=sys.stderr)
    return code


def _window_store(args: argparse.Namespace) -> tuple[int | None, str | None]:
    """The store the window opens (a PostgreSQL URL, or None for the home's SQLite file), or
    a bad URL refused in one line (exit 2) before Qt starts."""
    from app.cli.store import store_url

    try:
        return None, store_url(args)
    except (ValidationError, StoreError) as exc:
        return _fail(EXIT_USAGE, f"error: {exc}"), None


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except UsageError as exc:
        return _fail(EXIT_USAGE, f"error: {exc}")
    if args.cmd is None:
        refusal, url = _window_store(args)
        if refusal is not None:
            return refusal
        from app.platform.display import require_window

        require_window()  # one line and exit 1 where Qt would abort (missing xcb libraries)
        from app.gui.bootstrap import main as gui_main

        return gui_main([*(["--home", args.home] if args.home else []),
                         *(["--store", url] if url else []),
                         *(["--minimized"] if args.minimized else []),
                         *(["--show-run", str(args.show_run)] if args.show_run else [])])
    try:
        return COMMANDS[args.cmd](args)
    except EnvironmentCheckError as exc:
        return _fail(EXIT_USAGE, f"error: {exc} (--no-verify stores it anyway)")
    except (UsageError, ValidationError, NotFoundError) as exc:
        return _fail(EXIT_USAGE, f"error: {exc}")
    except SecretStoreUnavailable as exc:
        return _fail(EXIT_FAILURE, f"error: {exc}")
    except (StoreError, TickworkError) as exc:
        return _fail(EXIT_FAILURE, f"error: {exc}")
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # not the user's input: say what failed, one line, exit 1
        if os.environ.get("TICKWORK_DEBUG"):
            raise
        line = store_fault_line(args, exc)
        if line is not None:
            return _fail(EXIT_FAILURE, line)
        return _fail(EXIT_FAILURE, f"failed: {type(exc).__name__}: {exc} "
                     "(set TICKWORK_DEBUG=1 for details)")
