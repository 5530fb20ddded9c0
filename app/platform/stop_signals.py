"""What stops `tickwork engine` gracefully — Ctrl+C, `kill`/systemd, a closed terminal —
heard from the moment its command line is read, before its heavy imports, its store's
opening and its recovery: a SIGTERM or SIGHUP in those first seconds once killed it at once
(status 143 or 129, nothing logged) while one a moment later was a graceful stop.

Light on purpose (signal, threading, logging): the `tickwork` program's doors block the
stop signals in the package's first lines (app/__init__.py) when its command line names the
engine, handle them as the CLI package is first imported (`hold`, which unblocks them: one
sent meanwhile was pending, and is heard now), before the command line is even parsed; once
it is, `take` keeps them for an engine, or gives them back to their first handlers (a
signal heard meanwhile raised again: `tickwork task add engine …` ends as it did). A signal
heard before the engine's log is set up is logged once it is (`log_ready`)."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Sequence

from app import starts_engine

# What stops the engine gracefully: Ctrl+C, `kill`/systemd, and a closed terminal (SIGHUP
# once ended it at once, like a kill -9, leaving its runs to the next start's recovery).
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class StopSignals:
    """The stop signals' handler: `stop` is set by the first; each is logged, in one line."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self._unsaid: list[str] = []
        self._logging = False
        self._heard: list[int] = []
        self._first: dict[int, signal.Handlers | object] = {}

    def install(self) -> StopSignals:
        """Handle the stop signals from now on (a SIGHUP ignored at start, `nohup`, stays
        ignored), and unblock them: a stop signal sent before this was held for it, not
        lost, and one blocked by whoever started the engine would leave it unstoppable
        but by a kill -9."""
        heard = [s for s in STOP_SIGNALS
                 if s != signal.SIGHUP or signal.getsignal(s) is not signal.SIG_IGN]
        for signum in heard:
            self._first[signum] = signal.signal(signum, self._on_signal)
        if hasattr(signal, "pthread_sigmask"):  # (POSIX)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, heard)
        return self

    def release(self) -> None:
        """Not an engine after all: each signal to its first handler, and those heard
        meanwhile raised again, so they do what they would have done."""
        for signum, first in self._first.items():
            signal.signal(signum, first)  # type: ignore[arg-type]
        for signum in self._heard:
            signal.raise_signal(signum)

    def log_ready(self) -> None:
        """The log is set up: say the signals heard before it was."""
        self._logging = True
        while self._unsaid:
            _say(self._unsaid.pop(0))

    def _on_signal(self, signum: int, _frame: object) -> None:
        name = signal.Signals(signum).name
        self._heard.append(signum)
        if self._logging:
            _say(name)
        else:
            self._unsaid.append(name)
        self.stop.set()


def _say(name: str) -> None:
    logging.getLogger("tickwork.engine").info("received %s: stopping", name)


_held: list[StopSignals] = []  # (the one `hold` installed, until `take`)


def hold(argv: Sequence[str]) -> None:
    """At a `tickwork` program's start whose arguments name the engine (app.starts_engine,
    whose signals the package's first lines blocked), handle the stop signals now: the
    engine's imports and its parser take a second or more."""
    if starts_engine(argv, getattr(sys, "orig_argv", ())) and not _held:
        _held.append(StopSignals().install())


def take(engine: bool) -> StopSignals | None:
    """The stop signals' handler for the engine this command runs, installed now if it was
    not held; None (and the held one released) for any other command."""
    held = _held.pop() if _held else None
    if not engine:
        if held is not None:
            held.release()
        return None
    return held if held is not None else StopSignals().install()
