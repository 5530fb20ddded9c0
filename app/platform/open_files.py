"""How many files the engine may hold open, and making room for its workers.

Each worker slot costs the engine's process a handful of descriptors: a Python worker's two
channels, three pipes and pidfd, and the event dispatcher of each pool thread (an eventfd;
Qt's GLib dispatcher aborts the whole process when it cannot make one — "Creating pipes for
GWakeup: Too many open files", the window with it). Many desktops give a process 1,024 (the
soft limit) and allow far more (the hard limit), so an engine asked for 256 at once raises
its own soft limit to what they need, as far as the hard limit allows; where that is too
little it runs as many at once as fit and says so, rather than dying with its first runs.

What it starts inherits the raised limit (a command's `ulimit -n`, a Python run's
`resource.getrlimit`); with the default 8 workers nothing is raised. Where there is no such
limit (Windows), nothing is done.
"""

from __future__ import annotations

from typing import NamedTuple

from app.core.nouns import plural

BASE = 128  # descriptors an engine holds whatever its workers: the store's connections, the
#             store watch, launchers' pipes, a window's own (its display, fonts, D-Bus)
PER_WORKER = 8  # a Python worker's 6 (measured), its pool thread's 1, and one to spare


class Room(NamedTuple):
    """What `make_room` found: how many runs at once fit, and the limits it saw."""

    workers: int  # the workers asked for, or fewer when the hard limit holds too few files
    soft: int  # the soft limit now (raised where it could be and had to be)
    hard: int  # the hard limit (-1: none)
    needed: int  # what the workers asked for need


def needed(workers: int) -> int:
    """Open files an engine with `workers` runs at once needs."""
    return BASE + PER_WORKER * workers


def make_room(workers: int) -> Room:
    """Raise this process's soft limit on open files to what `workers` need, as far as the
    hard limit allows; how many workers fit then."""
    try:
        import resource
    except ImportError:  # (no such limit)
        return Room(workers, -1, -1, needed(workers))
    infinity = resource.RLIM_INFINITY
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = needed(workers)
    if soft != infinity and soft < want:
        top = want if hard == infinity else min(want, hard)
        if top > soft:
            try:
                resource.setrlimit(resource.RLIMIT_NOFILE, (top, hard))
                soft = top
            except (ValueError, OSError):  # (a hard limit lowered meanwhile)
                pass
    if soft == infinity or soft >= want:
        return Room(workers, -1 if soft == infinity else soft, -1 if hard == infinity else hard,
                    want)
    return Room(max(1, min(workers, (soft - BASE) // PER_WORKER)), soft,
                -1 if hard == infinity else hard, want)


def fit_workers(asked: int) -> tuple[int, str]:
    """The workers an engine runs with, made room for (`make_room`), and its words for them
    ("8 workers"; fewer than asked: why, and what to change)."""
    room = make_room(asked)
    if room.workers >= asked:
        return asked, plural(asked, "worker")
    return room.workers, (
        f"{plural(room.workers, 'worker')} ({asked} asked for, but they need about {room.needed:,} "
        f"open files and this system allows Tickwork {room.soft:,}: raise `ulimit -Hn`)")
