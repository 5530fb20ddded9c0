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

from app.core.nouns import plural

BASE = 128  # descriptors an engine holds whatever its workers: the store's connections, the
#             store watch, launchers' pipes, a window's own (its display, fonts, D-Bus)
PER_WORKER = 8  # a Python worker's 6 (measured), its pool thread's 1, and one to spare


def needed(workers: int) -> int:
    """Open files an engine with `workers` runs at once needs."""
    return BASE + PER_WORKER * workers


def make_room(workers: int) -> int | None:
    """Raise this process's soft limit on open files to what `workers` need, as far as the
    hard limit allows; the soft limit then (None: no limit)."""
    try:
        import resource
    except ImportError:  # (no such limit)
        return None
    infinity = resource.RLIM_INFINITY
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == infinity:
        return None
    want = needed(workers)
    top = want if hard == infinity else min(want, hard)
    if top > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (top, hard))
            soft = top
        except (ValueError, OSError):  # (a hard limit lowered meanwhile)
            pass
    return int(soft)


def fit_workers(asked: int) -> tuple[int, str]:
    """The workers an engine runs with, made room for (`make_room`), and its words for them
    ("8 workers"; fewer than asked where the hard limit holds too few files: why, and what
    to change)."""
    soft, want = make_room(asked), needed(asked)
    if soft is None or soft >= want:
        return asked, plural(asked, "worker")
    fit = max(1, (soft - BASE) // PER_WORKER)
    return fit, (f"{plural(fit, 'worker')} ({asked} asked for, but they need about {want:,} "
                 f"open files and this system allows Tickwork {soft:,}: raise `ulimit -Hn`)")
