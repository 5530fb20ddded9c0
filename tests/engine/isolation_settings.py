"""Python actions that change their worker's settings, for
tests/engine/test_worker_isolation.py: a module of their own, as another task's would be
(a module keeps the settings its runs leave, for its own later runs)."""

from __future__ import annotations

import os
import sys
import time


def change_settings() -> None:
    """Changes, for the rest of its process's life, what another task takes as given."""
    import decimal
    import gc
    import locale
    import resource
    import socket
    import warnings
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (2**30, hard))  # a 1 GiB cap, its own to lift
    gc.disable()
    sys.setrecursionlimit(400)
    sys.settrace(lambda *_args: None)
    warnings.simplefilter("error")
    os.environ["TZ"] = "Asia/Kathmandu"
    time.tzset()
    del os.environ["TZ"]  # (the C library's zone is still Kathmandu's: tzset ran)
    decimal.getcontext().prec = 3
    decimal.DefaultContext.prec = 5  # (the context of each thread started from now on)
    socket.setdefaulttimeout(0.5)
    locale.setlocale(locale.LC_NUMERIC, "C.UTF-8")
    import threading
    threading.stack_size(64 * 1024)
    sys.excepthook = lambda *_args: None
    gc.set_debug(gc.DEBUG_STATS)


def unsettable() -> None:
    """Leaves a setting the worker cannot put back as it was (a tuple for a list)."""
    import warnings
    warnings.filters = ()  # type: ignore[assignment]
