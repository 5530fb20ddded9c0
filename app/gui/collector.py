"""Cyclic garbage is collected on the GUI thread, never on another.

Python's cycle collector runs in whichever thread happens to allocate when a generation's
threshold is crossed, or in the thread that calls `gc.collect()`. The window's process also
hosts an engine on a dozen threads, and a collection there may free the last wrapper of a
widget that was dropped in a cycle: the Qt object, owned by the GUI thread, is then deleted
from another thread while the GUI's event loop may be using it. That crashed the window
(segfaults in the event loop while an engine started on a pool thread and collected).

So the window's process turns automatic collection off and collects from a timer on the GUI
thread, as the automatic collector would have: the oldest generation whose threshold was
crossed. The timer looks every 20 ms while the program makes objects (a collection was due,
or the youngest generation grew by a quarter of its threshold in 250 ms) and every 250 ms
once it idles: a collection's cost grows with the young objects it walks, and at 100,000
fires a minute a 250 ms look let them pile up — youngest-generation collections of 5–20 ms
and middle ones of 60–80 ms on the GUI thread (measured with benchmarks/gui_stall.py).
Objects freed by reference counting are freed where their last reference goes, as ever:
only cycles wait for this thread. What the engine or the calendar asks to keep out of
sweeps (app/core/sweeps.py) is frozen here, after a full collection, so the garbage of
that moment is freed rather than frozen for good.
"""

from __future__ import annotations

import gc

from app.core.sweeps import take_freeze_request
from app.gui.qt import QCoreApplication, QObject, QThread, QTimer

BUSY_MS = 20  # how often the GUI thread looks at the collector's counts while objects are made
IDLE_MS = 250  # ... and once a look found little made and nothing due

_installed: GuiThreadCollector | None = None


class GuiThreadCollector(QObject):
    def __init__(self, app: QCoreApplication) -> None:
        super().__init__(app)
        self._timer = QTimer(self)
        self._timer.setInterval(IDLE_MS)
        self._timer.timeout.connect(self._look)
        self._count = gc.get_count()[0]
        gc.disable()
        self._timer.start()

    @property
    def interval_ms(self) -> int:
        return int(self._timer.interval())

    def _look(self) -> None:
        interval = self._timer.interval()
        ran = collect_due() is not None
        count = gc.get_count()[0]
        made, self._count = count - self._count, count  # since the last look (a collection
        # starts the count again: then a collection was due, which says busy by itself)
        busy = ran or made * IDLE_MS > gc.get_threshold()[0] // 4 * interval
        wanted = BUSY_MS if busy else IDLE_MS
        if interval != wanted:
            self._timer.setInterval(wanted)


def collect_on_gui_thread() -> None:
    """From now on this process collects cyclic garbage on the GUI thread only (idempotent;
    called on the GUI thread once a QApplication exists)."""
    global _installed
    app = QCoreApplication.instance()
    if _installed is not None or app is None or QThread.currentThread() is not app.thread():
        return
    _installed = GuiThreadCollector(app)


def installed() -> GuiThreadCollector | None:
    return _installed


def collect_due() -> int | None:
    """Collect the oldest generation whose threshold was crossed, as the automatic collector
    would, or collect fully and freeze when that was asked for; returns the objects found
    unreachable (None when nothing was due)."""
    if _installed is None:
        return None
    if take_freeze_request():
        found = gc.collect()  # first: the garbage of now is freed, not frozen for good
        gc.freeze()
        return found
    thresholds, counts = gc.get_threshold(), gc.get_count()
    if thresholds[0] <= 0 or counts[0] <= thresholds[0]:
        return None
    generation = 0
    if counts[1] > thresholds[1]:
        generation = 2 if counts[2] > thresholds[2] else 1
    return gc.collect(generation)
