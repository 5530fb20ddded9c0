"""Wall-clock jumps and resume from suspend, handled where fires are handled.

APScheduler reads the wall clock: after a jump forward (a clock change, an NTP step, a
resume from suspend) every fire the horizon arms is already due, and each fire's next one
too — the engine would run the whole backlog as `schedule` fires before a periodic check saw
the jump. So the dispatcher looks for a jump (`JumpDetector`: two monotonic reads and one of
the wall clock) at the start of every batch of fires and every tick, and the store thread
asks it to look every `CLOCK_CHECK` seconds while nothing else does (`ClockJumps.steady`).
The look that sees a jump handles it at once, on the dispatcher, and drops the batch's fires:
their tasks' stored next runs have not moved, so the catch-up counts them.

What fell due follows each task's catch-up policy, exactly as after downtime
(`recovery.redo_due`): `skip` runs nothing, `once` the latest missed fire, `all` every missed
fire (up to 100), as `catch_up` runs.
"""

from __future__ import annotations

import logging

from app.engine.clock import JumpDetector
from app.engine.dispatcher import Dispatcher
from app.engine.recovery import redo_due
from app.store.database import Store

log = logging.getLogger("tickwork.engine")


class ClockJumps:
    """The dispatcher's look for a jump; handles one the moment it is seen."""

    def __init__(self, store: Store, dispatcher: Dispatcher) -> None:
        self.store = store
        self.dispatcher = dispatcher
        self.detector = JumpDetector(dispatcher.clock)

    def steady(self) -> bool:
        """Dispatcher thread: False when the wall clock jumped since the last look (then
        handled already: what was due is redone; the caller drops the fires it holds)."""
        if self.dispatcher.paused():
            return True  # looked at once the store takes writes again
        jump = self.detector.check()
        if jump is None:
            return True
        after_clock_jump(self.store, self.dispatcher, jump)
        return False


def after_clock_jump(store: Store, d: Dispatcher, jump: float) -> None:
    """The wall clock moved (or the machine slept): redo what is due, apply catch-up."""
    log.warning("wall clock jumped by %+.1fs (clock change or resume from suspend): "
                "recomputing what is due", jump)
    redo_due(store, d, f"after a clock jump of {jump:+.0f}s")
