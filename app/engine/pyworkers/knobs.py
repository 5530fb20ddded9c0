"""The rest of a worker's process state a run may change for the runs after it: the
interpreter's settings and the operating system's limits on the process (`baseline` keeps
the fds, streams, environment, umask and signals).

A task that capped its memory (`resource.setrlimit(RLIMIT_AS, …)`), turned off the garbage
collector, set a trace function or an exception hook, made warnings errors or changed the
time zone, the locale or `decimal`'s precision would otherwise hand that to whichever task
its worker ran next — one task's 1 GiB cap made another fail with MemoryError. `read`
notes them all at once (a few µs) and `put` sets back those that differ.

They are a module's own, though, as its module-level state is: what a module sets when it
is imported (`sys.setrecursionlimit(5000)` at its top) holds for every run of its tasks in
that worker, not only the first one (the import is not done again). So a worker keeps, per
module, the settings its last run ended with (`Kept`) and puts them back before its next
run, and the worker's own before any other module's.

What an unprivileged process cannot take back — a hard limit lowered, its nice value
raised, another user (the worker leads its session: it cannot leave it) — makes the worker
unfit: `Limits.kept_back` names it, and the engine replaces the worker as it does one a run
left threads in; so does a setting that cannot be put back (`put` says which).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import locale
import os
import socket
import sys
import threading
import time
import warnings
from collections.abc import Callable
from typing import Any

_WORDS = {"AS": "address space (memory)", "DATA": "data size (memory)", "NOFILE": "open files",
          "NPROC": "processes", "CPU": "CPU time", "FSIZE": "file size", "CORE": "core size"}


@functools.cache
def _limits() -> dict[int, str]:
    """Each resource limit and its words (`resource` is POSIX's: imported where used, as
    workers run only there; the engine's other modules import this one)."""
    import resource
    return {getattr(resource, name): _WORDS.get(name[7:], name[7:].lower().replace("_", " "))
            for name in dir(resource) if name.startswith("RLIMIT_")}


def _locale() -> str | None:
    try:  # (read after every run: no `suppress` block)
        return locale.setlocale(locale.LC_ALL)
    except locale.Error:
        return None


def _set_locale(value: str | None) -> None:
    if value is not None:
        locale.setlocale(locale.LC_ALL, value)


class _Context:
    """decimal's context as it was: equal to another by its text (precision, rounding,
    limits, flags, traps), with a copy to put back."""

    __slots__ = ("copy", "text")

    def __init__(self, context: Any) -> None:
        self.text = repr(context)
        self.copy = context.copy()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Context) and other.text == self.text

    __hash__ = None  # type: ignore[assignment]


def _decimal() -> _Context | None:
    """decimal's context; None before a run imported decimal."""
    module = sys.modules.get("decimal")
    return None if module is None else _Context(module.getcontext())


def _set_decimal(value: _Context | None) -> None:
    module = sys.modules.get("decimal")
    if module is not None:
        module.setcontext(value.copy.copy() if value is not None else module.Context())


_CONTEXT_FIELDS = ("prec", "rounding", "Emin", "Emax", "capitals", "clamp")


def _default_decimal() -> _Context | None:
    """decimal.DefaultContext, which each thread started later takes its context from; None
    before a run imported decimal."""
    module = sys.modules.get("decimal")
    return None if module is None else _Context(module.DefaultContext)


def _set_default_decimal(value: _Context | None) -> None:
    """DefaultContext changed in place (what `decimal` starts threads from is that object,
    whatever its name is bound to); None: as decimal defines it."""
    module = sys.modules.get("decimal")
    if module is None:
        return
    wanted = value.copy if value is not None else module.Context(
        prec=28, rounding=module.ROUND_HALF_EVEN, Emin=-999999, Emax=999999, capitals=1,
        clamp=0, flags=[], traps=[module.InvalidOperation, module.DivisionByZero,
                                  module.Overflow])
    default = module.DefaultContext
    for field in _CONTEXT_FIELDS:
        setattr(default, field, getattr(wanted, field))
    default.traps = dict(wanted.traps)
    default.flags = dict(wanted.flags)


def _set_filters(value: list[Any]) -> None:
    warnings.filters[:] = value  # type: ignore[index]  # (a list)
    mutated = getattr(warnings, "_filters_mutated", None)  # (its caches; gone in 3.14's)
    if mutated is not None:
        mutated()


def _attribute(owner: Any, name: str) -> tuple[Callable[[], Any], Callable[[Any], None]]:
    return (lambda: getattr(owner, name)), (lambda value: setattr(owner, name, value))


# (name, read it, put it back); compared by ==, so hooks by identity
_SETTINGS: tuple[tuple[str, Callable[[], Any], Callable[[Any], Any]], ...] = (
    ("garbage collector", gc.isenabled, lambda on: gc.enable() if on else gc.disable()),
    ("garbage collector's thresholds", gc.get_threshold, lambda t: gc.set_threshold(*t)),
    ("garbage collector's debug flags", gc.get_debug, gc.set_debug),
    ("garbage collector's callbacks", lambda: list(gc.callbacks),
     lambda c: gc.callbacks.__setitem__(slice(None), c)),
    ("recursion limit", sys.getrecursionlimit, sys.setrecursionlimit),
    ("switch interval", sys.getswitchinterval, sys.setswitchinterval),
    ("digits limit", sys.get_int_max_str_digits, sys.set_int_max_str_digits),
    ("trace function", sys.gettrace, sys.settrace),
    ("profile function", sys.getprofile, sys.setprofile),
    ("threads' trace function", threading.gettrace, threading.settrace),
    ("threads' profile function", threading.getprofile, threading.setprofile),
    ("threads' stack size", threading.stack_size, threading.stack_size),
    ("exception hook", *_attribute(sys, "excepthook")),
    ("unraisable hook", *_attribute(sys, "unraisablehook")),
    ("display hook", *_attribute(sys, "displayhook")),
    ("breakpoint hook", *_attribute(sys, "breakpointhook")),
    ("threads' exception hook", *_attribute(threading, "excepthook")),
    ("warnings filters", lambda: list(warnings.filters), _set_filters),
    ("warnings' show function", *_attribute(warnings, "showwarning")),
    ("warnings' format function", *_attribute(warnings, "formatwarning")),
    ("socket timeout", socket.getdefaulttimeout, socket.setdefaulttimeout),
    ("locale", _locale, _set_locale),
    ("decimal's default context", _default_decimal, _set_default_decimal),
    ("decimal context", _decimal, _set_decimal),  # (after the default: a new one is a copy)
)
Settings = tuple[Any, ...]  # one value per setting, in _SETTINGS' order


def read() -> Settings:
    """The interpreter's settings now."""
    return tuple(get() for _name, get, _put in _SETTINGS)


def differ(a: Settings, b: Settings) -> list[int]:
    """Which settings differ (their places; one comparison when none does)."""
    if a == b:
        return []
    return [at for at, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]


def put(wanted: Settings, places: list[int]) -> str:
    """Set these settings of `wanted`; the words for those that could not be ('' for
    none)."""
    failed = []
    for at in places:
        name, _get, set_it = _SETTINGS[at]
        try:
            set_it(wanted[at])
        except Exception as exc:  # (a run that replaced warnings.filters with a tuple)
            failed.append(f"{name} ({type(exc).__name__}: {exc})")
    return ", ".join(failed)


def zone_back(environment_changed: bool, zone: tuple[Any, ...]) -> None:
    """The C library's time zone as the environment says (TZ put back with it): a run that
    set TZ and called `time.tzset()` left the zone changed even once TZ was gone."""
    if environment_changed or _zone() != zone:
        time.tzset()


def _zone() -> tuple[Any, ...]:
    return time.tzname, time.timezone, time.altzone, time.daylight


class Kept:
    """Per module, the settings its last run in this worker ended with, where they were not
    the worker's own; and the worker's own, noted before its first run."""

    def __init__(self) -> None:
        self.own = read()
        self.zone = _zone()
        self.modules: dict[tuple[str | None, str], Settings] = {}

    def before(self, module: tuple[str | None, str]) -> None:
        """A run of `module` starts: with the settings its last run ended with."""
        settings = self.modules.get(module)
        if settings is not None:  # (a setting that fails stays the worker's own)
            put(settings, differ(settings, self.own))

    def after(self, module: tuple[str | None, str] | None) -> str:
        """A run ended: its module keeps its settings, the worker has its own back; what
        could not be put back, in words ('' for nothing)."""
        now = read()
        places = differ(now, self.own)
        if module is not None:
            if places:
                self.modules[module] = now
            else:
                self.modules.pop(module, None)
        return put(self.own, places)


class Limits:
    """The operating system's limits on the worker process, as before its first run; its
    CPUs as the engine last placed it (`place`, cpus.py)."""

    def __init__(self) -> None:
        import resource
        self.resource = resource
        self.rlimits = [(limit, resource.getrlimit(limit)) for limit in sorted(_limits())]
        # the soft limit on open files as `kept_back` left it (`crowded`); None: not known
        self.open_files: int | None = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        self.priority = os.getpriority(os.PRIO_PROCESS, 0)
        self.affinity = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
        self.own_affinity = self.affinity  # ... the worker's own, when the engine names none
        self.ids = self._ids()

    def place(self, cpus: list[int] | None) -> None:
        """The CPUs the engine wants the next run on (None: the worker's own; cpus.py): set
        now, and what `kept_back` puts back after the run."""
        wanted = set(cpus) if cpus else self.own_affinity
        if self.affinity is None or wanted is None or wanted == self.affinity:
            return
        with contextlib.suppress(OSError, ValueError):  # (a CPU gone: left where it was)
            os.sched_setaffinity(0, wanted)
            self.affinity = wanted

    @staticmethod
    def _ids() -> tuple[int, ...]:
        return *os.getresuid(), *os.getresgid()

    def kept_back(self) -> str:
        """Put the limits back; what cannot be, in words ('' for nothing)."""
        lost = []
        resource = self.resource
        changed = False
        for limit, was in self.rlimits:
            if resource.getrlimit(limit) != was:
                changed = True
                try:
                    resource.setrlimit(limit, was)
                except (ValueError, OSError):  # a hard limit lowered: for good
                    lost.append(f"hard limit on {_limits()[limit]}")
        if changed:
            self.open_files = None if lost else resource.getrlimit(resource.RLIMIT_NOFILE)[0]
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
