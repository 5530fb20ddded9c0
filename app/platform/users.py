"""This machine's users, where the system has a user database (POSIX); elsewhere none."""

from __future__ import annotations


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
