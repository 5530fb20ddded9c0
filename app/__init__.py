"""Tickwork: a desktop task scheduler you can trust.

`app.__version__` is read from the installed package's metadata when first asked for:
importing `importlib.metadata` costs ~30 ms, which every CLI command would otherwise pay.

The package's first lines hold the stop signals of a `tickwork engine` starting (blocked:
one sent now waits, pending, for the engine's handler, app/platform/stop_signals.py): the
first of its own code every door runs. Held from `app.cli`'s import, as they were, a SIGTERM,
Ctrl+C or SIGHUP in the ~40 ms before it (its `app.platform` and `logging` imports) killed
the engine by the signal's default action, nothing said. What comes before this line is the
interpreter's own start, which only the process that starts it can cover (by blocking them).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from functools import cache

# the `tickwork` program's doors: `python -m app.cli` (argv[0] is "-m" while runpy imports
# the package), the installed script or a bundle, main.py
DOORS = ("-m", "tickwork", "main.py")


def starts_engine(argv: Sequence[str], orig_argv: Sequence[str] = ()) -> bool:
    """This process is the `tickwork` program (one of its DOORS, and under `-m` the module
    is `app.cli`, `orig_argv`) with the word `engine` in its arguments: perhaps `tickwork
    engine`, which only parsing them can tell (`tickwork task add engine …` is not). A
    bundle's hidden worker entries (main.py) are not, whatever their arguments."""
    if not argv or os.path.basename(argv[0]) not in DOORS or "engine" not in argv[1:]:
        return False
    if argv[1:2] == ["--tickwork-worker"]:
        return False
    return argv[0] != "-m" or not {"app.cli", "app.cli.__main__"}.isdisjoint(orig_argv)


def _hold_stop_signals() -> None:
    """Block the stop signals a starting `tickwork engine` handles (a SIGHUP ignored at
    start, `nohup`, left as it is: stop_signals.StopSignals.install unblocks the others)."""
    import signal

    if hasattr(signal, "pthread_sigmask"):  # (POSIX)
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM} | (
            set() if signal.getsignal(signal.SIGHUP) is signal.SIG_IGN else {signal.SIGHUP}))


if starts_engine(sys.argv, getattr(sys, "orig_argv", ())):
    _hold_stop_signals()


@cache
def version() -> str:
    """The installed version ("0+unknown" in a source tree that was never installed)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("tickwork")
    except PackageNotFoundError:
        return "0+unknown"


def __getattr__(name: str) -> str:
    if name == "__version__":
        return version()
    raise AttributeError(f"module 'app' has no attribute {name!r}")
