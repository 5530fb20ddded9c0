"""Whether this user can write the SQLite store where it is: a home on a file system mounted
read-only, or a home or store file this user may not write (its mode, an access control
list, a file marked immutable), is refused before anything is opened for writing
(`Unwritable`, one line naming the file and why). The engine exits with it (status 73 for a
read-only file system, 77 for permissions: app/engine/headless.py), and so do the commands
that change things; the commands that only read (`task list`, `run list`, `export` …) read
the store through a connection that cannot write (app/cli/store.py): on a read-only file
system they had failed as well, and `backup` could not copy the store elsewhere.

Permissions are never loosened for the person: the refusal says what to run.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from app.store.home import refuse_others
from app.store.home_naming import ANOTHER_HOME
from app.store.integrity import NotPermitted, read_only_mount, readonly_target, readonly_uri


class Unwritable(NotPermitted):
    """The store's home or files cannot be written by this user; `mounted`: because the
    file system holding them is mounted read-only. Commands that only read can still read
    them (`Store.open_readonly`)."""

    def __init__(self, message: str, *, mounted: bool = False) -> None:
        super().__init__(message)
        self.mounted = mounted


def refuse_read_only(home: Path, store: Path) -> None:
    """Unwritable when the home (or where it would be made) is on a file system mounted
    read-only: "unable to open database file", or an OSError making the home, before."""
    if not read_only_mount(home):
        return
    there = store if store.exists() else home
    made = "written" if there.exists() else "made"
    still = ("; commands that only read, such as `tickwork task list`, still read it"
             if there == store else "")
    raise Unwritable(f"{there} cannot be {made}: the file system holding it is mounted "
                     "read-only (remount it read-write, or name another home with "
                     f"{ANOTHER_HOME})"
                     f"{still}", mounted=True)


def refuse_unwritable(home: Path, files: list[Path]) -> None:
    """The home and those of `files` there (the store's file first) are this user's and
    theirs to write (their mode, then the system's answer for the home and the store's
    file: an access control list, an immutable file), else refused in one line (another
    user's files: NotPermitted)."""
    mode = stat.S_IMODE(home.stat().st_mode)
    if mode & 0o700 != 0o700:
        raise Unwritable(f"{home}: its owner cannot write it (mode {mode:04o}); Tickwork "
                         f"does not loosen permissions: `chmod u+rwx {home}`")
    checked = [home]  # (and the store's file: its `-wal` and `-shm` come and go)
    for path in files:
        try:  # (once: another process's last connection removes its `-wal` and `-shm`)
            st = path.stat()
        except FileNotFoundError:
            continue
        refuse_others(path, st.st_uid)
        mode = stat.S_IMODE(st.st_mode)
        if mode & 0o600 != 0o600:
            raise Unwritable(f"{path}: its owner cannot write it (mode {mode:04o}); Tickwork "
                             f"does not loosen permissions: `chmod u+rw {path}`")
        checked += [path] if path == files[0] else []
    for path in checked:
        if not os.access(path, os.W_OK):
            raise Unwritable(f"{path} cannot be written by this user, though its mode lets "
                             "its owner write it (an access control list, a file marked "
                             "immutable — `lsattr` — or a security policy forbids it)")


def reading_uri(path: Path) -> str:
    """The URI a copy reads the store at `path` through: `readonly_target` where no `-shm`
    can be made beside it (a read-only file system, a folder its owner may not write: no
    process of theirs writes it either), else one that sees other processes' writes."""
    folder = path.parent
    try:
        shut = not os.stat(folder).st_mode & stat.S_IWUSR or not os.access(folder, os.W_OK)
    except OSError:
        shut = False
    return readonly_target(path) if shut or read_only_mount(folder) else readonly_uri(path)
