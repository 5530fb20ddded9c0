"""The `tickwork` entry point: parse, dispatch to the noun's command, and turn every failure
into one line and an exit code (0 success, 2 bad usage or input, 1 anything else)."""

from __future__ import annotations

import argparse
import atexit
import gc
import importlib
import os
import re
import sys
import threading
from collections.abc import Callable, Sequence
from typing import NoReturn

from app.cli.parser import EXIT_FAILURE, EXIT_USAGE, UsageError, build_parser
from app.cli.stdout import OutputLost, Stdout
from app.cli.store import invoked, store_fault_line
from app.core.errors import (
    EnvironmentCheckError,
    NotFoundError,
    SecretStoreUnavailable,
    StoreError,
    TickworkError,
    ValidationError,
)
from app.platform import stop_signals

# each noun's command, imported only when asked for: `tickwork task list` need not load the
# audit, run, secret or engine commands (the parser itself loads the modules that define the
# store, settings and transfer nouns' options) — about 25 ms of every new process
COMMANDS: dict[str, str] = {
    "task": "tasks:cmd_task", "run": "runs:cmd_run", "audit": "audit:cmd_audit",
    "secret": "secrets:cmd_secret", "export": "transfer:cmd_export",
    "import": "transfer:cmd_import", "engine": "engine:cmd_engine",
    "simulate": "engine:cmd_simulate", "check": "store_file:cmd_check",
    "backup": "store_file:cmd_backup", "restore": "store_file:cmd_restore",
    "settings": "settings:cmd_settings", "worker": "worker:cmd_worker",
}


# what keeps running (the window when no command is given): Python's collector as it comes
LASTING = (None, "engine", "worker")

# the commands that only read and print (noun, verb): started as a program, they end the
# process themselves (`leave`)
READING = {("task", "list"), ("task", "show"), ("run", "list"), ("run", "show"),
           ("audit", None), ("check", None), ("simulate", None)}


def command(name: str) -> Callable[[argparse.Namespace], int]:
    """The function behind a noun (its module imported now)."""
    module, function = COMMANDS[name].split(":")
    found: Callable[[argparse.Namespace], int] = getattr(
        importlib.import_module(f"app.cli.{module}"), function)
    return found


# a task field's name as the command line spells its option (the rest: `_` → `-`)
OPTIONS = {"start_at": "start", "end_at": "end", "group_limit": "group",
           "on_failure": "notify", "on_success": "notify-success"}
SNAKE = re.compile(r"[a-z]+(?:_[a-z]+)+")  # not TICKWORK_HOME, not tasks[0].depends_on


def as_typed(error: Exception) -> str:
    """A refusal as the command line words it: a task field named by its option
    (`max-instances`, not `max_instances`, as `keep-runs` and `retry-delay` always were);
    a key of an import file (`tasks[0].max_instances`) or a line of a crontab as it is."""
    if not isinstance(error, ValidationError) or not SNAKE.fullmatch(error.field):
        return str(error)
    option = OPTIONS.get(error.field, error.field.replace("_", "-"))
    return f"{option}: {error.reason}"


def _fail(code: int, message: str) -> int:
    """Say why the command failed, in one line: what it quotes shown, not obeyed (`shown`)."""
    from app.cli.output import shown

    print(f"tickwork: {shown(message)}", file=sys.stderr)
    return code


def _window_store(args: argparse.Namespace) -> tuple[int | None, str | None]:
    """The store the window opens (a PostgreSQL URL, or None for the home's SQLite file), or
    a bad URL (or $TICKWORK_WORKERS, $TICKWORK_BROKER, $TICKWORK_LAUNCHERS …, which its
    engine reads: app/engine/environment.py) refused in one line (exit 2) before Qt starts."""
    from app.cli.store import store_url
    from app.engine.environment import check_engine

    try:
        check_engine(os.environ)
        return None, store_url(args)
    except (ValidationError, StoreError) as exc:
        return _fail(EXIT_USAGE, f"error: {exc}"), None


def leave(code: int) -> NoReturn:
    """End the process with `code` as the interpreter ends it — its exit handlers (the
    store's close: the write-ahead log folded back into the file, the audit head to the
    keyring), then stdout and stderr flushed — without first taking apart every module and
    object it loaded, which no one sees (40 M of a `task list`'s 626 M instructions, 6 %).
    Where the two could differ, the interpreter ends it as ever: another thread still runs
    (it would be waited for), or a stream cannot be flushed (stdout was flushed by `main`,
    so only stderr can be: Python's `Exception ignored …` line and exit 120)."""
    if threading.active_count() > 1:
        sys.exit(code)
    atexit._run_exitfuncs()  # each handler once: none is left for the interpreter to run
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None and not stream.closed:
                stream.flush()
        except (OSError, ValueError):
            sys.exit(code)  # its own flush fails again, and says so
    os._exit(code)


def main(argv: Sequence[str] | None = None, *, program: bool = False) -> int:
    """The `tickwork` command; `program`: this call is the whole process (`python -m app.cli`,
    the installed script, main.py), so a command that only reads ends it (`leave`). What a
    command prints goes through `Stdout`, so output that cannot be written ends every
    command alike (app/cli/stdout.py)."""
    out = Stdout.install()
    try:
        code, reading = _main(argv, out)
        out.flush()  # here, not in the interpreter's exit, where a failure is only printed
    except OutputLost as exc:
        code, reading = out.lost(exc), False
    out.uninstall()  # (called again in one process, as tests do, it wraps no wrapper)
    if program and reading:
        leave(code)
    return code


def _main(argv: Sequence[str] | None, out: Stdout) -> tuple[int, bool]:
    """The command's exit code, and whether it only read."""
    try:
        args = build_parser().parse_args(argv)
    except UsageError as exc:
        stop_signals.take(engine=False)
        return _fail(EXIT_USAGE, f"error: {exc}"), False
    except SystemExit as exc:  # --help, --version: printed, and done
        stop_signals.take(engine=False)
        return int(exc.code or 0), False
    # (held since the package's import where the command line named the engine)
    args.stop_signals = stop_signals.take(args.cmd == "engine" and not getattr(
        args, "action", None))  # a stop signal from now on stops the engine gracefully
    refused = _unstorable(args)
    if refused is not None:
        return _fail(EXIT_USAGE, f"error: {refused}"), False
    if args.cmd in LASTING:
        out.uninstall()  # (its output is a log: a window's, an engine's, a worker's)
    if args.cmd not in LASTING:
        # a command ends in a moment, and what it reads lives until then: the cyclic collector
        # ran ~60 times in a task list of 1,000 tasks for nothing (16 M of its 811 M
        # instructions, ~5 % of its time). It still runs, every 100,000 new objects, not 700.
        gc.set_threshold(100_000)
        from app import secrets

        secrets.on_slow = _waiting_on_keyring
    if args.cmd is None:
        refusal, url = _window_store(args)
        if refusal is not None:
            return refusal, False
        from app.platform.display import require_window

        require_window()  # one line and exit 1 where Qt would abort (missing xcb libraries)
        from app.gui.bootstrap import main as gui_main

        return gui_main([*(["--home", args.home] if args.home else []),
                         *(["--store", url] if url else []),
                         *(["--minimized"] if args.minimized else []),
                         *(["--new-home"] if args.new_home else []),
                         *(["--show-run", str(args.show_run)] if args.show_run else [])]
                        ), False
    return _dispatch(args), invoked(args) in READING


def _waiting_on_keyring() -> None:
    """Said once, when the keyring keeps a command waiting (app/secrets.py)."""
    from app import secrets

    secrets.on_slow = None
    print("tickwork: waiting for the keyring to answer (is it locked? unlock it, or answer "
          "its prompt; Ctrl+C gives up)", file=sys.stderr, flush=True)


_PATHS = frozenset({"home", "file", "crontab", "systemd", "exclude",  # read, never stored
                    "export_key", "import_key"})


def _unstorable(args: argparse.Namespace) -> str | None:
    """The first argument, but for a file's path, that is not text (`task show $'\\xff'`,
    `--description $'\\xff'`: bytes that are not UTF-8), named by its option with why; no
    store can keep it or look it up ("failed: UnicodeEncodeError", exit 1)."""
    for dest, value in vars(args).items():
        for text in value if isinstance(value, list) else [value]:
            if dest in _PATHS or not isinstance(text, str) or text.isascii():
                continue
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                from app.core.task_keys import unkept

                return f"{OPTIONS.get(dest, dest.replace('_', '-'))}: {unkept(text)}"
    return None


def script() -> int:
    """The installed `tickwork` script (pyproject.toml)."""
    return main(program=True)


def _dispatch(args: argparse.Namespace) -> int:
    """Run the command; every failure one line and its exit code (the store's way to name
    another home said as this one was named: `--home` or TICKWORK_HOME)."""
    from app.store.home import home_named_by
    from app.store.home_naming import as_named

    named_by = home_named_by(args.home)

    def fail(code: int, message: str) -> int:
        return _fail(code, as_named(message, named_by))

    try:
        return command(args.cmd)(args)
    except OutputLost:  # not the command's failure: its output's (`main`)
        raise
    except EnvironmentCheckError as exc:
        said = as_typed(exc)  # (one that ends in brackets is not followed by more)
        return fail(EXIT_USAGE, f"error: {said}; --no-verify stores it anyway"
                    if said.endswith(")") else f"error: {said} (--no-verify stores it anyway)")
    except (UsageError, ValidationError, NotFoundError) as exc:
        return fail(EXIT_USAGE, f"error: {as_typed(exc)}")
    except SecretStoreUnavailable as exc:
        return fail(EXIT_FAILURE, f"error: {exc}")
    except (StoreError, TickworkError) as exc:
        return fail(EXIT_FAILURE, f"error: {exc}")
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # not the user's input: say what failed, one line, exit 1
        if os.environ.get("TICKWORK_DEBUG"):
            raise
        line = store_fault_line(args, exc)
        if line is not None:
            return fail(EXIT_FAILURE, line)
        return fail(EXIT_FAILURE, f"failed: {type(exc).__name__}: {exc} "
                    "(set TICKWORK_DEBUG=1 for details)")
