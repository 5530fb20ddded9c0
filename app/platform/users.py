"""This machine's users, where the system has a user database (POSIX); elsewhere none."""

from __future__ import annotations

import os
from collections.abc import Mapping


def is_user(name: str) -> bool:
    """Is `name` a user of this machine?"""
    try:
        import pwd
    except ImportError:  # no user database to ask
        return False
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def user_name(uid: int) -> str:
    """The name of the user `uid` (`uid 1000` where the user database has none)."""
    try:
        import pwd

        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        return f"uid {uid}"


def others_file(info: os.stat_result) -> str | None:
    """The name of the user a file belongs to (`info`, its stat) when that is another user,
    root aside (root can run anything as anyone); None for the user's own, and where the
    system has no users."""
    if not hasattr(os, "geteuid") or info.st_uid in (os.geteuid(), 0):
        return None
    return user_name(info.st_uid)


def others_pipe(info: os.stat_result) -> str | None:
    """"a named pipe of NAME's" (or a socket) when `info` is one of another user; else
    None: whatever is written into it is theirs to read."""
    import stat

    kind = "named pipe" if stat.S_ISFIFO(info.st_mode) else "socket"
    if not (stat.S_ISFIFO(info.st_mode) or stat.S_ISSOCK(info.st_mode)):
        return None
    if not hasattr(os, "geteuid") or info.st_uid == os.geteuid():
        return None
    return f"a {kind} of {user_name(info.st_uid)}'s"


def home_folder(env: Mapping[str, str]) -> str:
    """The user's home folder, where a run with no working folder starts (as cron's jobs
    do), the same whichever way the engine was started: `env`'s HOME, as `Path.home()` reads
    it, else (HOME unset or empty) the user database's. OSError, its message the reason for
    a run's error, when there is none to be had or it is not a full path."""
    home = env.get("HOME")
    if not home:
        try:
            import pwd

            home = pwd.getpwuid(os.getuid()).pw_dir
        except (ImportError, KeyError):
            home = None
        if not home:
            raise OSError("no working folder is set, and there is no home folder to start "
                          "in: HOME is not set and the user database has none")
    if not os.path.isabs(home):
        raise OSError(f"no working folder is set, and the home folder is not a full path: "
                      f"HOME={home}")
    return home


def enter_home(env: Mapping[str, str], home: str | None = None) -> str:
    """Make the home folder (`home_folder`, or `home` as it said before) this process's
    working folder, and return it; OSError saying so (no working folder set, the home
    folder's, why) when that cannot be done."""
    home = home_folder(env) if home is None else home
    try:
        os.chdir(home)
    except OSError as exc:
        raise OSError(f"no working folder is set, and the home folder cannot be entered: "
                      f"{exc}") from None
    return home
