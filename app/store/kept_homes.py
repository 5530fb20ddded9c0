"""Which data homes an engine of this user has kept a store in, noted outside them
(`$XDG_STATE_HOME/tickwork/homes/`, by default ~/.local/state), so that `tickwork engine` —
which a service manager starts, and starts again — never makes a new empty store where one
was a moment ago. With the home moved or deleted, an engine started again on its path made a
new empty home there, and the folder moved back went inside it.

One file a home, named by a hash of its real path and holding that path (for whoever looks).
An engine notes its home once it has opened its store (the window's, and `tickwork
engine`'s; a shared store's home too, which keeps the choice of it); `tickwork engine` and
the other commands look here only when they find no SQLite store file in the home and no
shared store chosen: a home noted is refused (`missing`; one whose engine kept a shared
store, only when its folder is gone: no store file of it was ever there), any other made as
before — the first start of the package's unit on the default home makes it, as a first
`task add` on a new machine does. A script's `tickwork task add` made a new empty home
where the folder had been, as the engine did, and a `task list` answered an empty list.
`--new-home` (NEW_HOME) makes one there all the same; the window opened by hand asks the
person first (app/gui/bootstrap.py): a home on a drive not mounted yet showed "No tasks yet",
and tasks made then went into the empty home the drive would hide once mounted.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shlex
from pathlib import Path

from app.store.home import DB_NAME, FILE_MODE, is_default_home, make_private_dir
from app.store.home_naming import naming

log = logging.getLogger("tickwork.engine")


def folder() -> Path:
    """Where the notes are: `$XDG_STATE_HOME/tickwork/homes` (platformdirs' state folder)."""
    from platformdirs import user_state_path

    return user_state_path("tickwork", appauthor=False) / "homes"


def _entry(home: Path) -> Path:
    real = os.fsencode(os.path.realpath(home))  # (a home gone: its path as it was named)
    return folder() / hashlib.sha256(real).hexdigest()[:32]


SHARED = b"shared store\n"  # a note's second line: the home's store is on a server


def note(home: Path, shared: bool = False) -> None:
    """Note that an engine keeps `home`'s store — `shared`: a PostgreSQL store, whose choice
    alone is kept in the home (no store file there to miss) — (once a kind; a note that
    cannot be written is said, and the engine goes on)."""
    entry = _entry(home)
    text = os.fsencode(os.path.realpath(home)) + b"\n" + (SHARED if shared else b"")
    try:
        if entry.read_bytes() == text:
            return
    except OSError:
        pass
    try:
        make_private_dir(entry.parent)
        fd = os.open(entry, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, FILE_MODE)
        try:
            os.write(fd, text)
        finally:
            os.close(fd)
    except OSError as exc:
        log.warning("cannot note the data home %s in %s (%s): should the home be moved or "
                    "deleted, an engine started again on it would make a new empty one there",
                    home, entry.parent, exc.strerror or exc)


def kept(home: Path) -> bool:
    """Whether an engine kept a store in `home` before."""
    return _entry(home).exists()


def _shared(home: Path) -> bool:
    """Whether the engine that kept `home` last kept a shared (PostgreSQL) store."""
    try:
        return _entry(home).read_bytes().endswith(b"\n" + SHARED)
    except OSError:
        return False


NEW_HOME = "--new-home"  # what the person gives to make a new, empty store there all the same


def gone(home: Path) -> str | None:
    """What is gone of a home an engine kept a store in ("the data home … is not there", or
    its store file), None when its store is there or never was."""
    store = home / DB_NAME
    # the store looked for again once the note is seen: an engine notes a home once its
    # store is made, and a command racing an engine's first start on a new home saw no store,
    # then the note made meanwhile, and was refused ("… is not there"); looked for first, the
    # store spares the note's look (and platformdirs' import) to every command on a home
    if os.path.lexists(store) or not kept(home) or os.path.lexists(store):
        return None
    if home.is_dir() and _shared(home):  # (its store on a server: no file of it here; a
        return None  # command choosing the home's own file then makes it, as asked)
    return (f"the data home {home} is not there" if not home.is_dir()
            else f"{store} is not there")


def missing(home: Path, who: str = "the engine", named_by: str | None = "--home"
            ) -> str | None:
    """Why `who` (`tickwork engine`; the window started at login, `--minimized`: nobody
    there to see what it made; the other commands, "Tickwork") makes no store in `home`:
    an engine kept one there and it is gone (its folder, or the file in it); None when
    there is one, or never was. `named_by`: how `home` was named (`home.home_named_by`),
    which the way to name where it went names."""
    what = gone(home)
    if what is None:
        return None
    again = " ".join(["tickwork", *([] if is_default_home(home) else
                                   ["--home", shlex.quote(str(home))]), NEW_HOME, "task",
                      "list"])
    elsewhere = f"start {who} with {naming(named_by)} naming where it went"
    return (f"{what} (moved or deleted?): an engine kept its store there, and {who} makes "
            f"no new empty one in its place; put it back, or {elsewhere} (to start afresh "
            f"there, run `{again}` first)")
