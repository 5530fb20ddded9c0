"""Which notes pop up from the window: a few, then one summary. Where the engine's notifier
reaches no notification server (Windows and macOS, where it never does; a Linux session
without one; a window that is a viewer of another engine there), the window pops up each note
itself: a tray balloon, or the status bar's line where the tray cannot show one. A storm of
failures was a balloon per run: hundreds, each replacing the last before it could be read.

The rule is the engine's (`Storm`, app/engine/storm.py): the first `BUDGET` notes of a
`WINDOW` pop up on their own, the rest are folded into one summary shown when the window
ends ("37 more runs failed" — "backup ×30, sync ×7"), one at most each window while the storm
goes on; a quiet window ends it. A balloon cannot be updated in place, so each window's
summary is a new one, saying the count since the storm began. The window scales with the
engine's pace (`$TICKWORK_PACE`) as the notifier's does. The list keeps every note.

Signals:
    shown(Notification): pop this up now (a note of its own, or a storm's summary).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from app.engine.clock import pace_from_env
from app.engine.events import Notification
from app.engine.storm import BUDGET, WINDOW, Storm
from app.gui.qt import QObject, QTimer, Signal

REMEMBERED = 1000  # runs whose own balloon a fallback's sequel may follow


class Balloons(QObject):
    shown = Signal(object)

    def __init__(self, parent: QObject | None = None, *, budget: int = BUDGET,
                 window: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(parent)
        self.storm = Storm(budget, window if window is not None else WINDOW * pace_from_env())
        self.clock = clock
        self._own: deque[int] = deque(maxlen=REMEMBERED)  # runs that had a balloon of their own
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timer_timeout)

    def offer(self, note: Notification) -> None:
        """`note` pops up now, or is counted into the storm's summary."""
        now = self.clock()
        follows = note.replaces is not None and note.replaces in self._own
        if self.storm.offer(note, now, follows_own=follows):
            if note.run_id is not None:
                self._own.append(note.run_id)
            self.shown.emit(note)
        self._wait(now)

    def _on_timer_timeout(self) -> None:
        now = self.clock()
        summary = self.storm.close(now)
        if summary is not None:
            self.shown.emit(summary.note())
        self._wait(now)

    def _wait(self, now: float) -> None:
        """The timer set for the open window's end (none open: stopped)."""
        due = self.storm.due()
        if due is None:
            self._timer.stop()
        elif not self._timer.isActive() or due <= now:
            self._timer.start(max(0, round((due - now) * 1000)))
