"""Cyclic garbage is collected on the GUI thread, never on another.

Python's cycle collector runs in whichever thread happens to allocate when a generation's
threshold is crossed, or in the thread that calls `gc.collect()`. The window's process also
hosts an engine on a dozen threads, and a collection there may free the last wrapper of a
widget that was dropped in a cycle: the Qt object, owned by the GUI thread, is then deleted
from another thread while the GUI's event loop may be using it. That crashed the window
(segfaults in the event loop while an engine started on a pool thread and collected).

So the window's process turns automatic collection off and collects from a timer on the GUI
thread, as the automatic collector would have: the oldest generation whose threshold was
crossed, a few times a second. Objects freed by reference counting are freed where their
last reference goes, as ever: only cycles wait for this thread. What the engine or the
calendar asks to keep out of sweeps (app/core/sweeps.py) is frozen here, after a full
collection, so the garbage of that moment is freed rather than frozen for good.
"""

from __future__ import annotations

import gc

from app.core.sweeps import take_freeze_request
from app.gui.qt import QCoreApplication, QObject, QThread, QTimer

INTERVAL_MS = 250  # how often the GUI thread looks at the collector's counts

_installed: GuiThreadCollector | None = None


class GuiThreadCollector(QObject):
    def __init__(self, app: QCoreApplication) -> None:
        super().__init__(app)
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(collect_due)
        gc.disable()
        self._timer.start()


def collect_on_gui_thread() -> None:
    """From now on this process collects cyclic garbage on the GUI thread only (idempotent;
    called on the GUI thread once a QApplication exists)."""
    global _installed
    app = QCoreApplication.instance()
    if _installed is not None or app is None or QThread.currentThread() is not app.thread():
        return
    _installed = GuiThreadCollector(app)


def collect_due() -> int:
    """Collect the oldest generation whose threshold was crossed, as the automatic collector
    would; returns the objects found unreachable (0 when nothing was due)."""
    if _installed is None:
        return 0
    if take_freeze_request():  # after a full collection: the garbage of now is not kept
        found = gc.collect()
        gc.freeze()
        return found
    thresholds, counts = gc.get_threshold(), gc.get_count()
    if thresholds[0] <= 0 or counts[0] <= thresholds[0]:
        return 0
    generation = 0
    if counts[1] > thresholds[1]:
        generation = 2 if counts[2] > thresholds[2] else 1
    return gc.collect(generation)

