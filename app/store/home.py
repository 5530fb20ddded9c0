"""Where Tickwork keeps its data (`--home`, else `$TICKWORK_HOME`, else the platform's place),
and how its folders and files are made private: created 0700/0600, only ever tightened."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from app.platform.users import others_file
from app.store.home_naming import HOME_VAR as HOME_VAR

DB_NAME = "tickwork.db"
LOCK_NAME = "engine.lock"
STANDBY_NAME = "engine.standby"  # shared-locked by each engine waiting to take over
SHARED_NAME = "engine.shared"  # locked by an engine on a shared store started from the home
BELL_NAME = "engine.bell"  # touched after a manual run or a cancel request (app/store/bell.py)
RESTORE_COPY = DB_NAME + ".restore"  # the copy a restore writes, renamed over the store
RESTORE_MARK = DB_NAME + ".restoring"  # a restore is putting its copy in place


def resolve_home(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The data home: `explicit` (`--home`), else $TICKWORK_HOME, else the platform's
    per-user data folder. One that is empty (`named`), or there but no folder (a file), is
    refused naming where it came from, before anything is read or made under it."""
    if explicit is not None:
        return _folder(Path(named(os.fspath(explicit), "home")), "home")
    env = os.environ.get(HOME_VAR)
    if env is not None:
        return _folder(Path(named(env, HOME_VAR)), HOME_VAR)
    return platform_home()


def home_named_by(explicit: object = None) -> str | None:
    """How the data home was named: `--home` (`explicit`, given), else $TICKWORK_HOME when
    set, else None (the platform's folder): what a message that tells how to name another
    home names (they said `--home` to one who had set the variable)."""
    if explicit is not None:
        return "--home"
    return HOME_VAR if os.environ.get(HOME_VAR) is not None else None


def platform_home() -> Path:
    """The platform's per-user data folder for Tickwork (by default ~/.local/share/tickwork):
    the home of an engine started with no --home and no $TICKWORK_HOME, as the package's
    systemd unit starts it."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("tickwork", appauthor=False))


def is_default_home(home: Path) -> bool:
    """Whether `home` is the one a bare `tickwork` uses (no --home)."""
    from app.core.errors import ValidationError

    try:  # (both resolved: the platform's data folder is as named, links not followed)
        return resolve_home().resolve() == home.expanduser().resolve()
    except (OSError, ValidationError):  # (a TICKWORK_HOME that is no folder: not this one)
        return False


def stop_command(home: Path, store: str | None = None) -> str:
    """The command that stops the engine of `home`: `tickwork engine stop`, with a --home
    where that is not the home a bare `tickwork` uses, and the `store` URL it was given
    (its password left out; without it, the stop would look at another store)."""
    import shlex

    own = is_default_home(home)
    words = ["tickwork"] + ([] if own else ["--home", shlex.quote(str(home))])
    if store:
        from app.store.said_url import safe_url

        words += ["--store", shlex.quote(safe_url(store))]
    return " ".join([*words, "engine", "stop"])


def named(text: str, field: str) -> str:
    """A home as typed (`--home`, $TICKWORK_HOME), or ValidationError for an empty one: it
    was taken as none given, so `--home "$DIR"` or `TICKWORK_HOME=$DIR` with DIR unset used,
    and made, the default home. (Unlike XDG's variables, which name where defaults go, this
    one names the data to use: an empty one is a slip, not a wish for the default.)"""
    if not text.strip():
        how = "leave --home out" if field == "home" else f"unset {field}"
        from app.core.errors import ValidationError

        raise ValidationError(field, f"is empty: name a folder, or {how} for the default home")
    return text


def _folder(path: Path, field: str) -> Path:
    """The home typed, or ValidationError naming `field`: a file in its place, or under a
    file (`--home notes.txt/sub` said "cannot read the remembered store", exit 1)."""
    home = path.expanduser().resolve()
    for place in (home, *home.parents):
        if place.exists():
            if not place.is_dir():
                from app.core.errors import ValidationError

                raise ValidationError(field, f"{home} is not a folder" if place == home
                                      else f"{home}: {place} is a file, not a folder")
            break
    return home


DIR_MODE = 0o700
FILE_MODE = 0o600
BACKUPS_DIR = "backups"


def make_private_dir(path: Path) -> None:
    """Create `path` and every missing parent 0700, whatever the umask; existing folders are
    left as they are (`tighten` decides about them)."""
    missing: list[Path] = []
    cur = path
    while not cur.exists():
        missing.append(cur)
        if cur.parent == cur:
            break
        cur = cur.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIR_MODE)
        except FileExistsError:
            continue
        os.chmod(folder, DIR_MODE)


def tighten(path: Path) -> tuple[int, int] | None:
    """Remove group and other permission bits from `path`; never add any. Returns (before,
    after) when the mode changed, None when it was already private."""
    before = path.stat().st_mode & 0o7777
    after = before & ~0o077
    if after == before:
        return None
    os.chmod(path, after)
    return before, after


def tighten_all(paths: list[Path]) -> dict[str, tuple[int, int]]:
    """`tighten` each of `paths` there is (one gone meanwhile is passed over): the changes."""
    fixes: dict[str, tuple[int, int]] = {}
    for path in paths:
        try:
            changed = tighten(path)
        except FileNotFoundError:
            continue
        if changed:
            fixes[str(path)] = changed
    return fixes


def refuse_others(path: Path, owner: int | None = None) -> None:
    """A home or database of another user is refused (NotPermitted): what this process made
    there (as root, say) would lock its owner out — their engine waited for ever on a lock
    file it could not open, and their backups, checkpoints and log of hand-offs failed —
    and what they left in it (a link where backups go) is theirs to aim."""
    mine = os.geteuid()
    owner = path.stat().st_uid if owner is None else owner
    if owner != mine:
        from app.platform.users import user_name
        from app.store.integrity import NotPermitted

        raise NotPermitted(f"{path} belongs to {user_name(owner)}, not to {user_name(mine)}: "
                           f"run Tickwork as {user_name(owner)} (files made here as "
                           f"{user_name(mine)} would lock them out)")


def refuse_replaceable(home: Path) -> None:
    """NotPermitted when another user could put a folder of theirs in the home's place: a
    folder above it belongs to someone else (root aside), or anyone may write in it without
    the sticky bit that keeps /tmp's entries their owners'. The engine would then write its
    checkpoints, backups and logs through links they left there, and read their files as
    its own."""
    if not hasattr(os, "geteuid"):
        return
    for folder in home.parents:
        try:
            info = folder.stat()
        except FileNotFoundError:  # (made 0700 by `make_private_dir`)
            continue
        mode = stat.S_IMODE(info.st_mode)
        if (owner := others_file(info)) is not None:
            why = f"{folder} belongs to {owner}"
        elif mode & stat.S_IWOTH and not mode & stat.S_ISVTX:
            why = f"anyone can write in {folder}: mode {mode:04o}, without the sticky bit /tmp has"
        else:
            continue
        from app.store.integrity import NotPermitted

        raise NotPermitted(f"{home}: another user could put a folder of theirs in its place "
                           f"({why}): choose a home in a folder only you can change")


def refuse_left(home: Path, *, inner: bool = True) -> None:
    """NotPermitted for an entry of the home, or of a folder in it (`inner`), that belongs to
    another user (root aside): one put there while the home was open to others (made under
    umask 000, before Tickwork tightened it) stays after — a `backups` link to a folder of
    theirs got every backup; a backup of theirs with the newest name was the one to restore.
    (An entry gone meanwhile, a `-shm` another process closed, or a folder that cannot be
    read, is passed over: what cannot be read is not used either.)"""
    mine = os.geteuid()
    try:
        with os.scandir(home) as found:
            entries = [(e.path, e.stat(follow_symlinks=False)) for e in found if _there(e)]
    except OSError:
        if not inner:
            return
        raise
    for path, info in entries:
        if (owner := others_file(info)) is not None:
            from app.platform.users import user_name
            from app.store.integrity import NotPermitted

            raise NotPermitted(f"{path} belongs to {owner}, not to {user_name(mine)}: someone "
                               "else put it in the home while others could write there; "
                               "remove it, then try again")
        if inner and stat.S_ISDIR(info.st_mode):
            refuse_left(Path(path), inner=False)


def _there(entry: os.DirEntry[str]) -> bool:
    """Whether `entry` is still there to be looked at (its lstat, cached for the caller)."""
    try:
        entry.stat(follow_symlinks=False)
    except OSError:
        return False
    return True
