"""Keeping long-lived objects out of the cyclic collector's sweeps, on the right thread.

What the engine loads at start, the fires due together at the top of the hour and the
calendar's cache live long; a full collection sweeping hundreds of thousands of them stalls
for 100+ ms, so they are frozen (`gc.freeze()`) once loaded. Where automatic collection is on
(the headless engine, the CLI) that happens at once, after a collection, on whatever thread
loaded them. Where the host turned it off to collect on its own thread (the window:
app/gui/collector.py — a collection off the GUI thread can free widgets there), freezing now
would also freeze the garbage of the moment for good; the host is asked instead, and freezes
after its own collection, on its thread (`take_freeze_request`).
"""

from __future__ import annotations

import gc
import threading

_requested = threading.Event()


def keep_from_sweeps(collect_first: bool = False) -> None:
    """Freeze what is alive now (after a full collection if `collect_first`), or, where the
    host collects on its own thread, ask it to collect and freeze there soon."""
    if gc.isenabled():
        if collect_first:
            gc.collect()
        gc.freeze()
    else:
        _requested.set()


def take_freeze_request() -> bool:
    """For a host that collects itself: whether a freeze was asked for since last asked."""
    if not _requested.is_set():
        return False
    _requested.clear()
    return True
