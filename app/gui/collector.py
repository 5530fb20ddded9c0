"""Cyclic garbage is collected on the GUI thread, never on another.

Python's cycle collector runs in whichever thread happens to allocate when a generation's
threshold is crossed, or in the thread that calls `gc.collect()`. The window's process also
hosts an engine on a dozen threads, and a collection there may free the last wrapper of a
widget that was dropped in a cycle: the Qt object, owned by the GUI thread, is then deleted
from another thread while the GUI's event loop may be using it. That crashed the window
(segfaults in the event loop while an engine started on a pool thread and collected).

So the window's process turns automatic collection off and collects from a timer on the GUI
thread, as the automatic collector would have: the oldest generation whose threshold was
crossed — the oldest (a full collection) only when the objects that survived middle
collections since the last full one are at least a quarter of those that one left in the
oldest generation, CPython's own guard (`generation_due`), counted as CPython counts them.
Without it every eleventh middle collection was a full one, however little had survived:
with 100,000 tasks in the Graph, 80–170 ms of the GUI thread's time each. (While tasks are
edited there, each edit's checks keep tens of thousands of objects past a middle
collection, and full collections stay due about as often: the rule is CPython's, no more.)
The timer looks every 20 ms while the program makes objects (a collection was due, or the
youngest generation grew by a quarter of its threshold in 250 ms) and every 250 ms once it
idles: a collection's cost grows with the young objects it walks, and at 100,000
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

OLDEST = 2  # the oldest generation: collecting it is a full collection
MIDDLE = OLDEST - 1

_installed: GuiThreadCollector | None = None


def generation_due(counts: tuple[int, int, int], thresholds: tuple[int, ...],
                   pending: int, total: int) -> int | None:
    """The generation CPython's automatic collector would collect at these counts (None: no
    collection is due): the oldest whose count passed its threshold, the oldest only when
    `pending` (objects that survived middle collections since the last full one) is at
    least a quarter of `total` (those the last full collection left) — else the next one
    down whose count passed, as `gc_collect_generations` does."""
    if thresholds[0] <= 0 or counts[0] <= thresholds[0]:
        return None
    for generation in (OLDEST, MIDDLE):
        if counts[generation] > thresholds[generation] and (
                generation != OLDEST or pending >= total // 4):
            return generation
    return 0


class GuiThreadCollector(QObject):
    def __init__(self, app: QCoreApplication) -> None:
        super().__init__(app)
        self._timer = QTimer(self)
        self._timer.setInterval(IDLE_MS)
        self._timer.timeout.connect(self._look)
        self._count = gc.get_count()[0]
        # CPython's `long_lived_pending` and `long_lived_total`, which it keeps out of reach:
        # counted here, what survives middle collections from those this collector makes
        # (`collect`), and after every full collection, whoever made it (`_on_collection`),
        # the oldest generation anew at the next look (None: not yet; 150,000 objects take
        # 7-10 ms to count, a fifth of the full collection that left them)
        self.pending = 0
        self.total: int | None = None
        gc.callbacks.append(self._on_collection)
        gc.disable()
        self._timer.start()

    @property
    def interval_ms(self) -> int:
        return int(self._timer.interval())

    def collect_due(self) -> int | None:
        """Collect what is due (see `collect_due`)."""
        if take_freeze_request():
            found = gc.collect()  # first: the garbage of now is freed, not frozen for good
            gc.freeze()
            self.total = 0  # (the oldest generation is empty now)
            return found
        if self.total is None:
            self.total = len(gc.get_objects(OLDEST))
            return None
        due = generation_due(gc.get_count(), gc.get_threshold(), self.pending, self.total)
        return None if due is None else self.collect(due)

    def collect(self, generation: int) -> int:
        """Collect `generation` and the younger ones, counting as CPython does what moves
        to the oldest generation; the objects found unreachable."""
        if generation != MIDDLE:
            return gc.collect(generation)
        # the youngest first: it untracks the tuples of plain values it walks (which CPython
        # does before it counts the survivors); a pool's rows read had counted as survivors
        found = gc.collect(0)
        middle = len(gc.get_objects(MIDDLE))  # (what the collection walks again at once)
        unreachable = gc.collect(MIDDLE)
        self.pending += max(0, middle - unreachable)  # now in the oldest generation
        return found + unreachable

    def _on_collection(self, phase: str, info: dict[str, int]) -> None:
        if phase == "stop" and info["generation"] == OLDEST:
            self.pending, self.total = 0, None

    def _look(self) -> None:
        interval = self._timer.interval()
        ran = self.collect_due() is not None
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
    """Collect the generation the automatic collector would collect now (`generation_due`),
    or collect fully and freeze when that was asked for; returns the objects found
    unreachable (None when nothing was due or no window collects here)."""
    return None if _installed is None else _installed.collect_due()
