"""The command line's care of the store: opening it for a command — one that only reads
reads a store it cannot write (a read-only file system) through a connection that cannot
write (app/store/writable.py) — and the one line a damaged store, a full disk or a lock held
too long turns into (never a traceback). `check`, `backup` and `restore`, which work on the
store's file itself, are app/cli/store_file.py.
"""

from __future__ import annotations

import argparse
import atexit
import errno
import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.core.errors import StoreError, ValidationError

if TYPE_CHECKING:
    from app.store.database import Store

# (command, subcommand) pairs that write the store: these run `quick_check` first, so a
# damaged store is refused before it is written into.
WRITING = {("task", "add"), ("task", "update"), ("task", "delete"), ("task", "run"),
           ("task", "reschedule"), ("task", "pause"), ("task", "resume"), ("run", "cancel"),
           ("import", None), ("secret", "set"), ("secret", "delete"), ("settings", None)}


# commands that only read the store, but record in it that they did (an export's audit
# event): refused with those that write where the store cannot be written (`open_store`)
RECORDED = {("export", None)}


def invoked(args: argparse.Namespace) -> tuple[str | None, str | None]:
    """The command asked for: its noun and verb (`("task", "list")`, `("check", None)`)."""
    return args.cmd, getattr(args, f"{args.cmd}_cmd", None)


def writes(args: argparse.Namespace) -> bool:
    return invoked(args) in WRITING


def home_of(args: argparse.Namespace) -> Path:
    from app.store.home import resolve_home

    return resolve_home(args.home)


def refuse_gone(args: argparse.Namespace, home: Path) -> None:
    """A home an engine kept a store in, and the store not there (the folder moved or
    deleted, or the file), is refused in the engine's words, making nothing (ValidationError
    naming where the home came from: exit 2), unless `--new-home` is given: a script's
    `task add` made a new empty home there, and the folder moved back went inside it; a
    `task list` answered an empty list (app/store/kept_homes.py)."""
    from app.store import kept_homes

    if getattr(args, "new_home", False):
        return
    from app.store.home import home_named_by

    named_by = home_named_by(args.home)
    gone = kept_homes.missing(home, "Tickwork", named_by)
    if gone is not None:
        raise ValidationError("TICKWORK_HOME" if named_by == "TICKWORK_HOME" else "home", gone)


def _named_home(args: argparse.Namespace) -> bool:
    """Whether the home was named (`--home`, $TICKWORK_HOME), not the platform's default."""
    return bool(args.home or os.environ.get("TICKWORK_HOME"))


def store_url(args: argparse.Namespace) -> str | None:
    """The PostgreSQL store chosen by `--store`, `$TICKWORK_STORE` or the home's remembered
    choice (None: the SQLite file)."""
    from app.store.location import resolve_store

    return resolve_store(getattr(args, "store", None), home_of(args))


def store_fault_line(args: argparse.Namespace, exc: BaseException) -> str | None:
    """The one line for a damaged store, a full disk, a PostgreSQL server gone away met
    mid-command, or one that ended the command for its silence in a write; None for
    others."""
    from app.store import backup
    from app.store.backend import WRITE_SILENCE
    from app.store.integrity import CORRUPT, FULL, UNREACHABLE, ended_silent, fault_of
    from app.store.said_url import safe_url

    if ended_silent(exc):  # (it read "could not be reached mid-command": it was there)
        return ("error: the PostgreSQL server ended this command for staying silent inside "
                f"a transaction too long ({WRITE_SILENCE:g} s for a write holding the store's "
                "lock; the process was stopped, or busy between two statements); what was not "
                "committed was not changed — try again")
    kind = FULL if getattr(exc, "errno", None) == errno.ENOSPC else fault_of(exc)
    if kind == CORRUPT:
        home = home_of(args)
        return (f"error: the store under {home} is damaged ({exc}); nothing more was "
                f"written. {backup.restore_hint(home)}")
    if kind == FULL:
        return "error: the disk holding the store is full; nothing was changed — free space " \
               "and try again"
    if kind == UNREACHABLE:
        url = store_url(args) or ""
        return (f"error: the PostgreSQL store {safe_url(url)} could not be reached mid-command; "
                "what was not committed was not changed — try again when the server is back")
    if _waited_for_the_lock(exc):
        return ("error: the store stayed busy: another process held a lock this command needed "
                "for 10 s (a long write, or a process stopped in one); what was not committed "
                "was not changed — try again")
    return None


def _waited_for_the_lock(exc: BaseException | None) -> bool:
    """A write that gave up waiting for the store's write lock: PostgreSQL's lock timeout
    (SQLSTATE 55P03; it read "failed: OperationalError: canceling statement due to lock
    timeout"), SQLite's busy timeout ("database is locked"; both wait 10 s)."""
    from app.store.integrity import causes

    return any(getattr(err, "sqlstate", None) == "55P03"
               or getattr(err, "sqlite_errorname", None) == "SQLITE_BUSY"
               or (isinstance(err, sqlite3.OperationalError)
                   and "database is locked" in str(err)) for err in causes(exc))


def open_store(args: argparse.Namespace) -> Any:
    """The store at `--home` (or `--store`), opened as the CLI; a command that writes has it
    checked first (`writes`)."""
    from app.store.database import Store
    from app.store.writable import Unwritable

    home, url = home_of(args), store_url(args)
    if url is None:
        refuse_gone(args, home)
    if url is None and not writes(args) and not home.parent.exists() and _named_home(args):
        # a command that only reads makes the home it names (`task list --json` on a new
        # home answers [], as ever), but not the folders above it: a mistyped --home
        # would leave a tree behind and answer "no tasks" as if all were well
        raise ValidationError("home", f"{home}: the folder it would be in, {home.parent}, "
                              "does not exist (a command that only reads makes none)")
    store: Store | None
    try:
        store = Store.open(home, actor="cli", check=writes(args), url=url)
    except Unwritable:  # (on a read-only file system, or not this user's to write)
        store = None if writes(args) or invoked(args) in RECORDED else _read_only(home)
        if store is None:
            raise
    except StoreError as exc:
        if url is None or type(exc) is not StoreError or not _remembered(args, home, url):
            raise  # (a newer store, a damaged one … are said as they are)
        raise StoreError(f"{exc}; this home remembers that store as its own: `tickwork "
                         "settings --shared-store off` goes back to its own file") from None
    # closed on the way out, not left to the interpreter's teardown: the audit head reaches
    # the keyring and SQLite folds its write-ahead log back into the file, every time
    atexit.register(store.close)
    return store


def _remembered(args: argparse.Namespace, home: Path, url: str) -> bool:
    """Whether `url` is the home's remembered store (not `--store`, not $TICKWORK_STORE):
    one that cannot be opened then fails every command, until it is let go of."""
    from app.store.location import ENV, check_url, saved_store

    if getattr(args, "store", None) or os.environ.get(ENV):
        return False
    try:
        saved = saved_store(home)
        return saved is not None and check_url(saved) == url
    except (StoreError, ValueError):
        return False


def _read_only(home: Path) -> Store | None:
    """The store under `home` for a command that only reads, where it cannot be written:
    through a connection that cannot write (None where that cannot read it either, or its
    schema is another version's: the refusal to write it is said)."""
    from app.store.database import Store

    try:
        return Store.open_readonly(home)
    except StoreError:
        return None


def service(args: argparse.Namespace) -> Any:
    """The service over the store at `--home`, as the CLI (`open_store`)."""
    from app.service import Service

    return Service(open_store(args), "cli")


NO_ENGINE = "no engine is running on this store (start one: `tickwork engine`, or the window)"


def engine_running(store: Any) -> bool:
    """Whether an engine holds the store: this home's engine lock, or a shared store's
    lease (`engine_lock`)."""
    from app.store.lock import engine_lock

    return engine_lock(store.home, store.url).holder() is not None


def stop_left_behind(svc: Any, run_ids: list[int] | None = None,
                     task_id: int | None = None) -> None:
    """Before these runs (or a task's) are cancelled or deleted: a command that a dead engine
    left running (killed before its next start's recovery) is stopped here, process tree
    and all — once its run is no longer `running`, no recovery would ever look for it. With
    an engine alive, that engine stops its own runs."""
    from app.store import cancels

    store = svc.store
    if engine_running(store):
        return
    with store.read():
        left = cancels.left_running(run_ids, task_id)
    if left:
        from app.engine.processes import KILL_GRACE, RunProcesses, run_token, stop_all

        stop_all([RunProcesses(run_token(i, engine), pgid, created)
                  for i, engine, pgid, created in left], KILL_GRACE)
