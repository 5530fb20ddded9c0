"""`tickwork check`, `backup` and `restore`: the commands that work on the SQLite store's
file itself, each in a home that is this user's (as every command's is).

`check` reads the store read-only (SQLite's full `integrity_check`, one line per problem,
then the audit trail's verification, `audit --verify`'s one and words, then one per stored
task this version cannot read, or one for a store a newer Tickwork upgraded, which no
command here opens; exit 0 sound, 1 problems). `backup
[FILE]` copies the store online (SQLite's backup API), 0600; `backup -` (or /dev/stdout) to
standard output, as `export -`, refused on a terminal. `restore FILE` verifies the
file (a Tickwork store this version can open, integrity ok), refuses while an engine holds
the store (it takes the engine lock itself for the duration, so none can start
meanwhile), keeps the current store as a `restore` backup, puts the file in place, and
audits `store.restore` (app/restore.py, shared with the GUI); SIGINT, SIGTERM and SIGHUP
wait for it (before the rename it stops, changing nothing).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
from pathlib import Path
from typing import Any

from app.cli.arguments import file_arg
from app.cli.output import shown
from app.cli.store import home_of, refuse_gone, store_url
from app.core.errors import StoreError, ValidationError

EXIT_OK, EXIT_FAILURE = 0, 1


def add_store_commands(sub: Any) -> None:
    """Add `check`, `backup` and `restore` to the top-level subparsers (`parser.Commands`)."""
    sub.add_command("check", lambda p: p.add_argument("--json", action="store_true",
                                                   help="print JSON instead of text"),
                    help="check the store file's integrity and that its tasks can be read "
                         "(read-only)")
    sub.add_command("backup", lambda p: p.add_argument(
        "file", nargs="?", type=file_arg("file"),
        help="where to write it (default: a new file in backups/ under the home; - for "
             "standard output, not a terminal)"),
        help="back up the store now (online, 0600)")
    sub.add_command("restore", _restore_options,
                    help="replace the store with a backup (no engine may run)")


def _restore_options(restore: argparse.ArgumentParser) -> None:
    restore.add_argument("file", type=file_arg("file"), help="the backup file (`tickwork "
                         "backup` writes one; the engine keeps daily ones in backups/ under "
                         "the home)")
    restore.add_argument("--trust-owner", action="store_true",
                         help="restore a file of another user all the same (its tasks run "
                              "their commands as you)")


def _vacant(home: Path) -> bool:
    """Whether nothing of the home is there: no folder (moved, deleted, on a drive not
    mounted), or an empty one (the mount point of a drive not mounted). A restore into a
    kept home gone so made a new home there and said "restored": the folder moved back, or
    the drive mounted over it, hid it (app/store/kept_homes.py)."""
    try:
        with os.scandir(home) as entries:
            return next(entries, None) is None
    except OSError:
        return True


def _sqlite_home(args: argparse.Namespace) -> Path:
    """The home `check`, `backup` and `restore` work in: one of another user is refused, as
    every other command refuses it (a backup went where a link they left there pointed, a
    restore put a store of root's in their home); so is a PostgreSQL store (these work on
    the SQLite file)."""
    from app.store.home import refuse_left, refuse_others, refuse_replaceable

    home = home_of(args)
    if args.cmd != "restore" or _vacant(home):  # (a restore puts a store file back in its
        refuse_gone(args, home)  # home, but makes no new home where the folder went)
    refuse_replaceable(home)
    if home.exists():
        refuse_others(home)
        refuse_left(home)
    if store_url(args) is not None:
        raise StoreError(f"`tickwork {args.cmd}` works on the SQLite store only; a PostgreSQL "
                         "store is checked, backed up and restored with PostgreSQL's own tools "
                         "(pg_dump, pg_restore)")
    return home


def cmd_check(args: argparse.Namespace) -> int:
    import dataclasses

    from app.cli.output import broken
    from app.core.nouns import plural
    from app.store import backup
    from app.store.home import DB_NAME
    from app.store.integrity import (
        StoreDamaged,
        connect_readonly,
        identify,
        newer_schema,
        problems,
    )

    home = _sqlite_home(args)
    path = home / DB_NAME
    if not path.exists():
        raise StoreError(f"{path}: no store here")
    unread: list[Any] = []
    trail: Any = None  # the audit trail's report (`audit --verify`'s), once the file is sound
    newer: str | None = None  # a store a newer Tickwork upgraded: no command here opens it
    try:
        version = identify(path)
        con = connect_readonly(path)
        try:
            found = problems(con, full=True)
        finally:
            con.close()
        newer = None if found else newer_schema(path, version)
        if not found and newer is None:
            unread, trail = _read_checks(home)
    except StoreDamaged as exc:  # anything else (not ours, not SQLite) is its own error
        found = [exc.detail]
    except sqlite3.DatabaseError as exc:
        found = [str(exc)]
    zoned = [t for t in unread if t.zone is not None]
    unread = [t for t in unread if t.zone is None]
    # a keyring that cannot be used leaves the trail's keys unchecked: said, not a problem
    unkeyed = trail is not None and not trail.ok and trail.keyring is not None
    broken_trail = [broken(trail)] if trail is not None and not trail.ok and not unkeyed else []
    lines = found + ([newer] if newer else []) + broken_trail + [
        f"task {t.name!r} (id {t.id}) cannot be read by this version of Tickwork: {t.reason}"
        for t in unread] + [
        f"task {t.name!r} (id {t.id}) is left out by the engine: this machine does not know "
        f"its time zone {t.zone!r} (its time zone data lacks it)" for t in zoned]
    if args.json:
        said = {"ok": not lines, "problems": lines,
                "unreadable_tasks": [{"id": t.id, "name": t.name, "reason": t.reason}
                                     for t in unread],
                "tasks_in_unknown_zones": [{"id": t.id, "name": t.name, "zone": t.zone}
                                           for t in zoned],
                "audit": None if trail is None else dataclasses.asdict(trail)}
        sys.stdout.write(json.dumps(said, indent=2) + "\n")
    elif lines:
        for line in lines:
            print(shown(line))
    else:
        print(shown(f"{path}: integrity check ok"))
        if trail is not None and trail.ok:  # (its --json said so; the text did not)
            print(shown(f"audit trail: {plural(trail.events, 'event')}, verified"
                        + (f" ({trail.note})" if trail.note else "")))
    if unkeyed and not args.json:
        print(shown(f"tickwork: {broken(trail)}; its order and links hold, `tickwork audit "
                    "--verify` checks its keys once the keyring can be used"), file=sys.stderr)
    if found:
        print(shown(f"tickwork: {path} is damaged: {plural(len(found), 'problem')}. "
                    f"{backup.restore_hint(home)}"), file=sys.stderr)
    elif broken_trail:
        print(shown(f"tickwork: {path} passes SQLite's integrity check, but its audit trail "
                    "does not verify (named above; `tickwork audit` lists its events)"),
              file=sys.stderr)
    elif unread:
        it = "it" if len(unread) == 1 else "them"
        print(shown(f"tickwork: {path} holds {plural(len(unread), 'task')} this version "
                    f"cannot read (named above): the engine does not run {it} and `task list` "
                    f"leaves {it} out; `tickwork task delete ID` deletes one, or `tickwork "
                    "restore FILE` brings back a backup"), file=sys.stderr)
    if zoned and not found:
        are = "is" if len(zoned) == 1 else "are"
        print(f"tickwork: {plural(len(zoned), 'task')} in a time zone this machine does not "
              f"know (named above) {are} left out by the engine, never run, until `tickwork "
              "task update NAME --tz ZONE` "
              "gives one a zone it knows, or the system's time zone data (tzdata) is updated",
              file=sys.stderr)
    return EXIT_FAILURE if lines else EXIT_OK


def _read_checks(home: Path) -> tuple[list[Any], Any]:
    """Over a connection that cannot write: the stored tasks this version cannot read
    (`tasks.unreadable`), and the audit trail's verification (`audit --verify`'s one:
    `audit_check.verify`; None for a store of an older schema, read once migrated)."""
    from app.store import audit_check, tasks
    from app.store.database import Store

    store = Store.open_readonly(home)
    if store is None:
        return [], None
    try:
        with store.read():
            return tasks.unreadable(), audit_check.verify()
    finally:
        store.close()


def cmd_backup(args: argparse.Namespace) -> int:
    from app.store import backup
    from app.store.home import DB_NAME
    from app.store.integrity import identify

    home = _sqlite_home(args)
    if args.file is not None and _to_stdout(args.file):
        if sys.stdout.isatty():
            raise ValidationError("file", "- is standard output, here a terminal, and a backup "
                                  "is a binary SQLite file: redirect it (`tickwork backup - > "
                                  "FILE`, `| ssh …`) or name a file")
        return _backup_to_stdout(home)
    typed = Path(args.file).expanduser() if args.file else None
    dest = typed.resolve() if typed is not None else None
    if typed is not None and dest is not None:
        if typed.is_symlink():  # never written through: one in /tmp may be anyone's
            raise ValidationError("file", f"{typed.absolute()} already exists (a link to "
                                  f"{os.readlink(typed)}); name a new file")
        if dest.exists():
            raise ValidationError("file", f"{dest} already exists; name a new file")
    if identify(home / DB_NAME) is None:
        raise StoreError(f"{home / DB_NAME}: there is no store to back up: nothing has been "
                         f"stored in {home} yet")
    path = backup.make(home, dest, kind="manual")
    print(shown(f"backed up {home / DB_NAME} to {path}"))
    return EXIT_OK


def _to_stdout(file: str) -> bool:
    """Whether a FILE names standard output, as export's does: `-` (not `./-`, a file so
    named), or `/dev/stdout`. `backup -` wrote a file called `-`."""
    from app.cli.transfer import named
    from app.transfer import is_stdout

    return is_stdout(named(file))


def _backup_to_stdout(home: Path) -> int:
    """`backup -`: the copy is made as any backup is (online, whole, one self-contained
    file) in a private temporary folder, then written to standard output and removed."""
    import tempfile

    from app.cli.stdout import Stdout
    from app.store import backup
    from app.store.home import DB_NAME
    from app.store.integrity import identify

    if identify(home / DB_NAME) is None:
        raise StoreError(f"{home / DB_NAME}: there is no store to back up: nothing has been "
                         f"stored in {home} yet")
    with tempfile.TemporaryDirectory(prefix="tickwork-backup-") as folder:
        copy = backup.make(home, Path(folder) / DB_NAME, kind="manual")
        out = sys.stdout
        if isinstance(out, Stdout):
            out.write_file(copy)
        else:  # (a caller that left the interpreter's own stream in place)
            out.flush()
            out.buffer.write(copy.read_bytes())
            out.buffer.flush()
    print(shown(f"backed up {home / DB_NAME} to standard output"), file=sys.stderr)
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    """A signal met on the way ends it as that signal's exit status (128 + its number),
    once it is said what the restore did: nothing (stopped before the rename), or all."""
    from app.restore import Stopped, restore_store

    home = _sqlite_home(args)
    file = Path(args.file).expanduser().resolve()
    try:
        restored = restore_store(home, file, actor="cli", trust_owner=args.trust_owner)
    except Stopped as exc:
        print(f"tickwork: {exc}", file=sys.stderr)
        return 128 + exc.signum
    print(shown("; ".join(restored.sentences())))
    return EXIT_OK if restored.signalled is None else 128 + restored.signalled
