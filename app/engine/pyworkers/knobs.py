"""The rest of a worker's process state a run may change for the runs after it: the
interpreter's settings and the operating system's limits on the process (`baseline` keeps
the fds, streams, environment, umask and signals).

A task that capped its memory (`resource.setrlimit(RLIMIT_AS, …)`), turned off the garbage
collector, set a trace function, made warnings errors or changed the time zone, the locale
or `decimal`'s precision would otherwise hand that to whichever task its worker ran next —
one task's 1 GiB cap made another fail with MemoryError. `Interpreter` and `Limits` note
them before the first run and put them back after each one, comparing first (a few µs).

What an unprivileged process cannot take back — a hard limit lowered, its nice value
raised, another user (the worker leads its session: it cannot leave it) — makes the worker
unfit:
`Limits.kept_back` names it, and the engine replaces the worker as it does one a run left
threads in.
"""

from __future__ import annotations

import contextlib
import gc
import locale
import os
import resource
import sys
import threading
import time
import warnings
from typing import Any

_WORDS = {"AS": "address space (memory)", "DATA": "data size (memory)", "NOFILE": "open files",
          "NPROC": "processes", "CPU": "CPU time", "FSIZE": "file size", "CORE": "core size"}
_LIMITS = {getattr(resource, name): _WORDS.get(name[7:], name[7:].lower().replace("_", " "))
           for name in dir(resource) if name.startswith("RLIMIT_")}  # limit -> its words


def _tz() -> tuple[Any, ...]:
    return time.tzname, time.timezone, time.altzone, time.daylight


class Interpreter:
    """The interpreter's settings as the worker had them before its first run."""

    def __init__(self) -> None:
        self.gc = gc.isenabled(), gc.get_threshold()
        self.recursion = sys.getrecursionlimit()
        self.switch = sys.getswitchinterval()
        self.digits = sys.get_int_max_str_digits()
        self.hooks = sys.gettrace(), sys.getprofile(), threading.gettrace(), \
            threading.getprofile()
        self.filters = list(warnings.filters)
        self.tz = _tz()
        self.locale = self._locale()

    @staticmethod
    def _locale() -> str | None:
        with contextlib.suppress(locale.Error):
            return locale.setlocale(locale.LC_ALL)
        return None

    def restore(self, environment_changed: bool) -> None:
        """Put the settings back (the main thread, between runs)."""
        enabled, threshold = self.gc
        if gc.isenabled() != enabled:
            (gc.enable if enabled else gc.disable)()
        if gc.get_threshold() != threshold:
            gc.set_threshold(*threshold)
        if sys.getrecursionlimit() != self.recursion:
            sys.setrecursionlimit(self.recursion)
        if sys.getswitchinterval() != self.switch:
            sys.setswitchinterval(self.switch)
        if sys.get_int_max_str_digits() != self.digits:
            sys.set_int_max_str_digits(self.digits)
        self._hooks()
        if warnings.filters != self.filters:
            warnings.filters[:] = self.filters  # type: ignore[index]  # (a list)
            warnings._filters_mutated()  # type: ignore[attr-defined]  # (its caches)
        if environment_changed or _tz() != self.tz:  # TZ is back in the environment
            time.tzset()
        self._modules()

    def _hooks(self) -> None:
        trace, profile, thread_trace, thread_profile = self.hooks
        if sys.gettrace() is not trace:
            sys.settrace(trace)
        if sys.getprofile() is not profile:
            sys.setprofile(profile)
        if threading.gettrace() is not thread_trace:
            threading.settrace(thread_trace)  # type: ignore[arg-type]
        if threading.getprofile() is not thread_profile:
            threading.setprofile(thread_profile)  # type: ignore[arg-type]

    def _modules(self) -> None:
        """What the standard library keeps: decimal's context, socket's default timeout,
        the C library's locale."""
        decimal = sys.modules.get("decimal")
        if decimal is not None:  # a fresh context: its precision, traps and flags
            decimal.setcontext(decimal.Context())
        socket = sys.modules.get("socket")
        if socket is not None and socket.getdefaulttimeout() is not None:
            socket.setdefaulttimeout(None)
        if self.locale is not None and self._locale() != self.locale:
            with contextlib.suppress(locale.Error):
                locale.setlocale(locale.LC_ALL, self.locale)


class Limits:
    """The operating system's limits on the worker process, as before its first run."""

    def __init__(self) -> None:
        self.rlimits = [(limit, resource.getrlimit(limit)) for limit in sorted(_LIMITS)]
        self.priority = os.getpriority(os.PRIO_PROCESS, 0)
        self.affinity = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
        self.ids = self._ids()

    @staticmethod
    def _ids() -> tuple[int, ...]:
        return *os.getresuid(), *os.getresgid()

    def kept_back(self) -> str:
        """Put the limits back; what cannot be, in words ('' for nothing)."""
        lost = []
        for limit, was in self.rlimits:
            if resource.getrlimit(limit) != was:
                try:
                    resource.setrlimit(limit, was)
                except (ValueError, OSError):  # a hard limit lowered: for good
                    lost.append(f"hard limit on {_LIMITS[limit]}")
        if os.getpriority(os.PRIO_PROCESS, 0) != self.priority:
            try:
                os.setpriority(os.PRIO_PROCESS, 0, self.priority)
            except OSError:
                lost.append(f"nice value ({self.priority} → "
                            f"{os.getpriority(os.PRIO_PROCESS, 0)})")
        if self.affinity is not None and os.sched_getaffinity(0) != self.affinity:
            try:
                os.sched_setaffinity(0, self.affinity)
            except OSError:
                lost.append("CPUs it may run on")
        if self._ids() != self.ids:
            lost.append("user or group")
        return ", ".join(lost)
